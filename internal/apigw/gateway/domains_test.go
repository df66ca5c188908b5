package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestCustomDomainMappings serves three APIs on one custom domain name
// through API mappings, as AWS routes them: the longest matching mapping
// key wins (with a multi-level key on the domain, the longest matching
// prefix, so /ordersandmore goes to "orders"), the key is stripped from
// the path the stage sees, the empty key catches the rest, and a mapped
// named stage is served without its name in the path.
func TestCustomDomainMappings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	api := func(name, stage string) (*fixture, *backend) {
		out, err := f.api.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String(name), ProtocolType: types.ProtocolTypeHttp})
		if err != nil {
			t.Fatal(err)
		}
		g := *f
		g.apiID = aws.ToString(out.ApiId)
		b := newBackend(t, name)
		g.route("$default", g.urlIntegration("http://127.0.0.1:"+strconv.Itoa(b.port), nil, 0))
		g.stage(stage, true, nil, nil)
		return &g, b
	}
	root, _ := api("root", "$default")
	orders, _ := api("orders", "prod")
	items, _ := api("items", "$default")

	d, err := f.api.CreateDomainName(ctx, &agw.CreateDomainNameInput{DomainName: aws.String("API.Shop.localhost"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/local")}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := d.DomainNameConfigurations
	if aws.ToString(d.DomainName) != "api.shop.localhost" || aws.ToString(d.ApiMappingSelectionExpression) != "$request.basepath" || len(cfg) != 1 ||
		cfg[0].DomainNameStatus != types.DomainNameStatusAvailable || cfg[0].EndpointType != types.EndpointTypeRegional || cfg[0].SecurityPolicy != types.SecurityPolicyTls12 ||
		aws.ToString(cfg[0].HostedZoneId) != "Z1UJRXOUMOOFQ8" || !strings.HasSuffix(aws.ToString(cfg[0].ApiGatewayDomainName), ".execute-api.us-east-1.amazonaws.com") {
		t.Fatalf("domain name = %+v %+v", d, cfg)
	}
	_, err = f.api.CreateDomainName(ctx, &agw.CreateDomainNameInput{DomainName: aws.String("api.shop.localhost")})
	awstest.WantCode(t, err, "ConflictException")

	mapping := func(a *fixture, key, stage string) string {
		t.Helper()
		out, err := f.api.CreateApiMapping(ctx, &agw.CreateApiMappingInput{DomainName: aws.String("api.shop.localhost"), ApiId: &a.apiID, ApiMappingKey: &key, Stage: &stage})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ApiMappingId)
	}
	mapping(root, "", "$default")
	mapping(orders, "orders", "prod")
	multi := mapping(items, "orders/v1/items", "$default")

	// Refused, and nothing changes: a key already mapped, a stage or an
	// API that does not exist, a malformed key.
	for _, bad := range []struct {
		api, key, stage, code string
	}{
		{root.apiID, "orders", "$default", "ConflictException"},
		{orders.apiID, "other", "nosuch", "NotFoundException"},
		{"nosuchapi", "other", "$default", "NotFoundException"},
		{root.apiID, "/slashed/", "$default", "BadRequestException"},
	} {
		_, err := f.api.CreateApiMapping(ctx, &agw.CreateApiMappingInput{DomainName: aws.String("api.shop.localhost"), ApiId: &bad.api, ApiMappingKey: &bad.key, Stage: &bad.stage})
		awstest.WantCode(t, err, bad.code)
	}
	list, err := f.api.GetApiMappings(ctx, &agw.GetApiMappingsInput{DomainName: aws.String("api.shop.localhost")})
	if err != nil || len(list.Items) != 3 {
		t.Fatalf("mappings = %+v, %v", list, err)
	}

	base := "http://api.shop.localhost:" + f.env.GatewayPort
	want := func(path, backend, uri string) {
		t.Helper()
		f.sync()
		r := f.doHost("GET", base, path, nil)
		if r.status != 200 || r.seen == nil || r.seen.Backend != backend || r.seen.URI != uri {
			t.Errorf("GET %s: %d %s, backend saw %+v; want %s %s", path, r.status, r.body, r.seen, backend, uri)
		}
	}
	want("/orders/42?x=1", "orders", "/42?x=1")
	want("/orders", "orders", "/")
	want("/orders/v1/items/123", "items", "/123")
	want("/ordersandmore", "orders", "/andmore")
	want("/customers", "root", "/customers")

	// Without a multi-level key, a key matches whole segments only.
	if _, err := f.api.DeleteApiMapping(ctx, &agw.DeleteApiMappingInput{DomainName: aws.String("api.shop.localhost"), ApiMappingId: &multi}); err != nil {
		t.Fatal(err)
	}
	want("/ordersandmore", "root", "/ordersandmore")
	want("/orders/v1/items/123", "orders", "/v1/items/123")

	if _, err := f.api.DeleteDomainName(ctx, &agw.DeleteDomainNameInput{DomainName: aws.String("api.shop.localhost")}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if r := f.doHost("GET", base, "/customers", nil); r.status != 404 || string(r.body) != `{"message":"Not Found"}` {
		t.Errorf("after the domain's deletion: %d %s", r.status, r.body)
	}
	_, err = f.api.GetDomainName(ctx, &agw.GetDomainNameInput{DomainName: aws.String("api.shop.localhost")})
	awstest.WantCode(t, err, "NotFoundException")
}
