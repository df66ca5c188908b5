// Package router selects the route of an API Gateway HTTP API for a request,
// the way AWS does, and normalises request paths for that purpose.
//
// It sits beside the control plane and the data plane and imports neither.
// In the gateway (internal/apigw/gateway) it runs between stage selection
// and the authorizer: the gateway finds the API (by host or port)
// and the stage, strips the stage prefix, calls ParsePath on the rest of the
// raw path, then Table.Match with the request method. The matched value (the
// caller's, per route) names the integration and authorizer; the Params feed
// $request.path.<name>, parameter mapping and URL substitution. The control
// plane (internal/apigw) calls ParseRouteKey to validate CreateRoute and
// UpdateRoute input; its *RouteKeyError text is the BadRequestException
// message.
//
// A Table is built once per configuration snapshot, off the request path, and
// is immutable afterwards: Match takes no lock and, with a pooled Params,
// allocates nothing unless a parameter value holds a percent-escape.
//
// # AWS behaviour: what was confirmed, and where
//
// [R] "Create routes for HTTP APIs in API Gateway" (earlier "Working with
// routes for HTTP APIs"),
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
// (source also in github.com/awsdocs/amazon-api-gateway-developer-guide,
// doc_source/http-api-develop-routes.md):
//   - A route is an HTTP method and a resource path ("GET /pets"). ANY
//     "match[es] all methods that you haven't defined for a resource".
//     $default catches requests that match no other route.
//   - Path variables {name}; a greedy {name+} "catches all child resources of
//     a route" and "must be at the end of the resource path".
//   - Selection: "the route with the most-specific match, using the
//     following priorities: 1. Full match for a route and method. 2. Match
//     for a route and method with a greedy path variable ({proxy+}). 3. The
//     $default route." No match: {"message":"Not Found"}.
//   - Worked example, routes GET /pets/dog/{id}, GET /pets/{proxy+},
//     ANY /{proxy+}, $default: GET /pets/dog/1 -> GET /pets/dog/{id};
//     GET /pets/cat/1 -> GET /pets/{proxy+} ("doesn't fully match a route");
//     POST /test/5 -> ANY /{proxy+} (greedy beats $default). So the tiers are
//     strict: any full match, even all-variable (GET /{a}/{b}), beats any
//     greedy route, however long its literal prefix (GET /pets/{proxy+}).
//   - "API Gateway decodes URL-encoded request parameters before passing them
//     to your backend integration": path parameter values are decoded.
//
// [Q] "Quotas for configuring and running an HTTP API in API Gateway",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html:
// request line plus header values at most 10240 bytes (MaxPathLength); 300
// routes per API by default.
//
// Field reports (not AWS documentation, but first-hand):
//   - A route path may not end in '/': CreateRoute refuses "GET /metrics/"
//     (github.com/storacha/w3infra pull 166); the AWS CDK's HttpRouteKey
//     enforces "start with '/' and not end with '/'" (github.com/aws/aws-cdk
//     pull 13981).
//   - A request for "/hello/" is routed to "GET /hello" on HTTP APIs
//     (github.com/aws-powertools/powertools-lambda-python issue 1552 and
//     pull 1577). Hence ParsePath drops one trailing slash.
//   - HTTP APIs hand integrations a decoded path, "%2F" included
//     (github.com/honojs/hono issue 2156; github.com/aws/aws-lambda-dotnet
//     pull 1901, an AWS engineer: "the path and path parameters should be
//     decoded", "the api gateway cannot handle %2f").
//   - Duplicate route key: a message "Route with key ... already exists" is
//     quoted in github.com/floci-io/floci pull 1956, which may be that
//     emulator's own text; whether AWS sends BadRequestException or
//     ConflictException is disputed there. Unconfirmed.
//
// # Assumed: not documented, chosen here and tested as such
//
// Emulators disagree on these. AWS's own Lambda Test Tool v2
// (github.com/aws/aws-lambda-dotnet, ApiGatewayRouteConfigService.cs) ranks
// by the count of literal segments, ignores ANY-versus-method and compares
// literals case-insensitively; github.com/KensioSoftware/yulin (issue 299,
// "observed rather than documented") ranks method before path. We follow
// [R]'s tiers, then:
//   - Within a tier, templates compare segment by segment from the left:
//     literal > {name} > {name+} (the REST API rule that a specific resource
//     beats a generic sibling; what a trie with backtracking yields). So
//     GET /a/{x}/c beats GET /{y}/b/c for /a/b/c, and GET /pets/{proxy+}
//     beats GET /{x}/dog/{proxy+} for /pets/dog/1.
//   - Method breaks ties between routes with the same template only: ANY
//     covers the methods "not defined for a resource", so ANY /pets/dog beats
//     GET /pets/{id} for GET /pets/dog. A method that no route of a template
//     serves falls through to the next template, as if the route were absent.
//   - A GET route does not answer HEAD (REST APIs need an explicit HEAD
//     method too, github.com/dherault/serverless-offline issue 704); ANY
//     does. ANY also answers methods outside the route-key list (TRACE…).
//     Methods are case-sensitive: "get" is served by ANY only.
//   - Paths are case-sensitive.
//   - A greedy variable takes one or more non-empty segments: /{proxy+} does
//     not match "/", and /pets/{proxy+} does not match "/pets" or "/pets/".
//     Its value is the rest of the path without the leading slash, decoded.
//   - Route-key validation refuses: a method outside the list or not upper
//     case; anything but exactly one space between method and path; a path
//     not starting with '/', ending with '/', with an empty segment, a "." or
//     ".." segment, a partial variable ("pets{id}"), an empty or malformed
//     variable name, a greedy variable not last, the same variable twice, or
//     a literal character outside RFC 3986 pchar (no '%', no non-ASCII). Two
//     keys with the same method and template, variable names aside, are
//     duplicates. The error messages are ours, not AWS's.
//   - Request paths with empty segments, dot segments (raw or encoded, or
//     hidden behind an encoded '/' or '\'), control characters, malformed
//     escapes or invalid UTF-8 are refused by ParsePath; the gateway answers
//     them without calling a backend. "%2F" is decoded into parameter values
//     but is never a segment separator.
package router
