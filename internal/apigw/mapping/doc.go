// Package mapping parses the parameter mapping of HTTP_PROXY integrations
// (requestParameters) and the templates their values are written in.
//
// Where it sits. It is a parser beside the control plane and the data plane,
// importing neither: the control plane (internal/apigw) validates
// CreateIntegration and UpdateIntegration input with ParseRequestParameters
// (its error is the BadRequestException the client gets); the gateway
// (internal/apigw/gateway) compiles the same parse once per deployment,
// off the request path, and applies the result to each request.
//
// The rules, as "Transform API requests and responses for HTTP APIs"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html,
// source: github.com/awsdocs/amazon-api-gateway-developer-guide,
// doc_source/http-api-parameter-mapping.md) define them:
//   - keys: append|overwrite|remove:header.<name>,
//     append|overwrite|remove:querystring.<name>, overwrite:path;
//   - values: $request.header.<name> (case-insensitive; several values are
//     joined with commas), $request.querystring.<name> (case-sensitive;
//     joined with commas), $request.path (without the stage),
//     $request.path.<name>, $context.<name>, $stageVariables.<name>, or a
//     static string; ${...} braces let several variables share one value
//     ("${request.path.a} ${request.path.b}");
//   - reserved headers cannot be mapped (reservedHeader);
//   - UpdateIntegration with a key's value "" removes that mapping.
package mapping
