package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func TestDeploymentFreezesConfig(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "frozen")
	unchanged(t, e, "BadRequestException", "The REST API doesn't contain any methods", func() error {
		_, err := c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
		return err
	})
	must[*apigateway.PutMethodOutput](t)(c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}))
	unchanged(t, e, "BadRequestException", "No integration defined for method", func() error {
		_, err := c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
		return err
	})
	mockMethod(t, c, api, newResource(t, c, api, root, "v1"), "POST")
	must[*apigateway.DeleteMethodOutput](t)(c.DeleteMethod(ctxT(t), &apigateway.DeleteMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET")}))
	must[*apigateway.UpdateRestApiOutput](t)(c.UpdateRestApi(ctxT(t), &apigateway.UpdateRestApiInput{RestApiId: aws.String(api), PatchOperations: patch("replace", "/policy", denyOtherVpce)}))

	d1 := must[*apigateway.CreateDeploymentOutput](t)(c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: aws.String(api),
		StageName: aws.String("prod"), StageDescription: aws.String("production"), Description: aws.String("first"),
		Variables: map[string]string{"vpcLinkId": "abc123"}, TracingEnabled: aws.Bool(true)}))
	st := must[*apigateway.GetStageOutput](t)(c.GetStage(ctxT(t), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}))
	if aws.ToString(st.DeploymentId) != aws.ToString(d1.Id) || aws.ToString(st.Description) != "production" || st.Variables["vpcLinkId"] != "abc123" || !st.TracingEnabled {
		t.Fatalf("stage created by the deployment: %+v", st)
	}
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api) != nil && s.API(api).Stages["prod"] != nil })
	prod := snap.API(api).Stages["prod"]
	if prod.Config == nil || len(prod.Config.Resources) != 2 || prod.Config.Resources[1].Path != "/v1" || prod.Config.Policy != denyOtherVpce {
		t.Fatalf("prod serves %+v", prod.Config)
	}

	// Changes after a deployment (the policy included) reach the stage only
	// with the next one.
	must[*apigateway.UpdateRestApiOutput](t)(c.UpdateRestApi(ctxT(t), &apigateway.UpdateRestApiInput{RestApiId: aws.String(api), PatchOperations: patch("remove", "/policy", "-")}))
	mockMethod(t, c, api, root, "GET")
	snap = e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api).Policy == "" })
	if again := snap.API(api).Stages["prod"]; again != prod || again.Config.Policy != denyOtherVpce || again.Config.Resource(root).ResourceMethods["GET"] != nil {
		t.Fatalf("an undeployed change reached the stage: %+v", again.Config)
	}
	d2 := must[*apigateway.CreateDeploymentOutput](t)(c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("prod")}))
	snap = e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api).Stages["prod"].DeploymentId == aws.ToString(d2.Id) })
	if cfg := snap.API(api).Stages["prod"].Config; cfg.Policy != "" || cfg.Resource(root).ResourceMethods["GET"] == nil {
		t.Fatalf("the second deployment serves %+v", cfg)
	}
	st = must[*apigateway.GetStageOutput](t)(c.GetStage(ctxT(t), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}))
	if st.Variables["vpcLinkId"] != "abc123" {
		t.Fatalf("redeploying lost the stage's variables: %+v", st.Variables)
	}

	// Deployments: get (with its summary), list, update, delete.
	got := must[*apigateway.GetDeploymentOutput](t)(c.GetDeployment(ctxT(t), &apigateway.GetDeploymentInput{RestApiId: aws.String(api), DeploymentId: d1.Id, Embed: []string{"apisummary"}}))
	if aws.ToString(got.Description) != "first" || got.ApiSummary["/v1"]["POST"].AuthorizationType == nil {
		t.Fatalf("GetDeployment answered %+v", got)
	}
	if n := len(must[*apigateway.GetDeploymentsOutput](t)(c.GetDeployments(ctxT(t), &apigateway.GetDeploymentsInput{RestApiId: aws.String(api)})).Items); n != 2 {
		t.Fatalf("GetDeployments listed %d, want 2", n)
	}
	must[*apigateway.UpdateDeploymentOutput](t)(c.UpdateDeployment(ctxT(t), &apigateway.UpdateDeploymentInput{RestApiId: aws.String(api), DeploymentId: d1.Id, PatchOperations: patch("replace", "/description", "old")}))
	unchanged(t, e, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted", func() error {
		_, err := c.DeleteDeployment(ctxT(t), &apigateway.DeleteDeploymentInput{RestApiId: aws.String(api), DeploymentId: d2.Id})
		return err
	})
	must[*apigateway.DeleteDeploymentOutput](t)(c.DeleteDeployment(ctxT(t), &apigateway.DeleteDeploymentInput{RestApiId: aws.String(api), DeploymentId: d1.Id}))
	unchanged(t, e, "NotFoundException", "Invalid Deployment identifier specified", func() error {
		_, err := c.GetDeployment(ctxT(t), &apigateway.GetDeploymentInput{RestApiId: aws.String(api), DeploymentId: d1.Id})
		return err
	})
	unchanged(t, e, "BadRequestException", "Stage name", func() error {
		_, err := c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("pr od")})
		return err
	})
}

