// Package gateway is the REST API (API Gateway v1) data plane: it answers
// invocations of the APIs package restapi manages and calls their
// integrations. It shares the HTTP API gateway's listener (that gateway's
// Config.Next hands it every request whose host names no HTTP API) and its
// parts: the router's path normalisation, the keep-alive client (package
// apigw/upstream), the access log writer (apigw/accesslog) and the
// server loop (internal/httpserve, which marks requests with two
// framings; apigw/gateway/framing finds them behind net/http).
//
// A request goes (host.go, gateway.go):
//  1. The Host selects the API and, for a private API, the VPC endpoint it
//     came through: {id}.execute-api.localhost (public), {id}-{vpce}.…
//     and the endpoint's own DNS name with x-apigw-api-id (through the
//     endpoint), {id}.execute-api.{region}.amazonaws.com (public, or
//     through the endpoint with private DNS). A private API is only served
//     through an endpoint, a public one never.
//  2. The first path segment is the stage; the rest is matched against the
//     stage's deployed resources (package resourcetree).
//  3. AWS_IAM methods need a signature; the resource policy frozen with the
//     stage's deployment is evaluated (package policy) with aws:SourceIp
//     and, through an endpoint, aws:SourceVpce and aws:SourceVpc
//     (authorize.go).
//  4. The API key, usage plan throttles and quota, the stage's method
//     throttle and the account's (throttle.go).
//  5. The integration (proxy.go, response.go): HTTP_PROXY passes the
//     request through and relays the answer; HTTP sends what
//     requestParameters map and answers through the integration responses;
//     MOCK answers from its templates. VPC_LINK sends to the link's Network
//     Load Balancer, so the load balancer's own data plane picks the task.
//  6. An access log line, for stages that ask for one (accesslog.go).
//
// The gateway's own answers are REST APIs' (errors.go): 403 Missing
// Authentication Token for an unknown stage, resource or method, 403
// Forbidden, 429, 504 Endpoint request timed out…, each with
// x-amzn-ErrorType; every answer carries x-amzn-RequestId and
// x-amz-apigw-id.
//
// Everything a request reads is one immutable snapshot (snapshot.go),
// rebuilt by Run off the request path when the REST API or load balancer
// views change, reusing each stage's compiled form while it, the VPC links
// and the load balancers are unchanged. Token buckets and quota counters
// live outside the snapshot, so a rebuild does not refill them.
//
// Where Portolan differs from AWS (no VTL engine, quotas in memory, how a
// private API's caller is located…) is listed in docs/compat.md.
package gateway
