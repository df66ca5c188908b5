// Package restapi is Portolan's API Gateway for REST APIs (apigateway, the
// v1 API): REST APIs, their resource trees, methods and integrations,
// deployments, stages, VPC links (to Network Load Balancers), API keys,
// usage plans and the account's settings, served over restJson1 at
// /restapis, /vpclinks, /apikeys, /usageplans, /account and /tags by
// Register, and as a Go API (the exported methods of Control, with the
// wire's inputs and outputs) for in-process callers such as the
// CloudFormation deployer.
//
// Where it sits. Writes go to the store under restapi/ in one transaction
// each. View follows the store and publishes immutable Snapshots; the REST
// data plane serves requests from them and never reads the store. A stage
// serves the config of its deployment only: CreateDeployment freezes the
// API's resources, methods, integrations and resource policy, so a change
// (the policy included) takes effect on the next deployment, as on AWS.
// VPC links are settled by a small level-triggered reconciler (Run): a
// PENDING link becomes AVAILABLE once its Network Load Balancer is found
// through the LoadBalancers the server wires to ELBv2, FAILED otherwise.
//
// AWS behaviour relied on, and where it was checked:
//   - Paths, members, query parameters and success statuses: the service
//     model (botocore's apigateway 2015-07-09, whose responseCode gives
//     201 for creates and puts, 202 for most deletes and CreateVpcLink,
//     204 for method, integration and tag deletes) and the serializers
//     and deserializers of aws-sdk-go-v2/service/apigateway v1.40.2:
//     listings are {"item":[...],"position":"..."} with limit and
//     position as query parameters; timestamps are epoch seconds.
//   - Limits: limit 1 to 500, default 25; timeoutInMillis 50 to 29,000,
//     default 29,000; 300 resources per API; the account throttle of
//     10,000 requests per second, burst 5,000 (the API reference and the
//     quotas page).
//   - Patch paths per resource: the API reference's PatchOperation notes
//     and "Update* operations" pages; method settings as
//     /{resource path with ~1}/{method}/{setting} or /*/*/{setting}.
//   - Error texts AWS is seen answering (moto 5.2 repeats most of them).
//
// What differs from AWS on purpose is listed in docs/compat.md.
package restapi
