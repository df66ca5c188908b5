package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func TestApiKeys(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	gen := must[*apigateway.CreateApiKeyOutput](t)(c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("alice"), Enabled: true, CustomerId: aws.String("cust-1")}))
	if len(aws.ToString(gen.Value)) != 40 || !gen.Enabled {
		t.Fatalf("CreateApiKey answered %+v, want a 40-character value, enabled", gen)
	}
	given := must[*apigateway.CreateApiKeyOutput](t)(c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("bob"), Value: aws.String("bob-key-0123456789abcdef")}))
	if given.Enabled || aws.ToString(given.Value) != "bob-key-0123456789abcdef" {
		t.Fatalf("CreateApiKey answered %+v, want disabled with the value given", given)
	}
	unchanged(t, e, "ConflictException", "API Key already exists", func() error {
		_, err := c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("dup"), Value: aws.String("bob-key-0123456789abcdef")})
		return err
	})
	unchanged(t, e, "BadRequestException", "at least 20 characters", func() error {
		_, err := c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("short"), Value: aws.String("short")})
		return err
	})
	hidden := must[*apigateway.GetApiKeyOutput](t)(c.GetApiKey(ctxT(t), &apigateway.GetApiKeyInput{ApiKey: gen.Id}))
	shown := must[*apigateway.GetApiKeyOutput](t)(c.GetApiKey(ctxT(t), &apigateway.GetApiKeyInput{ApiKey: gen.Id, IncludeValue: aws.Bool(true)}))
	if hidden.Value != nil || aws.ToString(shown.Value) != aws.ToString(gen.Value) {
		t.Fatalf("value without includeValue %v, with %v", hidden.Value, shown.Value)
	}
	list := must[*apigateway.GetApiKeysOutput](t)(c.GetApiKeys(ctxT(t), &apigateway.GetApiKeysInput{NameQuery: aws.String("al"), IncludeValues: aws.Bool(true)}))
	if len(list.Items) != 1 || aws.ToString(list.Items[0].Value) != aws.ToString(gen.Value) {
		t.Fatalf("GetApiKeys name=al: %+v", list.Items)
	}
	upd := must[*apigateway.UpdateApiKeyOutput](t)(c.UpdateApiKey(ctxT(t), &apigateway.UpdateApiKeyInput{ApiKey: given.Id, PatchOperations: patch("replace", "/enabled", "true", "replace", "/description", "bob's")}))
	if !upd.Enabled || aws.ToString(upd.Description) != "bob's" {
		t.Fatalf("UpdateApiKey answered %+v", upd)
	}
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool {
		k := s.APIKeyByValue("bob-key-0123456789abcdef")
		return k != nil && k.Enabled
	})
	if snap.APIKeyByValue(aws.ToString(gen.Value)).Id != aws.ToString(gen.Id) || snap.APIKeyByValue("unknown-value-0123456789") != nil {
		t.Fatal("the data plane does not find keys by value")
	}
	unchanged(t, e, "BadRequestException", "true or false", func() error {
		_, err := c.UpdateApiKey(ctxT(t), &apigateway.UpdateApiKeyInput{ApiKey: given.Id, PatchOperations: patch("replace", "/enabled", "yes")})
		return err
	})
	unchanged(t, e, "BadRequestException", "Invalid patch path", func() error {
		_, err := c.UpdateApiKey(ctxT(t), &apigateway.UpdateApiKeyInput{ApiKey: given.Id, PatchOperations: patch("replace", "/value", "x")})
		return err
	})
	unchanged(t, e, "NotFoundException", "Invalid API Key identifier specified", func() error {
		_, err := c.GetApiKey(ctxT(t), &apigateway.GetApiKeyInput{ApiKey: aws.String("nope")})
		return err
	})
}

