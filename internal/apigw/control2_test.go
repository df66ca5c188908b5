package apigw_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// TestAuthorizerReadBack: GetAuthorizer, GetAuthorizers and
// UpdateAuthorizer return what was stored; a refused update changes
// nothing; deleted authorizers are NotFoundException.
func TestAuthorizerReadBack(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("a"), ProtocolType: types.ProtocolTypeHttp}))

	created := must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("jwt"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.X-Token"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"aud1", "aud2"}}}))
	id := aws.ToString(created.AuthorizerId)
	if len(id) != 6 {
		t.Fatalf("authorizerId %q", id)
	}

	got := must[*agw.GetAuthorizerOutput](t)(c.GetAuthorizer(ctx, &agw.GetAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id}))
	if aws.ToString(got.AuthorizerId) != id || aws.ToString(got.Name) != "jwt" || got.AuthorizerType != types.AuthorizerTypeJwt ||
		!slices.Equal(got.IdentitySource, []string{"$request.header.X-Token"}) ||
		got.JwtConfiguration == nil || aws.ToString(got.JwtConfiguration.Issuer) != "https://issuer.example" ||
		!slices.Equal(got.JwtConfiguration.Audience, []string{"aud1", "aud2"}) {
		t.Fatalf("GetAuthorizer %+v", got)
	}

	other := must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("req"),
		AuthorizerType: types.AuthorizerTypeRequest, AuthorizerUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"),
		AuthorizerPayloadFormatVersion: aws.String("2.0"), IdentitySource: []string{"$request.header.X-Key"}}))
	list := must[*agw.GetAuthorizersOutput](t)(c.GetAuthorizers(ctx, &agw.GetAuthorizersInput{ApiId: api.ApiId}))
	names := map[string]string{}
	for _, a := range list.Items {
		names[aws.ToString(a.AuthorizerId)] = aws.ToString(a.Name)
	}
	if len(list.Items) != 2 || names[id] != "jwt" || names[aws.ToString(other.AuthorizerId)] != "req" || list.NextToken != nil {
		t.Fatalf("GetAuthorizers %+v (next %v)", names, list.NextToken)
	}

	// UpdateAuthorizer changes what it is given and keeps the rest; the
	// change is what GetAuthorizer reads back.
	upd := must[*agw.UpdateAuthorizerOutput](t)(c.UpdateAuthorizer(ctx, &agw.UpdateAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id,
		Name:             aws.String("jwt2"),
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://other.example/realm"), Audience: []string{"aud3"}}}))
	if aws.ToString(upd.Name) != "jwt2" || aws.ToString(upd.JwtConfiguration.Issuer) != "https://other.example/realm" ||
		!slices.Equal(upd.JwtConfiguration.Audience, []string{"aud3"}) || upd.AuthorizerType != types.AuthorizerTypeJwt {
		t.Fatalf("UpdateAuthorizer %+v", upd)
	}
	got = must[*agw.GetAuthorizerOutput](t)(c.GetAuthorizer(ctx, &agw.GetAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id}))
	if aws.ToString(got.Name) != "jwt2" || aws.ToString(got.JwtConfiguration.Issuer) != "https://other.example/realm" ||
		!slices.Equal(got.JwtConfiguration.Audience, []string{"aud3"}) ||
		!slices.Equal(got.IdentitySource, []string{"$request.header.X-Token"}) {
		t.Fatalf("GetAuthorizer after update %+v", got)
	}

	// Refused updates leave the authorizer as it was.
	route := must[*agw.CreateRouteOutput](t)(c.CreateRoute(ctx, &agw.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /me"),
		AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: &id}))
	for _, tc := range []struct {
		name string
		in   agw.UpdateAuthorizerInput
		want string
	}{
		{"plain http issuer", agw.UpdateAuthorizerInput{JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("http://issuer.example"), Audience: []string{"a"}}}, "https"},
		{"no audience", agw.UpdateAuthorizerInput{JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example")}}, "audience"},
		{"empty name", agw.UpdateAuthorizerInput{Name: aws.String("")}, "Name"},
		{"two identity sources", agw.UpdateAuthorizerInput{IdentitySource: []string{"$request.header.A", "$request.header.B"}}, "one identity source"},
		{"type used by a JWT route", agw.UpdateAuthorizerInput{AuthorizerType: types.AuthorizerTypeRequest,
			AuthorizerUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"), AuthorizerPayloadFormatVersion: aws.String("2.0")},
			"GET /me"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.ApiId, tc.in.AuthorizerId = api.ApiId, &id
			_, err := c.UpdateAuthorizer(ctx, &tc.in)
			wantCode(t, err, "BadRequestException", tc.want)
			got := must[*agw.GetAuthorizerOutput](t)(c.GetAuthorizer(ctx, &agw.GetAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id}))
			if aws.ToString(got.Name) != "jwt2" || got.AuthorizerType != types.AuthorizerTypeJwt ||
				aws.ToString(got.JwtConfiguration.Issuer) != "https://other.example/realm" || len(got.IdentitySource) != 1 {
				t.Fatalf("refused update changed the authorizer: %+v", got)
			}
		})
	}

	// Unknown ids and APIs.
	_, err := c.GetAuthorizer(ctx, &agw.GetAuthorizerInput{ApiId: api.ApiId, AuthorizerId: aws.String("nope00")})
	wantCode(t, err, "NotFoundException", "Invalid Authorizer identifier specified 000000000000:nope00")
	_, err = c.UpdateAuthorizer(ctx, &agw.UpdateAuthorizerInput{ApiId: api.ApiId, AuthorizerId: aws.String("nope00"), Name: aws.String("x")})
	wantCode(t, err, "NotFoundException", "nope00")
	_, err = c.GetAuthorizers(ctx, &agw.GetAuthorizersInput{ApiId: aws.String("noapi00000")})
	wantCode(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:noapi00000")

	// Deleted: gone from Get, Update and the listing.
	if _, err := c.DeleteRoute(ctx, &agw.DeleteRouteInput{ApiId: api.ApiId, RouteId: route.RouteId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAuthorizer(ctx, &agw.DeleteAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAuthorizer(ctx, &agw.GetAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id})
	wantCode(t, err, "NotFoundException", "Invalid Authorizer identifier specified 000000000000:"+id)
	_, err = c.UpdateAuthorizer(ctx, &agw.UpdateAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id, Name: aws.String("back")})
	wantCode(t, err, "NotFoundException", id)
	_, err = c.DeleteAuthorizer(ctx, &agw.DeleteAuthorizerInput{ApiId: api.ApiId, AuthorizerId: &id})
	wantCode(t, err, "NotFoundException", id)
	list = must[*agw.GetAuthorizersOutput](t)(c.GetAuthorizers(ctx, &agw.GetAuthorizersInput{ApiId: api.ApiId}))
	if len(list.Items) != 1 || aws.ToString(list.Items[0].AuthorizerId) != aws.ToString(other.AuthorizerId) {
		t.Fatalf("GetAuthorizers after delete %+v", list.Items)
	}
}

// TestDeploymentReadBack: GetDeployment and UpdateDeployment (description,
// the one mutable member); deleted deployments are NotFoundException.
func TestDeploymentReadBack(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("d"), ProtocolType: types.ProtocolTypeHttp}))

	dep := must[*agw.CreateDeploymentOutput](t)(c.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: api.ApiId, Description: aws.String("v1")}))
	id := aws.ToString(dep.DeploymentId)
	got := must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(got.DeploymentId) != id || aws.ToString(got.Description) != "v1" || got.DeploymentStatus != types.DeploymentStatusDeployed ||
		aws.ToBool(got.AutoDeployed) || got.CreatedDate == nil || !got.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("GetDeployment %+v", got)
	}

	upd := must[*agw.UpdateDeploymentOutput](t)(c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id, Description: aws.String("v1, fixed")}))
	if aws.ToString(upd.Description) != "v1, fixed" || aws.ToString(upd.DeploymentId) != id || !upd.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("UpdateDeployment %+v", upd)
	}
	got = must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(got.Description) != "v1, fixed" || got.DeploymentStatus != types.DeploymentStatusDeployed || !got.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("GetDeployment after update %+v", got)
	}
	// An update without a description changes nothing.
	same := must[*agw.UpdateDeploymentOutput](t)(c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(same.Description) != "v1, fixed" {
		t.Fatalf("empty UpdateDeployment %+v", same)
	}

	// The deployment still serves a stage after its description changed.
	st := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"), DeploymentId: &id}))
	if aws.ToString(st.DeploymentId) != id {
		t.Fatalf("stage %+v", st)
	}

	// An automatic deployment reads back as one.
	auto := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	ad := must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: auto.DeploymentId}))
	if !aws.ToBool(ad.AutoDeployed) || ad.DeploymentStatus != types.DeploymentStatusDeployed {
		t.Fatalf("automatic deployment %+v", ad)
	}

	_, err := c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: aws.String("nope00")})
	wantCode(t, err, "NotFoundException", "Invalid Deployment identifier specified 000000000000:nope00")
	_, err = c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: aws.String("nope00"), Description: aws.String("x")})
	wantCode(t, err, "NotFoundException", "nope00")
	_, err = c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: aws.String("noapi00000"), DeploymentId: &id})
	wantCode(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:noapi00000")

	if _, err := c.DeleteStage(ctx, &agw.DeleteStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id})
	wantCode(t, err, "NotFoundException", "Invalid Deployment identifier specified 000000000000:"+id)
	_, err = c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id, Description: aws.String("back")})
	wantCode(t, err, "NotFoundException", id)
	_, err = c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: &id})
	wantCode(t, err, "NotFoundException", id)
}

