package apigw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

func TestRoutes(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("r"), ProtocolType: types.ProtocolTypeHttp}))
	integ := must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(ctx, &agw.CreateIntegrationInput{
		ApiId: api.ApiId, IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String("http://example.com"), PayloadFormatVersion: aws.String("1.0"),
	}))
	target := "integrations/" + aws.ToString(integ.IntegrationId)
	r := must[*agw.CreateRouteOutput](t)(c.CreateRoute(ctx, &agw.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /pets/{id}"), Target: &target}))
	if len(aws.ToString(r.RouteId)) != 7 || r.AuthorizationType != types.AuthorizationTypeNone || aws.ToString(r.Target) != target {
		t.Fatalf("route %+v", r)
	}
	for _, tc := range []struct {
		key, target, code, want string
	}{
		{"GET pets", "", "BadRequestException", "Invalid route key 'GET pets'"},
		{"get /pets", "", "BadRequestException", "method"},
		{"GET /pets/", "", "BadRequestException", "must not end with '/'"},
		{"GET /{proxy+}/x", "", "BadRequestException", "greedy"},
		{"GET /pets/{petId}", "", "ConflictException", "already exists"},
		{"GET /dogs", "integrations/nope", "BadRequestException", "nope"},
		{"GET /cats", "lambda", "BadRequestException", "integrations/{integrationId}"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			in := &agw.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(tc.key)}
			if tc.target != "" {
				in.Target = aws.String(tc.target)
			}
			_, err := c.CreateRoute(ctx, in)
			wantCode(t, err, tc.code, tc.want)
		})
	}
	up := must[*agw.UpdateRouteOutput](t)(c.UpdateRoute(ctx, &agw.UpdateRouteInput{ApiId: api.ApiId, RouteId: r.RouteId, RouteKey: aws.String("ANY /pets/{id}")}))
	if aws.ToString(up.RouteKey) != "ANY /pets/{id}" || aws.ToString(up.Target) != target {
		t.Fatalf("updated %+v", up)
	}
	// An integration in use cannot go.
	_, err := c.DeleteIntegration(ctx, &agw.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: integ.IntegrationId})
	wantCode(t, err, "ConflictException", "in use")
	if _, err := c.DeleteRoute(ctx, &agw.DeleteRouteInput{ApiId: api.ApiId, RouteId: r.RouteId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRoute(ctx, &agw.GetRouteInput{ApiId: api.ApiId, RouteId: r.RouteId})
	wantCode(t, err, "NotFoundException", "Route")
	if _, err := c.DeleteIntegration(ctx, &agw.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: integ.IntegrationId}); err != nil {
		t.Fatal(err)
	}
}