func TestUsagePlans(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, _ := deployed(t, c, "metered")
	key := must[*apigateway.CreateApiKeyOutput](t)(c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("k"), Enabled: true}))
	stage := []types.ApiStage{{ApiId: aws.String(api), Stage: aws.String("prod"), Throttle: map[string]types.ThrottleSettings{"/pets/GET": {BurstLimit: 2, RateLimit: 1}}}}
	create := func(name string, stages []types.ApiStage, quota *types.QuotaSettings) (*apigateway.CreateUsagePlanOutput, error) {
		return c.CreateUsagePlan(ctxT(t), &apigateway.CreateUsagePlanInput{Name: aws.String(name), ApiStages: stages, Quota: quota,
			Throttle: &types.ThrottleSettings{BurstLimit: 10, RateLimit: 5}})
	}
	plan := must[*apigateway.CreateUsagePlanOutput](t)(create("gold", stage, &types.QuotaSettings{Limit: 1000, Period: types.QuotaPeriodTypeWeek, Offset: 2}))
	for _, tc := range []struct {
		name   string
		stages []types.ApiStage
		quota  *types.QuotaSettings
		code   string
		msg    string
	}{
		{"missing stage", []types.ApiStage{{ApiId: aws.String(api), Stage: aws.String("nope")}}, nil, "BadRequestException", "Invalid API Stage {api: " + api + ", stage: nope}"},
		{"bad period", nil, &types.QuotaSettings{Limit: 1, Period: "YEAR"}, "BadRequestException", "quota period"},
		{"bad offset", nil, &types.QuotaSettings{Limit: 1, Period: types.QuotaPeriodTypeDay, Offset: 1}, "BadRequestException", "offset"},
		{"bad throttle key", []types.ApiStage{{ApiId: aws.String(api), Stage: aws.String("prod"), Throttle: map[string]types.ThrottleSettings{"pets": {}}}}, nil, "BadRequestException", "method throttle key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, tc.code, tc.msg, func() error { _, err := create("x", tc.stages, tc.quota); return err })
		})
	}

	pk := must[*apigateway.CreateUsagePlanKeyOutput](t)(c.CreateUsagePlanKey(ctxT(t), &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}))
	if aws.ToString(pk.Value) != aws.ToString(key.Value) || aws.ToString(pk.Type) != "API_KEY" {
		t.Fatalf("CreateUsagePlanKey answered %+v", pk)
	}
	unchanged(t, e, "ConflictException", "already contains", func() error {
		_, err := c.CreateUsagePlanKey(ctxT(t), &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
		return err
	})
	// A key reaches a stage through one plan only.
	other := must[*apigateway.CreateUsagePlanOutput](t)(create("silver", []types.ApiStage{{ApiId: aws.String(api), Stage: aws.String("prod")}}, nil))
	unchanged(t, e, "ConflictException", "cannot reference multiple Usage Plans with the same API Stage", func() error {
		_, err := c.CreateUsagePlanKey(ctxT(t), &apigateway.CreateUsagePlanKeyInput{UsagePlanId: other.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
		return err
	})
	unchanged(t, e, "BadRequestException", "API_KEY", func() error {
		_, err := c.CreateUsagePlanKey(ctxT(t), &apigateway.CreateUsagePlanKeyInput{UsagePlanId: other.Id, KeyId: key.Id, KeyType: aws.String("TOKEN")})
		return err
	})

	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool {
		p := s.UsagePlan(aws.ToString(plan.Id))
		return p != nil && p.Holds(aws.ToString(key.Id))
	})
	p, st := snap.UsagePlanFor(api, "prod", aws.ToString(key.Id))
	if p == nil || p.Id != aws.ToString(plan.Id) || p.Quota.Limit != 1000 || p.Throttle.RateLimit != 5 || st.Throttle["/pets/GET"].BurstLimit != 2 {
		t.Fatalf("the data plane's plan for the key: %+v %+v", p, st)
	}

	upd := func(ops ...string) (*apigateway.UpdateUsagePlanOutput, error) {
		return c.UpdateUsagePlan(ctxT(t), &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: patch(ops...)})
	}
	out := must[*apigateway.UpdateUsagePlanOutput](t)(upd("replace", "/quota/limit", "10", "replace", "/quota/period", "DAY", "replace", "/quota/offset", "0",
		"replace", "/throttle/rateLimit", "2.5", "replace", "/apiStages/"+api+":prod/throttle/~1pets/GET/rateLimit", "0.5"))
	if out.Quota.Limit != 10 || out.Quota.Period != types.QuotaPeriodTypeDay || out.Throttle.RateLimit != 2.5 || out.ApiStages[0].Throttle["/pets/GET"].RateLimit != 0.5 {
		t.Fatalf("UpdateUsagePlan answered %+v", out)
	}
	for _, tc := range []struct {
		ops  []string
		code string
		msg  string
	}{
		{[]string{"replace", "/quota/period", "DECADE"}, "BadRequestException", "quota period"},
		{[]string{"add", "/apiStages", api + ":nope"}, "BadRequestException", "Invalid API Stage"},
		{[]string{"add", "/apiStages", api + ":prod"}, "ConflictException", "already in the usage plan"},
		{[]string{"remove", "/apiStages", api + ":beta"}, "NotFoundException", "not in the usage plan"},
		{[]string{"replace", "/apiStages/" + api + ":prod/throttle/pets/GET/rateLimit", "1"}, "BadRequestException", "method throttle key"},
		{[]string{"replace", "/id", "x"}, "BadRequestException", "Invalid patch path"},
	} {
		unchanged(t, e, tc.code, tc.msg, func() error { _, err := upd(tc.ops...); return err })
	}
	keys := must[*apigateway.GetUsagePlanKeysOutput](t)(c.GetUsagePlanKeys(ctxT(t), &apigateway.GetUsagePlanKeysInput{UsagePlanId: plan.Id}))
	plans := must[*apigateway.GetUsagePlansOutput](t)(c.GetUsagePlans(ctxT(t), &apigateway.GetUsagePlansInput{KeyId: key.Id}))
	if len(keys.Items) != 1 || len(plans.Items) != 1 || aws.ToString(plans.Items[0].Id) != aws.ToString(plan.Id) {
		t.Fatalf("plan keys %+v, plans of the key %+v", keys.Items, plans.Items)
	}

	// Deleting the key takes it out of the plan; deleting the stage takes
	// the stage out of every plan.
	must[*apigateway.DeleteApiKeyOutput](t)(c.DeleteApiKey(ctxT(t), &apigateway.DeleteApiKeyInput{ApiKey: key.Id}))
	if n := len(must[*apigateway.GetUsagePlanKeysOutput](t)(c.GetUsagePlanKeys(ctxT(t), &apigateway.GetUsagePlanKeysInput{UsagePlanId: plan.Id})).Items); n != 0 {
		t.Fatalf("the deleted key is still in the plan (%d keys)", n)
	}
	must[*apigateway.DeleteStageOutput](t)(c.DeleteStage(ctxT(t), &apigateway.DeleteStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}))
	if got := must[*apigateway.GetUsagePlanOutput](t)(c.GetUsagePlan(ctxT(t), &apigateway.GetUsagePlanInput{UsagePlanId: other.Id})); len(got.ApiStages) != 0 {
		t.Fatalf("the deleted stage is still in a plan: %+v", got.ApiStages)
	}
	must[*apigateway.DeleteUsagePlanOutput](t)(c.DeleteUsagePlan(ctxT(t), &apigateway.DeleteUsagePlanInput{UsagePlanId: plan.Id}))
	unchanged(t, e, "NotFoundException", "Invalid Usage Plan ID specified", func() error {
		_, err := c.GetUsagePlan(ctxT(t), &apigateway.GetUsagePlanInput{UsagePlanId: plan.Id})
		return err
	})
}
