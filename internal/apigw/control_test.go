package apigw_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// wantCode asserts that err is the AWS error code (and, if given, that its
// message contains want).
func wantCode(t *testing.T, err error, code, want string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if api.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, api.ErrorCode(), api.ErrorMessage())
	}
	if !strings.Contains(api.ErrorMessage(), want) {
		t.Fatalf("%s message %q does not contain %q", code, api.ErrorMessage(), want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var idRE = regexp.MustCompile(`^[a-z0-9]{10}$`)

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

func TestIntegrationValidation(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("i"), ProtocolType: types.ProtocolTypeHttp}))
	link := must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}}))
	const cloudMapARN = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-abc123"
	ok := func(mod func(*agw.CreateIntegrationInput)) *agw.CreateIntegrationInput {
		in := &agw.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
			IntegrationUri: aws.String("https://example.com/{proxy}"), IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")}
		mod(in)
		return in
	}
	vpc := func(uri string) func(*agw.CreateIntegrationInput) {
		return func(in *agw.CreateIntegrationInput) {
			in.ConnectionType, in.ConnectionId, in.IntegrationUri = types.ConnectionTypeVpcLink, link.VpcLinkId, aws.String(uri)
		}
	}
	for _, tc := range []struct {
		name string
		in   *agw.CreateIntegrationInput
		code string
		want string
	}{
		{"lambda proxy", ok(func(in *agw.CreateIntegrationInput) { in.IntegrationType = types.IntegrationTypeAwsProxy }), "BadRequestException", "AWS_PROXY is not supported"},
		{"payload 2.0", ok(func(in *agw.CreateIntegrationInput) { in.PayloadFormatVersion = aws.String("2.0") }), "BadRequestException", "use 1.0"},
		{"not a URL", ok(func(in *agw.CreateIntegrationInput) { in.IntegrationUri = aws.String("example.com") }), "BadRequestException", "Invalid HTTP endpoint"},
		{"ftp", ok(func(in *agw.CreateIntegrationInput) { in.IntegrationUri = aws.String("ftp://example.com") }), "BadRequestException", "Invalid HTTP endpoint"},
		{"vpc link URL", ok(vpc("http://svc.local")), "BadRequestException", "For VpcLink VPC_LINK, integration uri should be a valid ELB listener ARN or a valid Cloud Map service ARN."},
		{"vpc link missing", ok(func(in *agw.CreateIntegrationInput) {
			vpc(cloudMapARN)(in)
			in.ConnectionId = aws.String("nolink")
		}), "NotFoundException", "VpcLink"},
		{"connection type", ok(func(in *agw.CreateIntegrationInput) { in.ConnectionType = "DIRECT" }), "BadRequestException", "connection type"},
		{"timeout low", ok(func(in *agw.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(49) }), "BadRequestException", "between 50 ms and 30000 ms"},
		{"timeout high", ok(func(in *agw.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(30001) }), "BadRequestException", "between 50 ms and 30000 ms"},
		{"mapping key", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"append:body.x": "y"}
		}), "BadRequestException", "location"},
		{"mapping reserved header", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"overwrite:header.X-Forwarded-For": "1.2.3.4"}
		}), "BadRequestException", "reserved"},
		{"mapping append path", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"append:path": "/x"}
		}), "BadRequestException", "only be overwritten"},
		{"mapping body", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"append:header.x": "$request.body.name"}
		}), "BadRequestException", "unsupported variable"},
		{"mapping unknown braces", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{"append:header.x": "${foo.bar}"}
		}), "BadRequestException", "unknown variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateIntegration(ctx, tc.in)
			wantCode(t, err, tc.code, tc.want)
		})
	}

	// Defaults, and what is accepted.
	for _, tc := range []struct {
		name string
		in   *agw.CreateIntegrationInput
	}{
		{"public", ok(func(*agw.CreateIntegrationInput) {})},
		{"cloud map", ok(vpc(cloudMapARN))},
		{"cloud map with filters", ok(vpc(cloudMapARN + "?stage=prod&deployment=green"))},
		{"elb listener", ok(vpc("arn:aws:elasticloadbalancing:us-east-2:123456789012:listener/app/my-load-balancer/50dc6c495c0c9188/0467ef3c8400ae65"))},
		{"stage variable host", ok(func(in *agw.CreateIntegrationInput) {
			in.IntegrationUri = aws.String("http://${stageVariables.host}/x")
		})},
		{"mappings", ok(func(in *agw.CreateIntegrationInput) {
			in.RequestParameters = map[string]string{
				"append:header.header1":    "$context.requestId",
				"overwrite:path":           "/v2/${request.path.id}",
				"remove:querystring.debug": "''",
				"overwrite:header.Host":    "static.example",
			}
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.IntegrationMethod, tc.in.PayloadFormatVersion = nil, nil
			out, err := c.CreateIntegration(ctx, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt32(out.TimeoutInMillis) != 30000 || aws.ToString(out.PayloadFormatVersion) != "1.0" ||
				aws.ToString(out.IntegrationMethod) != "ANY" || len(aws.ToString(out.IntegrationId)) != 7 {
				t.Fatalf("defaults: %+v", out)
			}
			want := types.ConnectionTypeInternet
			if tc.in.ConnectionType != "" {
				want = tc.in.ConnectionType
			}
			if out.ConnectionType != want {
				t.Fatalf("connectionType %s, want %s", out.ConnectionType, want)
			}
		})
	}

	// UpdateIntegration merges requestParameters; "" removes a key.
	in := ok(func(in *agw.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{"append:header.a": "1", "append:header.b": "2"}
	})
	created := must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(ctx, in))
	upd := must[*agw.UpdateIntegrationOutput](t)(c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: created.IntegrationId,
		RequestParameters: map[string]string{"append:header.a": "", "append:header.c": "3"}, TimeoutInMillis: aws.Int32(50)}))
	if len(upd.RequestParameters) != 2 || upd.RequestParameters["append:header.b"] != "2" || upd.RequestParameters["append:header.c"] != "3" ||
		aws.ToInt32(upd.TimeoutInMillis) != 50 {
		t.Fatalf("updated %+v", upd)
	}
}