func TestStages(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, dep := deployed(t, c, "stages")
	create := func(name string, vars map[string]string, dep string) (*apigateway.CreateStageOutput, error) {
		return c.CreateStage(ctxT(t), &apigateway.CreateStageInput{RestApiId: aws.String(api), StageName: aws.String(name), DeploymentId: aws.String(dep), Variables: vars})
	}
	must[*apigateway.CreateStageOutput](t)(create("beta", map[string]string{"host": "backend.internal:8080"}, dep))
	for _, tc := range []struct{ name, stage, dep, code, msg string }{
		{"exists", "beta", dep, "ConflictException", "Stage already exists"},
		{"bad name", "be ta", dep, "BadRequestException", "Stage name"},
		{"no deployment", "gamma", "nope", "NotFoundException", "Invalid Deployment identifier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, tc.code, tc.msg, func() error { _, err := create(tc.stage, nil, tc.dep); return err })
		})
	}
	unchanged(t, e, "BadRequestException", "Stage variable", func() error { _, err := create("gamma", map[string]string{"a b": "x"}, dep); return err })
	unchanged(t, e, "BadRequestException", "Stage variable value", func() error { _, err := create("gamma", map[string]string{"a": "x y"}, dep); return err })

	upd := func(ops ...string) (*apigateway.UpdateStageOutput, error) {
		return c.UpdateStage(ctxT(t), &apigateway.UpdateStageInput{RestApiId: aws.String(api), StageName: aws.String("beta"), PatchOperations: patch(ops...)})
	}
	out := must[*apigateway.UpdateStageOutput](t)(upd(
		"replace", "/*/*/throttling/rateLimit", "100",
		"replace", "/*/*/throttling/burstLimit", "50",
		"replace", "/~1pets/GET/throttling/burstLimit", "5",
		"replace", "/*/*/logging/loglevel", "INFO",
		"replace", "/variables/color", "blue",
		"remove", "/variables/host", "-",
		"replace", "/tracingEnabled", "true",
		"replace", "/accessLogSettings/destinationArn", "arn:aws:logs:us-east-1:000000000000:log-group:api-access",
		"replace", "/accessLogSettings/format", `{"requestId":"$context.requestId"}`,
		"replace", "/description", "beta stage",
	))
	all, pets := out.MethodSettings["*/*"], out.MethodSettings["~1pets/GET"]
	if all.ThrottlingRateLimit != 100 || all.ThrottlingBurstLimit != 50 || aws.ToString(all.LoggingLevel) != "INFO" ||
		pets.ThrottlingBurstLimit != 5 || pets.ThrottlingRateLimit != 100 || out.Variables["color"] != "blue" || out.Variables["host"] != "" ||
		!out.TracingEnabled || aws.ToString(out.AccessLogSettings.DestinationArn) == "" {
		t.Fatalf("UpdateStage answered %+v (*/* %+v, ~1pets/GET %+v)", out, all, pets)
	}
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool {
		st := s.API(api).Stages["beta"]
		return st != nil && len(st.MethodSettings) == 2
	})
	beta := snap.API(api).Stages["beta"]
	if ms, ok := beta.MethodSetting("/pets", "GET"); !ok || ms.ThrottlingBurstLimit != 5 {
		t.Fatalf("the data plane's setting for GET /pets: %+v", ms)
	}
	if ms, ok := beta.MethodSetting("/other", "POST"); !ok || ms.ThrottlingRateLimit != 100 {
		t.Fatalf("the data plane's setting for POST /other: %+v", ms)
	}
	for _, tc := range []struct {
		ops  []string
		code string
		msg  string
	}{
		{[]string{"replace", "/*/*/throttling/rateLimit", "fast"}, "BadRequestException", "must be a number"},
		{[]string{"replace", "/*/*/logging/loglevel", "DEBUG"}, "BadRequestException", "logging level"},
		{[]string{"replace", "/pets/GET/throttling/burstLimit", "5"}, "BadRequestException", "Invalid method setting path"},
		{[]string{"replace", "/~1pets/FETCH/throttling/burstLimit", "5"}, "BadRequestException", "Invalid method setting path"},
		{[]string{"replace", "/*/*/throttling/nope", "5"}, "BadRequestException", "Invalid patch path"},
		{[]string{"replace", "/accessLogSettings/format", "$context.path"}, "BadRequestException", "$context.requestId"},
		{[]string{"replace", "/accessLogSettings/destinationArn", "log-group"}, "BadRequestException", "Invalid ARN"},
		{[]string{"replace", "/deploymentId", "nope"}, "NotFoundException", "Invalid Deployment identifier"},
		{[]string{"replace", "/variables/a b", "x"}, "BadRequestException", "Stage variable name"},
		{[]string{"replace", "/stageName", "x"}, "BadRequestException", "Invalid patch path"},
	} {
		unchanged(t, e, tc.code, tc.msg, func() error { _, err := upd(tc.ops...); return err })
	}
	out = must[*apigateway.UpdateStageOutput](t)(upd("remove", "/~1pets/GET", "-", "remove", "/accessLogSettings", "-"))
	if len(out.MethodSettings) != 1 || out.AccessLogSettings != nil {
		t.Fatalf("after removals: %+v", out)
	}
	stages := must[*apigateway.GetStagesOutput](t)(c.GetStages(ctxT(t), &apigateway.GetStagesInput{RestApiId: aws.String(api), DeploymentId: aws.String(dep)}))
	if len(stages.Item) != 2 {
		t.Fatalf("GetStages listed %d stages of the deployment, want 2", len(stages.Item))
	}
	must[*apigateway.DeleteStageOutput](t)(c.DeleteStage(ctxT(t), &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("beta")}))
	unchanged(t, e, "NotFoundException", "Invalid Stage identifier specified", func() error {
		_, err := c.GetStage(ctxT(t), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("beta")})
		return err
	})
	e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api).Stages["beta"] == nil })
}
