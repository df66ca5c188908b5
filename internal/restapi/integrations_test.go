package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func TestIntegrations(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	link := availableLink(t, e, "links")
	api, root := newAPI(t, c, "integrations")
	proxy := newResource(t, c, api, root, "{proxy+}")
	must[*apigateway.PutMethodOutput](t)(c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
		HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}}))
	a, r, v := aws.String(api), aws.String(proxy), aws.String("ANY")
	good := func() *apigateway.PutIntegrationInput {
		return &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v,
			Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String("http://nlb.internal:8080/{proxy}"),
			ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String(link),
			RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy", "integration.request.header.X-Stage": "'static'"}}
	}
	out := must[*apigateway.PutIntegrationOutput](t)(c.PutIntegration(ctxT(t), good()))
	if out.TimeoutInMillis != 29000 || aws.ToString(out.PassthroughBehavior) != "WHEN_NO_MATCH" || aws.ToString(out.ConnectionId) != link ||
		aws.ToString(out.HttpMethod) != "ANY" || aws.ToString(out.CacheNamespace) != proxy {
		t.Fatalf("PutIntegration answered %+v", out)
	}
	for _, tc := range []struct {
		name string
		edit func(*apigateway.PutIntegrationInput)
		msg  string
	}{
		{"lambda", func(in *apigateway.PutIntegrationInput) { in.Type = types.IntegrationTypeAwsProxy }, "not supported by Portolan"},
		{"aws service", func(in *apigateway.PutIntegrationInput) { in.Type = types.IntegrationTypeAws }, "not supported by Portolan"},
		{"no uri", func(in *apigateway.PutIntegrationInput) { in.Uri = nil }, "Invalid HTTP endpoint"},
		{"relative uri", func(in *apigateway.PutIntegrationInput) { in.Uri = aws.String("nlb/x") }, "Invalid HTTP endpoint"},
		{"no backend method", func(in *apigateway.PutIntegrationInput) { in.IntegrationHttpMethod = nil }, "HttpMethod must be non-empty"},
		{"timeout low", func(in *apigateway.PutIntegrationInput) { in.TimeoutInMillis = aws.Int32(49) }, "between 50 ms and 29000 ms"},
		{"timeout high", func(in *apigateway.PutIntegrationInput) { in.TimeoutInMillis = aws.Int32(29001) }, "between 50 ms and 29000 ms"},
		{"no link", func(in *apigateway.PutIntegrationInput) { in.ConnectionId = nil }, "Invalid connection ID"},
		{"unknown link", func(in *apigateway.PutIntegrationInput) { in.ConnectionId = aws.String("zzzzzz") }, "Invalid VPC link identifier"},
		{"bad stage variable", func(in *apigateway.PutIntegrationInput) { in.ConnectionId = aws.String("${stageVariables.a b}") }, "stageVariables"},
		{"id on internet", func(in *apigateway.PutIntegrationInput) { in.ConnectionType = types.ConnectionTypeInternet }, "only allowed with connectionType VPC_LINK"},
		{"undeclared parameter", func(in *apigateway.PutIntegrationInput) {
			in.RequestParameters = map[string]string{"integration.request.path.id": "method.request.path.id"}
		}, "Invalid mapping expression parameter specified: method.request.path.id"},
		{"bad target", func(in *apigateway.PutIntegrationInput) {
			in.RequestParameters = map[string]string{"method.request.path.proxy": "method.request.path.proxy"}
		}, "Invalid mapping expression specified: method.request.path.proxy"},
		{"passthrough", func(in *apigateway.PutIntegrationInput) { in.PassthroughBehavior = aws.String("ALWAYS") }, "passthrough"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.edit(in)
			unchanged(t, e, "BadRequestException", tc.msg, func() error { _, err := c.PutIntegration(ctxT(t), in); return err })
		})
	}
	// A link named by a stage variable is resolved per stage, by the gateway.
	viaVar := good()
	viaVar.ConnectionId = aws.String("${stageVariables.vpcLinkId}")
	viaVar.TimeoutInMillis = aws.Int32(50)
	must[*apigateway.PutIntegrationOutput](t)(c.PutIntegration(ctxT(t), viaVar))

	upd := func(ops ...string) (*apigateway.UpdateIntegrationOutput, error) {
		return c.UpdateIntegration(ctxT(t), &apigateway.UpdateIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v, PatchOperations: patch(ops...)})
	}
	u := must[*apigateway.UpdateIntegrationOutput](t)(upd("replace", "/timeoutInMillis", "1000", "replace", "/connectionId", link,
		"add", "/requestParameters/integration.request.querystring.q", "'1'"))
	if u.TimeoutInMillis != 1000 || aws.ToString(u.ConnectionId) != link || len(u.RequestParameters) != 3 {
		t.Fatalf("UpdateIntegration answered %+v", u)
	}
	for _, ops := range [][]string{
		{"replace", "/timeoutInMillis", "30000"},
		{"replace", "/type", "AWS"},
		{"replace", "/connectionId", "zzzzzz"},
		{"add", "/requestParameters/integration.request.path.x", "method.request.path.nope"},
		{"replace", "/uri", "ftp://x"},
	} {
		unchanged(t, e, "BadRequestException", "", func() error { _, err := upd(ops...); return err })
	}
	got := must[*apigateway.GetIntegrationOutput](t)(c.GetIntegration(ctxT(t), &apigateway.GetIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v}))
	if got.TimeoutInMillis != 1000 {
		t.Fatalf("GetIntegration answered %+v", got)
	}
	must[*apigateway.DeleteIntegrationOutput](t)(c.DeleteIntegration(ctxT(t), &apigateway.DeleteIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v}))
	unchanged(t, e, "NotFoundException", "No integration defined for method", func() error {
		_, err := c.GetIntegration(ctxT(t), &apigateway.GetIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v})
		return err
	})
}

