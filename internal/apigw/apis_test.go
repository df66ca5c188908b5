package apigw_test

import (
	"context"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

func TestApiLifecycle(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()

	created := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{
		Name: aws.String("pets"), ProtocolType: types.ProtocolTypeHttp, Description: aws.String("d"),
		Tags: map[string]string{"team": "a"},
	}))
	id := aws.ToString(created.ApiId)
	if !idRE.MatchString(id) {
		t.Fatalf("apiId %q is not 10 lowercase alphanumerics", id)
	}
	if want := env.URL(id, ""); aws.ToString(created.ApiEndpoint) != want {
		t.Fatalf("apiEndpoint %q, want %q", aws.ToString(created.ApiEndpoint), want)
	}
	if aws.ToString(created.RouteSelectionExpression) != "$request.method $request.path" || created.CreatedDate == nil ||
		created.ProtocolType != types.ProtocolTypeHttp || created.Tags["team"] != "a" {
		t.Fatalf("created %+v", created)
	}

	got := must[*agw.GetApiOutput](t)(c.GetApi(ctx, &agw.GetApiInput{ApiId: &id}))
	if aws.ToString(got.Name) != "pets" || !got.CreatedDate.Equal(*created.CreatedDate) {
		t.Fatalf("got %+v", got)
	}
	upd := must[*agw.UpdateApiOutput](t)(c.UpdateApi(ctx, &agw.UpdateApiInput{ApiId: &id, Name: aws.String("pets2")}))
	if aws.ToString(upd.Name) != "pets2" || aws.ToString(upd.Description) != "d" {
		t.Fatalf("updated %+v", upd)
	}

	// Pagination over five APIs, two at a time.
	for range 4 {
		must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("x"), ProtocolType: types.ProtocolTypeHttp}))
	}
	var ids []string
	var token *string
	pages := 0
	for {
		p := must[*agw.GetApisOutput](t)(c.GetApis(ctx, &agw.GetApisInput{MaxResults: aws.String("2"), NextToken: token}))
		pages++
		for _, a := range p.Items {
			ids = append(ids, aws.ToString(a.ApiId))
		}
		if token = p.NextToken; token == nil {
			break
		}
	}
	if len(ids) != 5 || pages != 3 || !sort.StringsAreSorted(ids) {
		t.Fatalf("paged %v in %d pages", ids, pages)
	}
	_, err := c.GetApis(ctx, &agw.GetApisInput{MaxResults: aws.String("0")})
	wantCode(t, err, "BadRequestException", "maxResults")

	if _, err := c.DeleteApi(ctx, &agw.DeleteApiInput{ApiId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetApi(ctx, &agw.GetApiInput{ApiId: &id})
	wantCode(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:"+id)
}

func TestCreateApiValidation(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	for _, tc := range []struct {
		name string
		in   agw.CreateApiInput
		want string
	}{
		{"no name", agw.CreateApiInput{Name: aws.String(""), ProtocolType: types.ProtocolTypeHttp}, "Name"},
		{"websocket", agw.CreateApiInput{Name: aws.String("w"), ProtocolType: types.ProtocolTypeWebsocket}, "WebSocket"},
		{"cors credentials with *", agw.CreateApiInput{Name: aws.String("c"), ProtocolType: types.ProtocolTypeHttp,
			CorsConfiguration: &types.Cors{AllowCredentials: aws.Bool(true), AllowOrigins: []string{"*"}}}, "allow-credentials"},
		{"quick create lambda", agw.CreateApiInput{Name: aws.String("q"), ProtocolType: types.ProtocolTypeHttp,
			Target: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f")}, "Lambda"},
		{"bad route key", agw.CreateApiInput{Name: aws.String("q"), ProtocolType: types.ProtocolTypeHttp,
			Target: aws.String("http://example.com"), RouteKey: aws.String("GET pets")}, "Invalid route key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateApi(context.Background(), &tc.in)
			wantCode(t, err, "BadRequestException", tc.want)
		})
	}
}

func TestQuickCreate(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("q"), ProtocolType: types.ProtocolTypeHttp,
		Target: aws.String("http://example.com/base"), RouteKey: aws.String("GET /hello")}))
	routes := must[*agw.GetRoutesOutput](t)(c.GetRoutes(ctx, &agw.GetRoutesInput{ApiId: api.ApiId}))
	integs := must[*agw.GetIntegrationsOutput](t)(c.GetIntegrations(ctx, &agw.GetIntegrationsInput{ApiId: api.ApiId}))
	stages := must[*agw.GetStagesOutput](t)(c.GetStages(ctx, &agw.GetStagesInput{ApiId: api.ApiId}))
	if len(routes.Items) != 1 || aws.ToString(routes.Items[0].RouteKey) != "GET /hello" ||
		aws.ToString(routes.Items[0].Target) != "integrations/"+aws.ToString(integs.Items[0].IntegrationId) {
		t.Fatalf("routes %+v", routes.Items)
	}
	if len(stages.Items) != 1 || aws.ToString(stages.Items[0].StageName) != "$default" || !aws.ToBool(stages.Items[0].AutoDeploy) ||
		aws.ToString(stages.Items[0].DeploymentId) == "" {
		t.Fatalf("stages %+v", stages.Items)
	}
}
