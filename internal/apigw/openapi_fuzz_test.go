package apigw

import "testing"

// FuzzParseDefinition: whatever an ImportApi body holds, parsing it ends
// with a definition or an error, never a panic, and a definition names the
// API and has route keys the router takes.
func FuzzParseDefinition(f *testing.F) {
	for _, seed := range []string{
		"openapi: 3.0.1\ninfo: {title: a, version: '1'}\npaths:\n  /pets/{id}:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://example.com', httpMethod: GET}\n",
		`{"openapi":"3.0.1","info":{"title":"b"},"paths":{"$default":{"x-amazon-apigateway-any-method":{"x-amazon-apigateway-integration":{"$ref":"#/components/x-amazon-apigateway-integrations/x"}}}},"components":{"x-amazon-apigateway-integrations":{"x":{"type":"http_proxy","uri":"https://e.com"}}}}`,
		"openapi: 3.0.1\ninfo: {title: c}\nservers: [{url: 'https://x/{basePath}', variables: {basePath: {default: v1}}}]\npaths: {}\ncomponents:\n  securitySchemes:\n    jwt: {type: oauth2, flows: {}, x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: {issuer: 'https://i', audience: [a]}}}\n",
		"swagger: '2.0'\ninfo: {title: d}\n",
		"{",
	} {
		f.Add(seed, "prepend")
	}
	f.Fuzz(func(t *testing.T, body, basepath string) {
		def, err := parseDefinition(body, basepath)
		if err != nil {
			return
		}
		if def.name == "" {
			t.Fatalf("a definition without a name from %q", body)
		}
		for _, r := range def.routes {
			if r.route.RouteKey == nil || *r.route.RouteKey == "" {
				t.Fatalf("a route without a key from %q", body)
			}
		}
	})
}