func TestIntegrationResponses(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "responses")
	a, r, v := aws.String(api), aws.String(root), aws.String("GET")
	must[*apigateway.PutMethodOutput](t)(c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: a, ResourceId: r, HttpMethod: v, AuthorizationType: aws.String("NONE")}))
	must[*apigateway.PutIntegrationOutput](t)(c.PutIntegration(ctxT(t), &apigateway.PutIntegrationInput{RestApiId: a, ResourceId: r, HttpMethod: v,
		Type: types.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("https://backend.example/"), PassthroughBehavior: aws.String("WHEN_NO_TEMPLATES")}))
	putIR := func(status, pattern string, params map[string]string) (*apigateway.PutIntegrationResponseOutput, error) {
		return c.PutIntegrationResponse(ctxT(t), &apigateway.PutIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v,
			StatusCode: aws.String(status), SelectionPattern: aws.String(pattern), ResponseParameters: params})
	}
	unchanged(t, e, "NotFoundException", "Invalid Response status code specified", func() error {
		_, err := putIR("200", "", nil) // no method response 200 yet
		return err
	})
	for _, status := range []string{"200", "502"} {
		must[*apigateway.PutMethodResponseOutput](t)(c.PutMethodResponse(ctxT(t), &apigateway.PutMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v,
			StatusCode: aws.String(status), ResponseParameters: map[string]bool{"method.response.header.X-Backend": false}}))
	}
	must[*apigateway.PutIntegrationResponseOutput](t)(putIR("200", "", map[string]string{"method.response.header.X-Backend": "integration.response.header.Server"}))
	must[*apigateway.PutIntegrationResponseOutput](t)(putIR("502", "5\\d{2}", map[string]string{"method.response.header.X-Backend": "'down'"}))
	for _, tc := range []struct {
		status, pattern string
		params          map[string]string
		msg             string
	}{
		{"502", "5(\\d", nil, "Invalid selection pattern"},
		{"200", "", map[string]string{"method.response.header.X-Undeclared": "'x'"}, "method.response.header.X-Undeclared"},
		{"200", "", map[string]string{"method.response.header.X-Backend": "integration.response.cookie.x"}, "integration.response.cookie.x"},
	} {
		unchanged(t, e, "BadRequestException", tc.msg, func() error { _, err := putIR(tc.status, tc.pattern, tc.params); return err })
	}
	must[*apigateway.UpdateIntegrationResponseOutput](t)(c.UpdateIntegrationResponse(ctxT(t), &apigateway.UpdateIntegrationResponseInput{RestApiId: a, ResourceId: r,
		HttpMethod: v, StatusCode: aws.String("502"), PatchOperations: patch("replace", "/selectionPattern", "50[234]",
			"add", "/responseTemplates/application~1json", `{"error":"backend"}`)}))
	unchanged(t, e, "BadRequestException", "Invalid selection pattern", func() error {
		_, err := c.UpdateIntegrationResponse(ctxT(t), &apigateway.UpdateIntegrationResponseInput{RestApiId: a, ResourceId: r,
			HttpMethod: v, StatusCode: aws.String("502"), PatchOperations: patch("replace", "/selectionPattern", "[")})
		return err
	})
	ir := must[*apigateway.GetIntegrationResponseOutput](t)(c.GetIntegrationResponse(ctxT(t), &apigateway.GetIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("502")}))
	if aws.ToString(ir.SelectionPattern) != "50[234]" || ir.ResponseTemplates["application/json"] != `{"error":"backend"}` {
		t.Fatalf("GetIntegrationResponse answered %+v", ir)
	}

	// The deployment freezes the integration and its responses for the gateway.
	must[*apigateway.CreateDeploymentOutput](t)(c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: a, StageName: aws.String("prod")}))
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api) != nil && s.API(api).Stages["prod"] != nil })
	integ := snap.API(api).Stages["prod"].Config.Resource(root).ResourceMethods["GET"].MethodIntegration
	if integ.Type != restapi.IntegrationHTTP || integ.IntegrationResponses["502"].SelectionPattern != "50[234]" ||
		integ.IntegrationResponses["200"].ResponseParameters["method.response.header.X-Backend"] != "integration.response.header.Server" {
		t.Fatalf("the stage serves %+v", integ)
	}
	must[*apigateway.DeleteIntegrationResponseOutput](t)(c.DeleteIntegrationResponse(ctxT(t), &apigateway.DeleteIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("502")}))
	unchanged(t, e, "NotFoundException", "Invalid Response status code specified", func() error {
		_, err := c.GetIntegrationResponse(ctxT(t), &apigateway.GetIntegrationResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("502")})
		return err
	})
}
