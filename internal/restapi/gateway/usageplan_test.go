package gateway_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// TestUsagePlans: a method with apiKeyRequired answers 403 Forbidden
// without x-api-key, with an unknown or disabled key, and with a key no
// usage plan covering the stage holds; a plan's throttle (per key), its
// per-method throttle and its quota answer 429 once spent (Too Many
// Requests, Limit Exceeded), and a quota's count survives snapshot
// rebuilds. A method without apiKeyRequired ignores all of it.
func TestUsagePlans(t *testing.T) {
	f := newFixture(t)
	api, root := f.api("pets", false, "")
	pets := f.resource(api, root, "pets")
	free := f.resource(api, root, "free")
	f.mockMethod(api, pets, "GET", true)
	f.mockMethod(api, free, "GET", false)
	f.deploy(api, "prod")

	throttled, quota, perMethod, outside, disabled := f.apiKey("throttled", true), f.apiKey("quota", true),
		f.apiKey("per-method", true), f.apiKey("outside", true), f.apiKey("disabled", false)
	stage := []agtypes.ApiStage{{ApiId: &api, Stage: aws.String("prod")}}
	f.usagePlan(&apigateway.CreateUsagePlanInput{Name: aws.String("throttle"), ApiStages: stage,
		Throttle: &agtypes.ThrottleSettings{BurstLimit: 2, RateLimit: 0.001}}, throttled, disabled)
	f.usagePlan(&apigateway.CreateUsagePlanInput{Name: aws.String("quota"), ApiStages: stage,
		Quota: &agtypes.QuotaSettings{Limit: 3, Period: agtypes.QuotaPeriodTypeDay}}, quota)
	f.usagePlan(&apigateway.CreateUsagePlanInput{Name: aws.String("method"), ApiStages: []agtypes.ApiStage{{ApiId: &api, Stage: aws.String("prod"),
		Throttle: map[string]agtypes.ThrottleSettings{"/pets/GET": {BurstLimit: 1, RateLimit: 0.001}}}}}, perMethod)
	f.sync()

	get := func(path, key string) result {
		var h http.Header
		if key != "" {
			h = http.Header{"X-Api-Key": {key}}
		}
		return f.do("GET", f.host(api), path, h, "")
	}
	const (
		forbidden = `{"message":"Forbidden"}`
		tooMany   = `{"message":"Too Many Requests"}`
		limit     = `{"message":"Limit Exceeded"}`
	)
	for _, c := range []struct {
		name, key string
		status    int
		body      string
	}{
		{"no key", "", 403, forbidden},
		{"unknown key", "not-a-key-of-this-account", 403, forbidden},
		{"key in no plan", outside, 403, forbidden},
		{"disabled key", disabled, 403, forbidden},
		{"throttled key 1", throttled, 200, `{"pets":[]}`},
		{"throttled key 2", throttled, 200, `{"pets":[]}`},
		{"throttled key 3", throttled, 429, tooMany},
		{"per-method 1", perMethod, 200, `{"pets":[]}`},
		{"per-method 2", perMethod, 429, tooMany},
		{"quota 1", quota, 200, `{"pets":[]}`},
		{"quota 2", quota, 200, `{"pets":[]}`},
	} {
		if r := get("/prod/pets", c.key); r.status != c.status || r.body != c.body {
			t.Fatalf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.body)
		}
	}
	if r := get("/prod/pets", throttled); r.header.Get("X-Amzn-Errortype") != "TooManyRequestsException" {
		t.Errorf("throttled: %v", r.header)
	}
	// A rebuild of the snapshot keeps the buckets and the count.
	f.api("unrelated", false, "")
	f.sync()
	if r := get("/prod/pets", throttled); r.status != 429 {
		t.Fatalf("throttle refilled by a rebuild: %d", r.status)
	}
	if r := get("/prod/pets", quota); r.status != 200 {
		t.Fatalf("quota 3: %d %s", r.status, r.body)
	}
	r := get("/prod/pets", quota)
	if r.status != 429 || r.body != limit || r.header.Get("X-Amzn-Errortype") != "LimitExceededException" {
		t.Fatalf("quota 4: %d %s %v", r.status, r.body, r.header)
	}
	for _, key := range []string{"", outside, throttled} {
		if r := get("/prod/free", key); r.status != 200 {
			t.Fatalf("method without apiKeyRequired, key %q: %d %s", key, r.status, r.body)
		}
	}
}

// TestStageThrottling: methodSettings throttle a stage's methods, the
// method's own entry over the stage's */*.
func TestStageThrottling(t *testing.T) {
	f := newFixture(t)
	api, root := f.api("pets", false, "")
	pets := f.resource(api, root, "pets")
	f.mockMethod(api, pets, "GET", false)
	f.mockMethod(api, root, "GET", false)
	f.deploy(api, "prod")
	_, err := f.agw.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: &api, StageName: aws.String("prod"), PatchOperations: []agtypes.PatchOperation{
		{Op: agtypes.OpReplace, Path: aws.String("/*/*/throttling/burstLimit"), Value: aws.String("1")},
		{Op: agtypes.OpReplace, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("0.001")},
		{Op: agtypes.OpReplace, Path: aws.String("/~1pets/GET/throttling/burstLimit"), Value: aws.String("3")},
	}})
	f.check(err)
	f.sync()
	for i, want := range []int{200, 429, 429} {
		if r := f.do("GET", f.host(api), "/prod", nil, ""); r.status != want {
			t.Fatalf("GET / #%d: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
	for i, want := range []int{200, 200, 200, 429} {
		if r := f.do("GET", f.host(api), "/prod/pets", nil, ""); r.status != want {
			t.Fatalf("GET /pets #%d: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
}

// mockMethod sets up a MOCK GET answering 200 {"pets":[]}.
func (f *fixture) mockMethod(api, res, verb string, keyRequired bool) {
	f.t.Helper()
	f.method(api, res, verb, keyRequired, "", &apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
	f.response(api, res, verb, "200", "", nil, map[string]string{"application/json": `{"pets":[]}`})
}

// response puts a method response and its integration response.
func (f *fixture) response(api, res, verb, status, pattern string, params, templates map[string]string) {
	f.t.Helper()
	declared := map[string]bool{}
	for k := range params {
		declared[k] = false
	}
	_, err := f.agw.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb,
		StatusCode: &status, ResponseParameters: declared})
	f.check(err)
	in := &apigateway.PutIntegrationResponseInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb, StatusCode: &status,
		ResponseParameters: params, ResponseTemplates: templates}
	if pattern != "" {
		in.SelectionPattern = &pattern
	}
	_, err = f.agw.PutIntegrationResponse(ctx, in)
	f.check(err)
}

// apiKey creates an API key and returns its value.
func (f *fixture) apiKey(name string, enabled bool) string {
	f.t.Helper()
	out, err := f.agw.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: &name, Enabled: enabled})
	f.check(err)
	return aws.ToString(out.Value)
}

// usagePlan creates a usage plan holding the keys (by value).
func (f *fixture) usagePlan(in *apigateway.CreateUsagePlanInput, keys ...string) {
	f.t.Helper()
	plan, err := f.agw.CreateUsagePlan(ctx, in)
	f.check(err)
	all, err := f.agw.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true), Limit: aws.Int32(500)})
	f.check(err)
	for _, v := range keys {
		for _, k := range all.Items {
			if aws.ToString(k.Value) == v {
				_, err := f.agw.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: k.Id, KeyType: aws.String("API_KEY")})
				f.check(err)
			}
		}
	}
}
