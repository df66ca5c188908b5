package apigw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// cloudMapARN is the Cloud Map service the integrations point at.
const cloudMapARN = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-abc123"

// apiWithVPCLink starts a server holding an HTTP API "i" and a VPC link
// "l", what an integration needs, and returns a client for it.
func apiWithVPCLink(t *testing.T) (*agw.Client, *agw.CreateApiOutput, *agw.CreateVpcLinkOutput) {
	t.Helper()
	c := apigwtest.Start(t).APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("i"), ProtocolType: types.ProtocolTypeHttp}))
	link := must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}}))
	return c, api, link
}

func TestIntegrationValidation(t *testing.T) {
	c, api, link := apiWithVPCLink(t)
	ctx := context.Background()
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
	params := func(p map[string]string) func(*agw.CreateIntegrationInput) {
		return func(in *agw.CreateIntegrationInput) { in.RequestParameters = p }
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
		{"mapping key", ok(params(map[string]string{"append:body.x": "y"})), "BadRequestException", "location"},
		{"mapping reserved header", ok(params(map[string]string{"overwrite:header.X-Forwarded-For": "1.2.3.4"})), "BadRequestException", "reserved"},
		{"mapping append path", ok(params(map[string]string{"append:path": "/x"})), "BadRequestException", "only be overwritten"},
		{"mapping body", ok(params(map[string]string{"append:header.x": "$request.body.name"})), "BadRequestException", "unsupported variable"},
		{"mapping unknown braces", ok(params(map[string]string{"append:header.x": "${foo.bar}"})), "BadRequestException", "unknown variable"},
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
	in := ok(params(map[string]string{"append:header.a": "1", "append:header.b": "2"}))
	created := must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(ctx, in))
	upd := must[*agw.UpdateIntegrationOutput](t)(c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: created.IntegrationId,
		RequestParameters: map[string]string{"append:header.a": "", "append:header.c": "3"}, TimeoutInMillis: aws.Int32(50)}))
	if len(upd.RequestParameters) != 2 || upd.RequestParameters["append:header.b"] != "2" || upd.RequestParameters["append:header.c"] != "3" ||
		aws.ToInt32(upd.TimeoutInMillis) != 50 {
		t.Fatalf("updated %+v", upd)
	}
}

// TestIntegrationReadBack: GetIntegration returns what CreateIntegration
// and UpdateIntegration stored; deleted integrations are NotFoundException.
func TestIntegrationReadBack(t *testing.T) {
	c, api, link := apiWithVPCLink(t)
	ctx := context.Background()

	created := must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(ctx, &agw.CreateIntegrationInput{ApiId: api.ApiId,
		IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(cloudMapARN), IntegrationMethod: aws.String("GET"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, Description: aws.String("pets"),
		TimeoutInMillis: aws.Int32(1500), RequestParameters: map[string]string{"overwrite:path": "$request.path", "append:header.x-a": "1"},
		TlsConfig: &types.TlsConfigInput{ServerNameToVerify: aws.String("pets.internal")}}))
	id := aws.ToString(created.IntegrationId)

	check := func(what string, got *agw.GetIntegrationOutput, desc string, timeout int32, params map[string]string) {
		t.Helper()
		if aws.ToString(got.IntegrationId) != id || got.IntegrationType != types.IntegrationTypeHttpProxy ||
			aws.ToString(got.IntegrationUri) != cloudMapARN || aws.ToString(got.IntegrationMethod) != "GET" ||
			got.ConnectionType != types.ConnectionTypeVpcLink || aws.ToString(got.ConnectionId) != aws.ToString(link.VpcLinkId) ||
			aws.ToString(got.PayloadFormatVersion) != "1.0" || aws.ToString(got.Description) != desc ||
			aws.ToInt32(got.TimeoutInMillis) != timeout || got.TlsConfig == nil || aws.ToString(got.TlsConfig.ServerNameToVerify) != "pets.internal" ||
			len(got.RequestParameters) != len(params) {
			t.Fatalf("%s: %+v", what, got)
		}
		for k, v := range params {
			if got.RequestParameters[k] != v {
				t.Fatalf("%s: requestParameters %v, want %v", what, got.RequestParameters, params)
			}
		}
	}
	check("GetIntegration", must[*agw.GetIntegrationOutput](t)(c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: &id})),
		"pets", 1500, map[string]string{"overwrite:path": "$request.path", "append:header.x-a": "1"})

	must[*agw.UpdateIntegrationOutput](t)(c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: &id,
		Description: aws.String("pets v2"), TimeoutInMillis: aws.Int32(29000),
		RequestParameters: map[string]string{"append:header.x-a": "", "overwrite:querystring.v": "2"}}))
	check("GetIntegration after update", must[*agw.GetIntegrationOutput](t)(c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: &id})),
		"pets v2", 29000, map[string]string{"overwrite:path": "$request.path", "overwrite:querystring.v": "2"})

	// A refused update leaves it as it was.
	_, err := c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: &id, TimeoutInMillis: aws.Int32(10)})
	wantCode(t, err, "BadRequestException", "between 50 ms and 30000 ms")
	check("GetIntegration after a refused update", must[*agw.GetIntegrationOutput](t)(c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: &id})),
		"pets v2", 29000, map[string]string{"overwrite:path": "$request.path", "overwrite:querystring.v": "2"})

	// Switching to a public URL drops the connection id.
	pub := must[*agw.UpdateIntegrationOutput](t)(c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: &id,
		ConnectionType: types.ConnectionTypeInternet, IntegrationUri: aws.String("https://example.com/{proxy}")}))
	got := must[*agw.GetIntegrationOutput](t)(c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: &id}))
	if got.ConnectionType != types.ConnectionTypeInternet || got.ConnectionId != nil || aws.ToString(got.IntegrationUri) != "https://example.com/{proxy}" ||
		aws.ToString(pub.IntegrationUri) != aws.ToString(got.IntegrationUri) {
		t.Fatalf("GetIntegration after switching to a URL %+v", got)
	}

	_, err = c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: aws.String("nope000")})
	wantCode(t, err, "NotFoundException", "Invalid Integration identifier specified 000000000000:nope000")
	_, err = c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: aws.String("noapi00000"), IntegrationId: &id})
	wantCode(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:noapi00000")

	if _, err := c.DeleteIntegration(ctx, &agw.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetIntegration(ctx, &agw.GetIntegrationInput{ApiId: api.ApiId, IntegrationId: &id})
	wantCode(t, err, "NotFoundException", "Invalid Integration identifier specified 000000000000:"+id)
	_, err = c.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: api.ApiId, IntegrationId: &id, Description: aws.String("back")})
	wantCode(t, err, "NotFoundException", id)
	_, err = c.DeleteIntegration(ctx, &agw.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: &id})
	wantCode(t, err, "NotFoundException", id)
}