func TestStagesAndDeployments(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("s"), ProtocolType: types.ProtocolTypeHttp}))

	auto := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	if aws.ToString(auto.DeploymentId) == "" || !aws.ToBool(auto.AutoDeploy) {
		t.Fatalf("auto stage %+v", auto)
	}
	// Every change redeploys an auto-deploying stage.
	must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(ctx, &agw.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String("http://example.com"), PayloadFormatVersion: aws.String("1.0")}))
	after := must[*agw.GetStageOutput](t)(c.GetStage(ctx, &agw.GetStageInput{ApiId: api.ApiId, StageName: aws.String("$default")}))
	if aws.ToString(after.DeploymentId) == aws.ToString(auto.DeploymentId) {
		t.Fatal("autoDeploy stage kept its deployment after a change")
	}
	deps := must[*agw.GetDeploymentsOutput](t)(c.GetDeployments(ctx, &agw.GetDeploymentsInput{ApiId: api.ApiId}))
	if len(deps.Items) != 2 || !aws.ToBool(deps.Items[0].AutoDeployed) || deps.Items[0].DeploymentStatus != types.DeploymentStatusDeployed {
		t.Fatalf("deployments %+v", deps.Items)
	}

	for _, tc := range []struct {
		name string
		in   agw.CreateStageInput
		code string
		want string
	}{
		{"duplicate", agw.CreateStageInput{StageName: aws.String("$default")}, "ConflictException", "already exists"},
		{"bad name", agw.CreateStageInput{StageName: aws.String("a/b")}, "BadRequestException", "Stage name"},
		{"log ARN", agw.CreateStageInput{StageName: aws.String("l"), AccessLogSettings: &types.AccessLogSettings{
			DestinationArn: aws.String("arn:aws:s3:::bucket"), Format: aws.String("$context.requestId")}}, "BadRequestException", "log group ARN"},
		{"log format without id", agw.CreateStageInput{StageName: aws.String("l"), AccessLogSettings: &types.AccessLogSettings{
			DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), Format: aws.String("$context.status")}}, "BadRequestException", "$context.requestId"},
		{"stage variable name", agw.CreateStageInput{StageName: aws.String("v"), StageVariables: map[string]string{"a-b": "1"}}, "BadRequestException", "Stage variable"},
		{"missing deployment", agw.CreateStageInput{StageName: aws.String("d"), DeploymentId: aws.String("nodep")}, "NotFoundException", "Deployment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.ApiId = api.ApiId
			_, err := c.CreateStage(ctx, &tc.in)
			wantCode(t, err, tc.code, tc.want)
		})
	}

	prod := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"),
		StageVariables: map[string]string{"a": "1", "b": "2"}}))
	if aws.ToString(prod.DeploymentId) != "" {
		t.Fatalf("a stage without autoDeploy got deployment %s", aws.ToString(prod.DeploymentId))
	}
	_, err := c.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: api.ApiId, StageName: aws.String("$default")})
	wantCode(t, err, "BadRequestException", "autoDeploy")
	dep := must[*agw.CreateDeploymentOutput](t)(c.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: api.ApiId, StageName: aws.String("prod"), Description: aws.String("v1")}))
	st := must[*agw.UpdateStageOutput](t)(c.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"),
		StageVariables: map[string]string{"a": "", "c": "3"}}))
	if aws.ToString(st.DeploymentId) != aws.ToString(dep.DeploymentId) || len(st.StageVariables) != 2 || st.StageVariables["b"] != "2" || st.StageVariables["c"] != "3" {
		t.Fatalf("prod %+v", st)
	}
	_, err = c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: dep.DeploymentId})
	wantCode(t, err, "BadRequestException", "Active stages")
	// Superseded automatic deployments stay listed but cannot be pointed at.
	_, err = c.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"), DeploymentId: auto.DeploymentId})
	wantCode(t, err, "BadRequestException", "superseded")

	if _, err := c.DeleteAccessLogSettings(ctx, &agw.DeleteAccessLogSettingsInput{ApiId: api.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStage(ctx, &agw.DeleteStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: dep.DeploymentId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStage(ctx, &agw.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")})
	wantCode(t, err, "NotFoundException", "Stage")
}

func TestVpcLinksAuthorizersAndTags(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()

	link := must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}, Tags: map[string]string{"k": "v"}}))
	if link.VpcLinkStatus != types.VpcLinkStatusAvailable || link.VpcLinkVersion != types.VpcLinkVersionV2 {
		t.Fatalf("link %+v", link)
	}
	_, err := c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{}})
	wantCode(t, err, "BadRequestException", "SubnetIds")
	must[*agw.UpdateVpcLinkOutput](t)(c.UpdateVpcLink(ctx, &agw.UpdateVpcLinkInput{VpcLinkId: link.VpcLinkId, Name: aws.String("l2")}))
	links := must[*agw.GetVpcLinksOutput](t)(c.GetVpcLinks(ctx, &agw.GetVpcLinksInput{}))
	if len(links.Items) != 1 || aws.ToString(links.Items[0].Name) != "l2" {
		t.Fatalf("links %+v", links.Items)
	}

	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("a"), ProtocolType: types.ProtocolTypeHttp}))
	authz := must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("jwt"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"aud"}}}))
	_, err = c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("bad"), AuthorizerType: types.AuthorizerTypeJwt,
		IdentitySource: []string{"$request.header.Authorization"}})
	wantCode(t, err, "BadRequestException", "jwtConfiguration")
	route := must[*agw.CreateRouteOutput](t)(c.CreateRoute(ctx, &agw.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /me"),
		AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: authz.AuthorizerId, AuthorizationScopes: []string{"read"}}))
	if aws.ToString(route.AuthorizerId) != aws.ToString(authz.AuthorizerId) {
		t.Fatalf("route %+v", route)
	}
	_, err = c.DeleteAuthorizer(ctx, &agw.DeleteAuthorizerInput{ApiId: api.ApiId, AuthorizerId: authz.AuthorizerId})
	wantCode(t, err, "ConflictException", "in use")

	// Tags on an API, a stage and a VPC link, by ARN.
	must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}))
	for _, arn := range []string{
		"arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId),
		"arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId) + "/stages/prod",
		"arn:aws:apigateway:us-east-1::/vpclinks/" + aws.ToString(link.VpcLinkId),
	} {
		t.Run(arn, func(t *testing.T) {
			must[*agw.TagResourceOutput](t)(c.TagResource(ctx, &agw.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}}))
			must[*agw.UntagResourceOutput](t)(c.UntagResource(ctx, &agw.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a"}}))
			got := must[*agw.GetTagsOutput](t)(c.GetTags(ctx, &agw.GetTagsInput{ResourceArn: &arn}))
			if got.Tags["b"] != "2" || got.Tags["a"] != "" {
				t.Fatalf("tags %v", got.Tags)
			}
		})
	}
	stage := must[*agw.GetStageOutput](t)(c.GetStage(ctx, &agw.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}))
	if stage.Tags["b"] != "2" {
		t.Fatalf("stage tags %v", stage.Tags)
	}
	_, err = c.GetTags(ctx, &agw.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/nope")})
	wantCode(t, err, "NotFoundException", "nope")

	if _, err := c.DeleteVpcLink(ctx, &agw.DeleteVpcLinkInput{VpcLinkId: link.VpcLinkId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVpcLink(ctx, &agw.GetVpcLinkInput{VpcLinkId: link.VpcLinkId})
	wantCode(t, err, "NotFoundException", "VpcLink")
}

// TestWire checks what the SDK does not show: status codes, the error
// encoding and member names on the wire.
func TestWire(t *testing.T) {
	env := apigwtest.Start(t)
	call := func(method, path, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, env.Endpoint+path, strings.NewReader(body))
		resp, err := env.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %q: %v", method, path, b, err)
			}
		}
		return resp, m
	}
	resp, api := call("POST", "/v2/apis", `{"name":"w","protocolType":"HTTP"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("CreateApi status %d", resp.StatusCode)
	}
	for _, k := range []string{"apiId", "apiEndpoint", "name", "protocolType", "routeSelectionExpression", "apiKeySelectionExpression", "createdDate", "disableExecuteApiEndpoint"} {
		if _, ok := api[k]; !ok {
			t.Errorf("CreateApi response lacks %q: %v", k, api)
		}
	}
	if d, _ := api["createdDate"].(string); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(d) {
		t.Errorf("createdDate %q is not ISO 8601", d)
	}
	id := api["apiId"].(string)
	resp, body := call("GET", "/v2/apis/nope", "")
	if resp.StatusCode != 404 || resp.Header.Get("x-amzn-ErrorType") != "NotFoundException" || body["message"] == nil {
		t.Fatalf("GetApi(nope): %d %v %v", resp.StatusCode, resp.Header, body)
	}
	resp, body = call("POST", "/v2/apis/"+id+"/routes", `{"routeKey":"GET //x"}`)
	if resp.StatusCode != 400 || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
		t.Fatalf("CreateRoute: %d %v", resp.StatusCode, body)
	}
	resp, body = call("POST", "/v2/apis/"+id+"/routes", `{"routeKey":`)
	if resp.StatusCode != 400 || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
		t.Fatalf("malformed body: %d %v", resp.StatusCode, body)
	}
	resp, list := call("GET", "/v2/apis?maxResults=1", "")
	if resp.StatusCode != 200 || list["items"] == nil {
		t.Fatalf("GetApis: %d %v", resp.StatusCode, list)
	}
	resp, _ = call("DELETE", "/v2/apis/"+id, "")
	if resp.StatusCode != 204 {
		t.Fatalf("DeleteApi status %d", resp.StatusCode)
	}
}
