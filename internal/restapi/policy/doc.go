// Package policy evaluates API Gateway resource policies: the IAM policy
// language as a REST API's `policy` uses it, deciding on every request
// whether a caller may invoke a method (execute-api:Invoke).
//
// The control plane (package restapi) calls Parse when a policy is set and
// answers its error as BadRequestException; a deployment keeps the parsed
// *Policy, and the gateway calls Evaluate on every request with the
// caller's context keys (aws:SourceVpce, aws:SourceVpc, aws:SourceIp…).
// Parse does all the work that does not depend on a request (splitting
// ARNs, parsing CIDRs and numbers, lower-casing), so Evaluate reads only.
//
// Evaluation is IAM's: an explicit Deny wins, else an Allow that applies
// allows, else the request is implicitly denied.
package policy
