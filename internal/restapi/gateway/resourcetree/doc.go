// Package resourcetree selects the resource and method of a REST API
// (API Gateway v1) deployment for a request, the way AWS does.
//
// A REST API is a tree of resources ("/", "/pets", "/pets/{id}",
// "/{proxy+}"), each holding methods (GET, POST, ..., ANY). The gateway
// (internal/restapi/gateway) builds one Tree per deployed stage, off the
// request path, from the deployment's frozen resources, then for each
// request parses the path after the stage with router.ParsePath (the HTTP
// API router's normalisation and refusals, shared) and calls Match. A Tree
// is immutable: Match takes no lock and, with a pooled Params, allocates
// nothing unless a parameter value holds a percent-escape.
//
// # AWS behaviour
//
// Documented ("Set up a proxy integration with a proxy resource",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html):
//   - {name} matches one path segment; a greedy {name+} matches the rest of
//     the path, one or more segments, and must be a resource's last part
//     (it has no children).
//   - ANY stands for every method not set up on the resource.
//   - An invocation of a resource or method that does not exist is answered
//     403 {"message":"Missing Authentication Token"}.
//
// Chosen where AWS is silent, tested as such:
//   - The resource is chosen by the path alone, then the method on it: the
//     request's own method, else ANY. A resource that matches but has
//     neither is not found (403), even if a greedy resource elsewhere has
//     the method: AWS REST APIs match the resource first (what the console's
//     test invoke shows: "Resource Path" before "HTTP Method").
//   - At each level a literal child beats the {name} child, which beats the
//     greedy {name+} child; when the branch taken cannot match the rest of
//     the path the next one is tried (so "/pets/1/2" reaches "/{proxy+}"
//     when "/pets/{id}" has no child).
//   - GET does not answer HEAD (an explicit HEAD method is needed; ANY
//     answers it). Methods and paths are case-sensitive.
//   - One trailing slash is ignored ("/pets/" is "/pets"), and parameter
//     values are percent-decoded; "%2F" inside a segment never separates
//     segments (router.ParsePath).
package resourcetree
