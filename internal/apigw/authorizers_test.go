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
