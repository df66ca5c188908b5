package restapi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

const denyOtherVpce = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1234"}}},{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`

func TestCreateRestApi(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	out := must[*apigateway.CreateRestApiOutput](t)(c.CreateRestApi(ctxT(t), &apigateway.CreateRestApiInput{
		Name: aws.String("private"), Policy: aws.String(denyOtherVpce), BinaryMediaTypes: []string{"image/png"},
		MinimumCompressionSize: aws.Int32(1024), DisableExecuteApiEndpoint: true,
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypePrivate}, VpcEndpointIds: []string{"vpce-1234"}},
		Tags:                  map[string]string{"team": "edge"},
	}))
	if len(aws.ToString(out.Id)) != 10 || aws.ToString(out.RootResourceId) == "" || out.CreatedDate == nil {
		t.Fatalf("create answered %+v", out)
	}
	if out.ApiKeySource != types.ApiKeySourceTypeHeader || aws.ToString(out.Policy) != denyOtherVpce || !out.DisableExecuteApiEndpoint {
		t.Fatalf("create answered %+v", out)
	}
	got := must[*apigateway.GetRestApiOutput](t)(c.GetRestApi(ctxT(t), &apigateway.GetRestApiInput{RestApiId: out.Id}))
	if got.EndpointConfiguration.Types[0] != types.EndpointTypePrivate || got.EndpointConfiguration.VpcEndpointIds[0] != "vpce-1234" ||
		aws.ToInt32(got.MinimumCompressionSize) != 1024 || got.Tags["team"] != "edge" || got.BinaryMediaTypes[0] != "image/png" {
		t.Fatalf("get answered %+v", got)
	}
	res := must[*apigateway.GetResourcesOutput](t)(c.GetResources(ctxT(t), &apigateway.GetResourcesInput{RestApiId: out.Id}))
	if len(res.Items) != 1 || aws.ToString(res.Items[0].Path) != "/" || aws.ToString(res.Items[0].Id) != aws.ToString(out.RootResourceId) {
		t.Fatalf("a new API's resources: %+v", res.Items)
	}
	// The data plane sees the API and its private endpoint configuration.
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(aws.ToString(out.Id)) != nil })
	if a := snap.API(aws.ToString(out.Id)); !a.IsPrivate() || a.EndpointConfiguration.VpcEndpointIds[0] != "vpce-1234" || a.Policy != denyOtherVpce {
		t.Fatalf("snapshot API %+v", a.RestApi)
	}

	def := must[*apigateway.CreateRestApiOutput](t)(c.CreateRestApi(ctxT(t), &apigateway.CreateRestApiInput{Name: aws.String("plain")}))
	if def.EndpointConfiguration == nil || def.EndpointConfiguration.Types[0] != types.EndpointTypeEdge {
		t.Fatalf("default endpoint configuration %+v, want EDGE", def.EndpointConfiguration)
	}
}