// TestIntegrationReadBack: GetIntegration returns what CreateIntegration
// and UpdateIntegration stored; deleted integrations are NotFoundException.
func TestIntegrationReadBack(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("i"), ProtocolType: types.ProtocolTypeHttp}))
	link := must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}}))
	const cloudMapARN = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-abc123"

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

// lister is one paginated listing: create makes an item and returns its
// id; list returns one page's ids and its nextToken.
type lister struct {
	name   string
	create func(t *testing.T, c *agw.Client, apiID *string, i int) string
	list   func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error)
}

var listers = []lister{
	{"GetRoutes",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateRouteOutput](t)(c.CreateRoute(context.Background(), &agw.CreateRouteInput{ApiId: apiID,
				RouteKey: aws.String(fmt.Sprintf("GET /r%d", i))})).RouteId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetRoutes(context.Background(), &agw.GetRoutesInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.RouteId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetIntegrations",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateIntegrationOutput](t)(c.CreateIntegration(context.Background(), &agw.CreateIntegrationInput{ApiId: apiID,
				IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String(fmt.Sprintf("http://example.com/%d", i))})).IntegrationId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetIntegrations(context.Background(), &agw.GetIntegrationsInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.IntegrationId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetStages",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			name := "s" + strconv.Itoa(i)
			if i == 0 {
				name = "$default"
			}
			return aws.ToString(must[*agw.CreateStageOutput](t)(c.CreateStage(context.Background(), &agw.CreateStageInput{ApiId: apiID,
				StageName: aws.String(name)})).StageName)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetStages(context.Background(), &agw.GetStagesInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.StageName))
			}
			return ids, out.NextToken, nil
		}},
	{"GetDeployments",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateDeploymentOutput](t)(c.CreateDeployment(context.Background(), &agw.CreateDeploymentInput{ApiId: apiID,
				Description: aws.String(strconv.Itoa(i))})).DeploymentId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetDeployments(context.Background(), &agw.GetDeploymentsInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.DeploymentId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetAuthorizers",
		func(t *testing.T, c *agw.Client, apiID *string, i int) string {
			return aws.ToString(must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(context.Background(), &agw.CreateAuthorizerInput{ApiId: apiID,
				Name: aws.String(fmt.Sprintf("a%d", i)), AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
				JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"aud"}}})).AuthorizerId)
		},
		func(c *agw.Client, apiID *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetAuthorizers(context.Background(), &agw.GetAuthorizersInput{ApiId: apiID, MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.AuthorizerId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetVpcLinks",
		func(t *testing.T, c *agw.Client, _ *string, i int) string {
			return aws.ToString(must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(context.Background(), &agw.CreateVpcLinkInput{
				Name: aws.String(fmt.Sprintf("l%d", i)), SubnetIds: []string{"subnet-1"}})).VpcLinkId)
		},
		func(c *agw.Client, _ *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetVpcLinks(context.Background(), &agw.GetVpcLinksInput{MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.VpcLinkId))
			}
			return ids, out.NextToken, nil
		}},
	{"GetApis",
		func(t *testing.T, c *agw.Client, _ *string, i int) string {
			return aws.ToString(must[*agw.CreateApiOutput](t)(c.CreateApi(context.Background(), &agw.CreateApiInput{
				Name: aws.String(fmt.Sprintf("p%d", i)), ProtocolType: types.ProtocolTypeHttp})).ApiId)
		},
		func(c *agw.Client, _ *string, max, token *string) ([]string, *string, error) {
			out, err := c.GetApis(context.Background(), &agw.GetApisInput{MaxResults: max, NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var ids []string
			for _, it := range out.Items {
				ids = append(ids, aws.ToString(it.ApiId))
			}
			return ids, out.NextToken, nil
		}},
}

// TestPagination: every Get* listing, over N+1 items, pages with
// maxResults; each item is seen exactly once, in id order, full pages
// carry a nextToken and the last page none; bad maxResults and nextToken
// values are BadRequestException.
func TestPagination(t *testing.T) {
	const pageSize, n = 2, 4 // n+1 = 5 items: pages of 2, 2 and 1
	for _, l := range listers {
		t.Run(l.name, func(t *testing.T) {
			env := apigwtest.Start(t)
			c := env.APIClient()
			ctx := context.Background()
			var apiID *string
			if l.name != "GetApis" && l.name != "GetVpcLinks" {
				apiID = must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("p"), ProtocolType: types.ProtocolTypeHttp})).ApiId
			}
			want := map[string]bool{}
			for i := range n + 1 {
				want[l.create(t, c, apiID, i)] = true
			}
			if len(want) != n+1 {
				t.Fatalf("created %d distinct items, want %d", len(want), n+1)
			}

			seen := map[string]int{}
			var all []string
			var token *string
			pages := 0
			for {
				ids, next, err := l.list(c, apiID, aws.String(strconv.Itoa(pageSize)), token)
				if err != nil {
					t.Fatalf("page %d: %v", pages+1, err)
				}
				pages++
				if len(ids) > pageSize {
					t.Fatalf("page %d has %d items, maxResults %d", pages, len(ids), pageSize)
				}
				for _, id := range ids {
					seen[id]++
				}
				all = append(all, ids...)
				if next == nil {
					break
				}
				if aws.ToString(next) == "" || len(ids) != pageSize {
					t.Fatalf("page %d: %d items, nextToken %q", pages, len(ids), aws.ToString(next))
				}
				if pages > n+1 {
					t.Fatalf("more than %d pages: the nextToken does not advance", n+1)
				}
				token = next
			}
			// Full pages, then the rest: ceil((n+1)/pageSize) pages.
			if wantPages := (n + pageSize) / pageSize; pages != wantPages {
				t.Fatalf("%d pages, want %d", pages, wantPages)
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("%s seen %d times", id, seen[id])
				}
			}
			for id := range seen {
				if !want[id] {
					t.Errorf("listed %s, which was not created", id)
				}
			}
			if !slices.IsSorted(all) {
				t.Errorf("listing not in id order: %v", all)
			}

			// A page as large as the listing has no nextToken, and neither
			// does a listing without maxResults.
			for _, max := range []*string{aws.String(strconv.Itoa(n + 1)), nil} {
				ids, next, err := l.list(c, apiID, max, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) != n+1 || next != nil {
					t.Errorf("maxResults %v: %d items, nextToken %v", aws.ToString(max), len(ids), aws.ToString(next))
				}
			}

			for _, tc := range []struct {
				max, token *string
				want       string
			}{
				{aws.String("2"), aws.String("not a token!"), "nextToken"},
				{aws.String("0"), nil, "maxResults"},
				{aws.String("x"), nil, "maxResults"},
				{aws.String("501"), nil, "maxResults"},
			} {
				_, _, err := l.list(c, apiID, tc.max, tc.token)
				wantCode(t, err, "BadRequestException", tc.want)
			}
		})
	}
}
