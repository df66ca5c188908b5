package cognito_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// machineClient makes a resource server "orders" with scopes read and
// write, a client_credentials client allowed orders/read only, and the
// domain "shop"; it returns the client's id and secret.
func machineClient(t *testing.T, c *cip.Client, poolID string) (string, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: &poolID, Identifier: aws.String("orders"), Name: aws.String("Orders"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")},
			{ScopeName: aws.String("write"), ScopeDescription: aws.String("write")}}}); err != nil {
		t.Fatal(err)
	}
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &poolID, ClientName: aws.String("worker"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"orders/read"}, AllowedOAuthFlowsUserPoolClient: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &poolID, Domain: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	return *cl.UserPoolClient.ClientId, *cl.UserPoolClient.ClientSecret
}

// TestClientCredentials: the domain's POST /oauth2/token gives a client
// with a secret an access token with the resource server scopes it may
// have, and refuses anything else in OAuth's words.
func TestClientCredentials(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	id, secret := machineClient(t, c, pool.ID)

	// The rules on clients: client_credentials needs a secret and
	// existing custom scopes.
	_, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool.ID, ClientName: aws.String("x"),
		AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"orders/read"}, AllowedOAuthFlowsUserPoolClient: true})
	awstest.WantCode(t, err, "InvalidOAuthFlowException")
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool.ID, ClientName: aws.String("x"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"orders/delete"}, AllowedOAuthFlowsUserPoolClient: true})
	awstest.WantCode(t, err, "ScopeDoesNotExistException")

	host := "shop.auth.us-east-1.localhost"
	token := func(form url.Values, user, pass string) (int, map[string]any) {
		req := env.PostForm(t, host, "/oauth2/token", form.Encode())
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp := env.Do(t, req)
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	status, body := token(url.Values{"grant_type": {"client_credentials"}, "scope": {"orders/read"}}, id, secret)
	if status != http.StatusOK || body["token_type"] != "Bearer" || body["expires_in"] != 3600.0 {
		t.Fatalf("%d %v", status, body)
	}
	claims, _ := claimsOf(t, body["access_token"].(string))
	for k, want := range map[string]any{"client_id": id, "sub": id, "scope": "orders/read", "token_use": "access",
		"iss": "https://cognito-idp.us-east-1.amazonaws.com/" + pool.ID} {
		if claims[k] != want {
			t.Errorf("%s = %v, want %v", k, claims[k], want)
		}
	}
	// No scope asked: every scope the client may have.
	if status, body := token(url.Values{"grant_type": {"client_credentials"}}, id, secret); status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	// Credentials in the form work too.
	if status, body := token(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "", ""); status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		code       string
	}{
		{"scope not allowed", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders/write"}}, id, secret, 400, "invalid_scope"},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, id, "nope", 401, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}}, "nobody", secret, 401, "invalid_client"},
		{"client without a secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {pool.ClientID}}, "", "", 400, "invalid_client"},
		{"no grant", url.Values{}, id, secret, 400, "invalid_request"},
		{"odd grant", url.Values{"grant_type": {"password"}}, id, secret, 400, "unsupported_grant_type"},
	} {
		status, body := token(tc.form, tc.user, tc.pass)
		if status != tc.status || body["error"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}
	// grant_type=refresh_token: a user's refresh token, for its client.
	signedIn, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	rt := *signedIn.AuthenticationResult.RefreshToken
	status, body = token(url.Values{"grant_type": {"refresh_token"}, "client_id": {pool.ClientID}, "refresh_token": {rt}}, "", "")
	if idTok, _ := body["id_token"].(string); status != http.StatusOK || idTok == "" || body["access_token"] == nil {
		t.Fatalf("refresh_token grant: %d %v", status, body)
	}
	status, body = token(url.Values{"grant_type": {"refresh_token"}, "client_id": {pool.ClientID}, "refresh_token": {rt + "x"}}, "", "")
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("bad refresh token: %d %v", status, body)
	}
	status, body = token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("another client's refresh token: %d %v", status, body)
	}
	// Only a form is a token request; only POST; only a known domain.
	req := env.PostForm(t, host, "/oauth2/token", `{"grant_type":"client_credentials"}`)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(id, secret)
	if resp := env.Do(t, req); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("json body: %d", resp.StatusCode)
	}
	if resp := env.Get(t, host, "/oauth2/token"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	if resp := env.Do(t, env.PostForm(t, "other.auth.us-east-1.localhost", "/oauth2/token", "grant_type=client_credentials")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown domain: %d", resp.StatusCode)
	}
	// The discovery document names the token endpoint.
	resp := env.Get(t, env.Host("cognito-idp.us-east-1.localhost"), "/"+pool.ID+"/.well-known/openid-configuration")
	var doc map[string]any
	json.NewDecoder(resp.Body).Decode(&doc)
	if te, _ := doc["token_endpoint"].(string); !strings.HasPrefix(te, "http://shop.auth.us-east-1.localhost:") {
		t.Fatalf("token_endpoint %v", doc["token_endpoint"])
	}
}