func TestCreateRestApiRefusals(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	endpoint := func(typ types.EndpointType, vpce ...string) *types.EndpointConfiguration {
		return &types.EndpointConfiguration{Types: []types.EndpointType{typ}, VpcEndpointIds: vpce}
	}
	for _, tc := range []struct {
		name string
		in   apigateway.CreateRestApiInput
		msg  string
	}{
		{"no name", apigateway.CreateRestApiInput{Name: aws.String("")}, "name is required"},
		{"bad endpoint type", apigateway.CreateRestApiInput{Name: aws.String("a"), EndpointConfiguration: endpoint("PUBLIC")}, "Invalid endpoint type"},
		{"two endpoint types", apigateway.CreateRestApiInput{Name: aws.String("a"), EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{"EDGE", "REGIONAL"}}}, "Exactly one"},
		{"vpce on a regional API", apigateway.CreateRestApiInput{Name: aws.String("a"), EndpointConfiguration: endpoint("REGIONAL", "vpce-1")}, "PRIVATE"},
		{"bad vpce id", apigateway.CreateRestApiInput{Name: aws.String("a"), EndpointConfiguration: endpoint("PRIVATE", "endpoint-1")}, "VPC endpoint"},
		{"policy not JSON", apigateway.CreateRestApiInput{Name: aws.String("a"), Policy: aws.String("{")}, "Invalid policy document"},
		{"policy without statements", apigateway.CreateRestApiInput{Name: aws.String("a"), Policy: aws.String(`{"Version":"2012-10-17"}`)}, "Invalid policy document"},
		{"policy with a bad effect", apigateway.CreateRestApiInput{Name: aws.String("a"), Policy: aws.String(`{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`)}, "Statement[0].Effect"},
		{"policy with an unknown condition", apigateway.CreateRestApiInput{Name: aws.String("a"), Policy: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringSortOf":{"aws:SourceVpc":"vpc-1"}}}]}`)}, "Invalid policy document"},
		{"compression size", apigateway.CreateRestApiInput{Name: aws.String("a"), MinimumCompressionSize: aws.Int32(10485761)}, "minimum compression size"},
		{"key source", apigateway.CreateRestApiInput{Name: aws.String("a"), ApiKeySource: "QUERY"}, "API key source"},
		{"clone", apigateway.CreateRestApiInput{Name: aws.String("a"), CloneFrom: aws.String("abc")}, "cloneFrom"},
		{"reserved tag", apigateway.CreateRestApiInput{Name: aws.String("a"), Tags: map[string]string{"aws:x": "1"}}, "reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, "BadRequestException", tc.msg, func() error {
				_, err := c.CreateRestApi(ctxT(t), &tc.in)
				return err
			})
		})
	}
	unchanged(t, e, "NotFoundException", "Invalid API identifier specified 000000000000:nope", func() error {
		_, err := c.GetRestApi(ctxT(t), &apigateway.GetRestApiInput{RestApiId: aws.String("nope")})
		return err
	})
}

func TestUpdateRestApi(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, _ := newAPI(t, c, "orig")
	upd := func(ops ...string) (*apigateway.UpdateRestApiOutput, error) {
		return c.UpdateRestApi(ctxT(t), &apigateway.UpdateRestApiInput{RestApiId: aws.String(api), PatchOperations: patch(ops...)})
	}
	out := must[*apigateway.UpdateRestApiOutput](t)(upd(
		"replace", "/name", "renamed",
		"replace", "/description", "about",
		"add", "/binaryMediaTypes/image~1png", "-",
		"add", "/binaryMediaTypes/application~1octet-stream", "-",
		"remove", "/binaryMediaTypes/image~1png", "-",
		"replace", "/endpointConfiguration/types/EDGE", "PRIVATE",
		"add", "/endpointConfiguration/vpcEndpointIds", "vpce-aaa",
		"replace", "/policy", denyOtherVpce,
		"replace", "/minimumCompressionSize", "0",
	))
	if aws.ToString(out.Name) != "renamed" || aws.ToString(out.Description) != "about" || !slices.Equal(out.BinaryMediaTypes, []string{"application/octet-stream"}) ||
		out.EndpointConfiguration.Types[0] != types.EndpointTypePrivate || out.EndpointConfiguration.VpcEndpointIds[0] != "vpce-aaa" ||
		aws.ToString(out.Policy) != denyOtherVpce || aws.ToInt32(out.MinimumCompressionSize) != 0 || out.MinimumCompressionSize == nil {
		t.Fatalf("update answered %+v", out)
	}
	for _, tc := range []struct {
		ops      []string
		code     string
		msg      string
		describe string
	}{
		{[]string{"replace", "/nope", "x"}, "BadRequestException", "Invalid patch path '/nope' specified for op 'replace'", "unknown path"},
		{[]string{"replace", "/name", "ok", "replace", "/tags", "x"}, "BadRequestException", "Invalid patch path", "one bad op of two"},
		{[]string{"move", "/name", "x"}, "BadRequestException", "not supported", "op move"},
		{[]string{"frob", "/name", "x"}, "BadRequestException", "Must be one of", "unknown op"},
		{[]string{"replace", "/name", "-"}, "BadRequestException", "needs a value", "no value"},
		{[]string{"replace", "/endpointConfiguration/types/PRIVATE", "PUBLIC"}, "BadRequestException", "Invalid endpoint type", "bad type"},
		{[]string{"replace", "/endpointConfiguration/types/EDGE", "REGIONAL"}, "BadRequestException", "not EDGE", "not the current type"},
		{[]string{"replace", "/policy", "[]"}, "BadRequestException", "Invalid policy", "bad policy"},
		{[]string{"replace", "/disableExecuteApiEndpoint", "maybe"}, "BadRequestException", "true or false", "bad bool"},
		{[]string{"replace", "/minimumCompressionSize", "-1"}, "BadRequestException", "between 0 and", "negative size"},
		{[]string{"replace", "/name~2", "x"}, "BadRequestException", "'~' must be followed", "bad escape"},
	} {
		t.Run(tc.describe, func(t *testing.T) {
			unchanged(t, e, tc.code, tc.msg, func() error { _, err := upd(tc.ops...); return err })
		})
	}
	unchanged(t, e, "NotFoundException", "Invalid API identifier", func() error {
		_, err := c.UpdateRestApi(ctxT(t), &apigateway.UpdateRestApiInput{RestApiId: aws.String("nope"), PatchOperations: patch("replace", "/name", "x")})
		return err
	})
}

