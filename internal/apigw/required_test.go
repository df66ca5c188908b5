package apigw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestRequiredMembers is generated from the SDK's own validators: for
// every operation, each required member left out (the others given, the
// ids in the path naming real resources) is refused with
// BadRequestException and changes nothing; so is each enum member given
// a value outside its set and each length or range broken.
func TestRequiredMembers(t *testing.T) {
	e := apigwtest.Start(t)
	c := e.APIClient()
	ctx := context.Background()
	api, err := c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("a"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, &agw.CreateDomainNameInput{DomainName: aws.String("api.required.localhost")}); err != nil {
		t.Fatal(err)
	}
	given := map[string]string{"ApiId": aws.ToString(api.ApiId), "DomainName": "api.required.localhost"}
	if n := awstest.CheckRequiredGiven(t, c, e.Store.Revision, given, "BadRequestException"); n < 10 {
		t.Fatalf("only %d cases: the SDK's validators were not read", n)
	}
	// The same operations, each top-level enum member given a value
	// outside its set and each length or range broken, from botocore's
	// model (which the Go SDK lacks).
	t.Run("EnumAndRange", func(t *testing.T) {
		model := awstest.LoadModel(t, "apigatewayv2")
		// Valid fillers: what Portolan serves (HTTP APIs, HTTP_PROXY
		// integrations, JWT authorizers) and a well-formed route key.
		valid := awstest.Given{
			"ApiId": given["ApiId"], "DomainName": given["DomainName"],
			"CreateApi.ProtocolType":            "HTTP",
			"CreateRoute.RouteKey":              "GET /pets",
			"CreateIntegration.IntegrationType": "HTTP_PROXY", "CreateIntegration.IntegrationUri": "https://example.com",
			"CreateIntegration.PayloadFormatVersion": "1.0",
			"CreateAuthorizer.AuthorizerType":        "JWT",
			"CreateAuthorizer.IdentitySource":        []string{"$request.header.Authorization"},
			"CreateAuthorizer.JwtConfiguration":      &types.JWTConfiguration{Audience: []string{"a"}, Issuer: aws.String("https://issuer.example.com")},
		}
		n := awstest.CheckConstraints(t, c, model, e.Store.Revision, valid, "BadRequestException")
		t.Logf("%d cases", n)
		if n < 25 {
			t.Fatalf("only %d cases: the model's constraints were not read", n)
		}
	})
}
