package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func TestMethods(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "methods")
	proxy := newResource(t, c, api, root, "{proxy+}")
	put := func(verb, auth string, params map[string]bool) (*apigateway.PutMethodOutput, error) {
		return c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(proxy),
			HttpMethod: aws.String(verb), AuthorizationType: aws.String(auth), RequestParameters: params, ApiKeyRequired: true})
	}
	out := must[*apigateway.PutMethodOutput](t)(put("ANY", "NONE", map[string]bool{"method.request.path.proxy": true}))
	if aws.ToString(out.HttpMethod) != "ANY" || !aws.ToBool(out.ApiKeyRequired) || !out.RequestParameters["method.request.path.proxy"] {
		t.Fatalf("PutMethod answered %+v", out)
	}
	must[*apigateway.PutMethodOutput](t)(put("GET", "AWS_IAM", nil))
	for _, tc := range []struct {
		verb, auth string
		params     map[string]bool
		code, msg  string
	}{
		{"ANY", "NONE", nil, "ConflictException", "Method already exists"},
		{"FETCH", "NONE", nil, "BadRequestException", "Invalid HttpMethod specified"},
		{"POST", "CUSTOM", nil, "BadRequestException", "no Lambda"},
		{"POST", "COGNITO_USER_POOLS", nil, "BadRequestException", "authorizer"},
		{"POST", "OAUTH", nil, "BadRequestException", "Invalid authorization type"},
		{"POST", "NONE", map[string]bool{"method.request.body.x": true}, "BadRequestException", "Invalid method request parameter name"},
		{"POST", "NONE", map[string]bool{"integration.request.path.x": true}, "BadRequestException", "Invalid method request parameter name"},
	} {
		t.Run(tc.verb+" "+tc.auth, func(t *testing.T) {
			unchanged(t, e, tc.code, tc.msg, func() error { _, err := put(tc.verb, tc.auth, tc.params); return err })
		})
	}

	ref := func(verb string) (*string, *string, *string) {
		return aws.String(api), aws.String(proxy), aws.String(verb)
	}
	a, r, v := ref("ANY")
	upd := must[*apigateway.UpdateMethodOutput](t)(c.UpdateMethod(ctxT(t), &apigateway.UpdateMethodInput{RestApiId: a, ResourceId: r, HttpMethod: v,
		PatchOperations: patch("replace", "/apiKeyRequired", "false", "add", "/requestParameters/method.request.header.x-id", "false",
			"replace", "/operationName", "proxyAll")}))
	if aws.ToBool(upd.ApiKeyRequired) || len(upd.RequestParameters) != 2 || aws.ToString(upd.OperationName) != "proxyAll" {
		t.Fatalf("UpdateMethod answered %+v", upd)
	}
	for _, ops := range [][]string{
		{"replace", "/authorizationType", "CUSTOM"},
		{"add", "/requestParameters/bogus", "true"},
		{"replace", "/httpMethod", "GET"},
	} {
		unchanged(t, e, "BadRequestException", "", func() error {
			_, err := c.UpdateMethod(ctxT(t), &apigateway.UpdateMethodInput{RestApiId: a, ResourceId: r, HttpMethod: v, PatchOperations: patch(ops...)})
			return err
		})
	}

	// Method responses.
	mr := must[*apigateway.PutMethodResponseOutput](t)(c.PutMethodResponse(ctxT(t), &apigateway.PutMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v,
		StatusCode: aws.String("200"), ResponseParameters: map[string]bool{"method.response.header.X-Trace": false}}))
	if aws.ToString(mr.StatusCode) != "200" {
		t.Fatalf("PutMethodResponse answered %+v", mr)
	}
	must[*apigateway.UpdateMethodResponseOutput](t)(c.UpdateMethodResponse(ctxT(t), &apigateway.UpdateMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v,
		StatusCode: aws.String("200"), PatchOperations: patch("add", "/responseParameters/method.response.header.X-More", "true")}))
	got := must[*apigateway.GetMethodResponseOutput](t)(c.GetMethodResponse(ctxT(t), &apigateway.GetMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("200")}))
	if !got.ResponseParameters["method.response.header.X-More"] || len(got.ResponseParameters) != 2 {
		t.Fatalf("GetMethodResponse answered %+v", got)
	}
	for _, tc := range []struct{ status, param, code, msg string }{
		{"600", "method.response.header.X", "BadRequestException", "Invalid status code"},
		{"20", "method.response.header.X", "BadRequestException", "Invalid status code"},
		{"201", "method.response.body", "BadRequestException", "Invalid method response parameter name"},
	} {
		unchanged(t, e, tc.code, tc.msg, func() error {
			_, err := c.PutMethodResponse(ctxT(t), &apigateway.PutMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v,
				StatusCode: aws.String(tc.status), ResponseParameters: map[string]bool{tc.param: true}})
			return err
		})
	}
	unchanged(t, e, "NotFoundException", "Invalid Response status code specified", func() error {
		_, err := c.GetMethodResponse(ctxT(t), &apigateway.GetMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("404")})
		return err
	})
	must[*apigateway.DeleteMethodResponseOutput](t)(c.DeleteMethodResponse(ctxT(t), &apigateway.DeleteMethodResponseInput{RestApiId: a, ResourceId: r, HttpMethod: v, StatusCode: aws.String("200")}))

	must[*apigateway.DeleteMethodOutput](t)(c.DeleteMethod(ctxT(t), &apigateway.DeleteMethodInput{RestApiId: a, ResourceId: r, HttpMethod: v}))
	unchanged(t, e, "NotFoundException", "Invalid Method identifier specified", func() error {
		_, err := c.GetMethod(ctxT(t), &apigateway.GetMethodInput{RestApiId: a, ResourceId: r, HttpMethod: v})
		return err
	})
	g := must[*apigateway.GetMethodOutput](t)(c.GetMethod(ctxT(t), &apigateway.GetMethodInput{RestApiId: a, ResourceId: r, HttpMethod: aws.String("GET")}))
	if aws.ToString(g.AuthorizationType) != "AWS_IAM" {
		t.Fatalf("GET's authorization %q", aws.ToString(g.AuthorizationType))
	}
}