func TestGetRestApisPages(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	want := map[string]bool{}
	for i := range 7 {
		id, _ := newAPI(t, c, fmt.Sprintf("api-%d", i))
		want[id] = true
	}
	seen := map[string]bool{}
	var position *string
	pages := 0
	for {
		out := must[*apigateway.GetRestApisOutput](t)(c.GetRestApis(ctxT(t), &apigateway.GetRestApisInput{Limit: aws.Int32(3), Position: position}))
		pages++
		for _, a := range out.Items {
			if seen[aws.ToString(a.Id)] {
				t.Fatalf("api %s listed twice", aws.ToString(a.Id))
			}
			seen[aws.ToString(a.Id)] = true
		}
		if position = out.Position; position == nil {
			break
		}
	}
	if pages != 3 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d APIs; want 3 pages, %d APIs", pages, len(seen), len(want))
	}
	// The SDK's paginator walks the same listing.
	p := apigateway.NewGetRestApisPaginator(c, &apigateway.GetRestApisInput{Limit: aws.Int32(2)})
	n := 0
	for p.HasMorePages() {
		n += len(must[*apigateway.GetRestApisOutput](t)(p.NextPage(ctxT(t))).Items)
	}
	if n != 7 {
		t.Fatalf("paginator saw %d APIs, want 7", n)
	}
	for _, limit := range []int32{0, 501} {
		unchanged(t, e, "BadRequestException", "limit", func() error {
			_, err := c.GetRestApis(ctxT(t), &apigateway.GetRestApisInput{Limit: aws.Int32(limit)})
			return err
		})
	}
	unchanged(t, e, "BadRequestException", "position", func() error {
		_, err := c.GetRestApis(ctxT(t), &apigateway.GetRestApisInput{Position: aws.String("!!")})
		return err
	})
}

func TestDeleteRestApi(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, _ := deployed(t, c, "doomed")
	must[*apigateway.DeleteRestApiOutput](t)(c.DeleteRestApi(ctxT(t), &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)}))
	_, err := c.GetStage(ctxT(t), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")})
	wantError(t, err, "NotFoundException", "")
	kvs, _, err := e.Store.List(ctxT(t), "restapi/")
	if err != nil || len(kvs) != 0 {
		t.Fatalf("after DeleteRestApi the store holds %d keys (%v)", len(kvs), err)
	}
	e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.API(api) == nil })
	unchanged(t, e, "NotFoundException", "", func() error {
		_, err := c.DeleteRestApi(ctxT(t), &apigateway.DeleteRestApiInput{RestApiId: aws.String(api)})
		return err
	})
}
