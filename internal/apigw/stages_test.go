package apigw_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

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

// TestDeleteRouteSettings: removing one route key's settings keeps the
// others and the defaults; a key without settings, or a missing stage, is
// NotFoundException.
func TestDeleteRouteSettings(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("rs"), ProtocolType: types.ProtocolTypeHttp}))
	settings := func(burst int32, rate float64) types.RouteSettings {
		return types.RouteSettings{ThrottlingBurstLimit: aws.Int32(burst), ThrottlingRateLimit: aws.Float64(rate)}
	}
	must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(100), ThrottlingRateLimit: aws.Float64(50)},
		RouteSettings: map[string]types.RouteSettings{
			"GET /pets/{id}": settings(1, 1),
			"ANY /{proxy+}":  settings(2, 2),
			"$default":       settings(3, 3),
		}}))
	stage := func() *agw.GetStageOutput {
		t.Helper()
		return must[*agw.GetStageOutput](t)(c.GetStage(ctx, &agw.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}))
	}
	keys := func(st *agw.GetStageOutput) []string {
		var out []string
		for k := range st.RouteSettings {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got := keys(stage()); !slices.Equal(got, []string{"$default", "ANY /{proxy+}", "GET /pets/{id}"}) {
		t.Fatalf("routeSettings %v", got)
	}

	// Route keys travel in the path, escaped: spaces, '/', braces, '+', '$'.
	for i, tc := range []struct {
		key  string
		left []string
	}{
		{"GET /pets/{id}", []string{"$default", "ANY /{proxy+}"}},
		{"ANY /{proxy+}", []string{"$default"}},
		{"$default", nil},
	} {
		if _, err := c.DeleteRouteSettings(ctx, &agw.DeleteRouteSettingsInput{ApiId: api.ApiId, StageName: aws.String("prod"), RouteKey: aws.String(tc.key)}); err != nil {
			t.Fatalf("DeleteRouteSettings(%q): %v", tc.key, err)
		}
		st := stage()
		if got := keys(st); !slices.Equal(got, tc.left) {
			t.Fatalf("after deleting %q: routeSettings %v, want %v", tc.key, got, tc.left)
		}
		// What is left is untouched, and so are the defaults.
		for _, k := range tc.left {
			want := map[string]int32{"$default": 3, "ANY /{proxy+}": 2}[k]
			if rs := st.RouteSettings[k]; aws.ToInt32(rs.ThrottlingBurstLimit) != want || aws.ToFloat64(rs.ThrottlingRateLimit) != float64(want) {
				t.Fatalf("step %d: %q settings changed: %+v", i, k, rs)
			}
		}
		if d := st.DefaultRouteSettings; d == nil || aws.ToInt32(d.ThrottlingBurstLimit) != 100 || aws.ToFloat64(d.ThrottlingRateLimit) != 50 {
			t.Fatalf("defaultRouteSettings changed: %+v", d)
		}
		// Deleting the same key again: NotFoundException.
		_, err := c.DeleteRouteSettings(ctx, &agw.DeleteRouteSettingsInput{ApiId: api.ApiId, StageName: aws.String("prod"), RouteKey: aws.String(tc.key)})
		wantCode(t, err, "NotFoundException", tc.key)
	}

	_, err := c.DeleteRouteSettings(ctx, &agw.DeleteRouteSettingsInput{ApiId: api.ApiId, StageName: aws.String("nostage"), RouteKey: aws.String("GET /x")})
	wantCode(t, err, "NotFoundException", "Invalid Stage identifier specified 000000000000:nostage")
	_, err = c.DeleteRouteSettings(ctx, &agw.DeleteRouteSettingsInput{ApiId: aws.String("noapi00000"), StageName: aws.String("prod"), RouteKey: aws.String("GET /x")})
	wantCode(t, err, "NotFoundException", "noapi00000")
}
