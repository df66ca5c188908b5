package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	apigatewayv2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// claimsBackend answers 200 with the claims the gateway mapped into
// headers.
func claimsBackend(t *testing.T) *httptest.Server {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "email="+r.Header.Get("X-Email")+" scope="+r.Header.Get("X-Scope"))
	}))
	t.Cleanup(b.Close)
	return b
}

// gatewayCall sends GET path with a bearer token to an API through the
// gateway and returns the status and body.
func gatewayCall(t *testing.T, gw, apiID, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+gw+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// awaitRoute waits until the gateway routes path of an API (a new API
// reaches the gateway's snapshot a moment after CreateStage answers):
// until it answers anything but 404.
func awaitRoute(t *testing.T, gw, apiID, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		status, _ := gatewayCall(t, gw, apiID, path, "")
		if status != http.StatusNotFound {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway does not route %s of API %s", path, apiID)
		}
	}
}

// jwtAPI makes an HTTP API whose JWT authorizer names a pool's issuer:
// GET /me for any of the audiences' tokens, GET /orders for those with
// orders/read. Claims reach the backend as X-Email and X-Scope.
func jwtAPI(t *testing.T, c *apigatewayv2.Client, backend, poolID string, audience ...string) string {
	t.Helper()
	ctx := context.Background()
	api, err := c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("shop"), ProtocolType: "HTTP"})
	if err != nil {
		t.Fatal(err)
	}
	integ, err := c.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(backend), PayloadFormatVersion: aws.String("1.0"),
		RequestParameters: map[string]string{"overwrite:header.X-Email": "$context.authorizer.claims.email",
			"overwrite:header.X-Scope": "$context.authorizer.claims.scope"}})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := c.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("cognito"), AuthorizerType: "JWT",
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &apigatewayv2types.JWTConfiguration{Issuer: aws.String("https://cognito-idp.us-east-1.amazonaws.com/" + poolID), Audience: audience}})
	if err != nil {
		t.Fatal(err)
	}
	for key, scopes := range map[string][]string{"GET /me": nil, "GET /orders": {"orders/read"}} {
		if _, err := c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(key), Target: aws.String("integrations/" + *integ.IntegrationId),
			AuthorizationType: "JWT", AuthorizerId: auth.AuthorizerId, AuthorizationScopes: scopes}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	return *api.ApiId
}

// clientCredentials asks a pool domain's token endpoint, on the API port,
// for a client_credentials token.
func clientCredentials(t *testing.T, apiURL, domain, id, secret, scope string) string {
	t.Helper()
	u, _ := url.Parse(apiURL)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:"+u.Port()+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode()))
	req.Host = domain + ".auth.us-east-1.localhost:" + u.Port()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 200 || body.AccessToken == "" {
		t.Fatalf("token endpoint: %d", resp.StatusCode)
	}
	return body.AccessToken
}

// TestCognitoThroughTheCLI is the first must-show, on a server
// that verifies SigV4 (sign-in goes unsigned, as the CLI sends it): the
// AWS CLI creates a pool, a client with ALLOW_USER_PASSWORD_AUTH and a
// user with a permanent password; initiate-auth returns the three
// tokens; an HTTP API whose JWT authorizer names the pool's issuer lets
// the ID token through with its claims reaching the backend; a route
// needing orders/read refuses the user's access token (403) and takes a
// client_credentials token (200); another pool's, a tampered and an
// expired token get 401; refresh works until global-sign-out; after a
// restart users, clients and keys are there and old tokens still pass.
func TestCognitoThroughTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	var offset atomic.Int64
	dir := t.TempDir()
	configure := func(c *server.Config) {
		c.AccessKeyID, c.SecretAccessKey, c.DataDir = "test", "test", dir
		c.CognitoClock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}
	env := servertest.Start(t, configure)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cli := func(v any, args ...string) {
		t.Helper()
		out := awstest.CLI(ctx, t, env.URL, append([]string{"cognito-idp"}, args...)...)
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, out)
			}
		}
	}
	var pool struct{ UserPool struct{ Id string } }
	cli(&pool, "create-user-pool", "--pool-name", "shop")
	id := pool.UserPool.Id
	var client struct {
		UserPoolClient struct{ ClientId, ClientSecret string }
	}
	cli(&client, "create-user-pool-client", "--user-pool-id", id, "--client-name", "web", "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
	web := client.UserPoolClient.ClientId
	cli(nil, "admin-create-user", "--user-pool-id", id, "--username", "alice", "--user-attributes", "Name=email,Value=alice@example.com", "--message-action", "SUPPRESS")
	cli(nil, "admin-set-user-password", "--user-pool-id", id, "--username", "alice", "--password", "Corr3ct-horse!", "--permanent")
	var auth struct {
		AuthenticationResult struct{ IdToken, AccessToken, RefreshToken string }
	}
	cli(&auth, "initiate-auth", "--client-id", web, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=alice,PASSWORD=Corr3ct-horse!")
	tokens := auth.AuthenticationResult
	if tokens.IdToken == "" || tokens.AccessToken == "" || tokens.RefreshToken == "" {
		t.Fatalf("initiate-auth: %+v", tokens)
	}
	cli(nil, "create-resource-server", "--user-pool-id", id, "--identifier", "orders", "--name", "Orders", "--scopes", "ScopeName=read,ScopeDescription=read orders")
	cli(&client, "create-user-pool-client", "--user-pool-id", id, "--client-name", "worker", "--generate-secret", "--allowed-o-auth-flows", "client_credentials",
		"--allowed-o-auth-scopes", "orders/read", "--allowed-o-auth-flows-user-pool-client")
	worker, secret := client.UserPoolClient.ClientId, client.UserPoolClient.ClientSecret
	cli(nil, "create-user-pool-domain", "--user-pool-id", id, "--domain", "shop")

	backend := claimsBackend(t)
	apiID := jwtAPI(t, apigatewayv2.NewFromConfig(env.AWS), backend.URL, id, web, worker)
	gw := env.Server.GatewayAddr()
	awaitRoute(t, gw, apiID, "/me")
	if status, body := gatewayCall(t, gw, apiID, "/me", tokens.IdToken); status != 200 || !strings.HasPrefix(body, "email=alice@example.com ") {
		t.Fatalf("ID token: %d %s", status, body)
	}
	if status, body := gatewayCall(t, gw, apiID, "/orders", tokens.AccessToken); status != 403 {
		t.Fatalf("access token without the scope: %d %s", status, body)
	}
	machine := clientCredentials(t, env.URL, "shop", worker, secret, "orders/read")
	if status, body := gatewayCall(t, gw, apiID, "/orders", machine); status != 200 || body != "email= scope=orders/read" {
		t.Fatalf("client_credentials token: %d %s", status, body)
	}

	// 401: another pool's token, a tampered one, an expired one, none.
	c := cip.NewFromConfig(env.AWS)
	other := cognitotest.NewPool(t, c)
	theirs, err := other.SignIn(ctx, c, other.Username, other.Password)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(-2 * time.Hour))
	old, err := cognitotest.Pool{ID: id, ClientID: web}.SignIn(ctx, c, "alice", "Corr3ct-horse!")
	offset.Store(0)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"another pool's": *theirs.AuthenticationResult.IdToken, "tampered": tokens.IdToken[:len(tokens.IdToken)-4] + "AAAA",
		"expired": *old.AuthenticationResult.IdToken, "no": ""} {
		if status, body := gatewayCall(t, gw, apiID, "/me", tok); status != 401 {
			t.Errorf("%s token: %d %s", name, status, body)
		}
	}

	// Refresh, then global sign-out revokes the refresh token.
	var refreshed struct {
		AuthenticationResult struct{ IdToken, RefreshToken string }
	}
	cli(&refreshed, "initiate-auth", "--client-id", web, "--auth-flow", "REFRESH_TOKEN_AUTH", "--auth-parameters", "REFRESH_TOKEN="+tokens.RefreshToken)
	if status, _ := gatewayCall(t, gw, apiID, "/me", refreshed.AuthenticationResult.IdToken); status != 200 || refreshed.AuthenticationResult.RefreshToken != "" {
		t.Fatalf("refreshed ID token: %d", status)
	}
	cli(nil, "global-sign-out", "--access-token", tokens.AccessToken)
	msg := awstest.CLIFails(ctx, t, env.URL, "cognito-idp", "initiate-auth", "--client-id", web, "--auth-flow", "REFRESH_TOKEN_AUTH",
		"--auth-parameters", "REFRESH_TOKEN="+tokens.RefreshToken)
	if !strings.Contains(msg, "NotAuthorizedException") || !strings.Contains(msg, "Refresh Token has been revoked") {
		t.Fatalf("refresh after global-sign-out: %s", msg)
	}

	// A restart keeps users, clients and keys: tokens from before pass.
	env.Stop()
	env = servertest.Start(t, configure)
	gw = env.Server.GatewayAddr()
	for name, tok := range map[string]string{"ID": tokens.IdToken, "client_credentials": machine} {
		path := map[string]string{"ID": "/me", "client_credentials": "/orders"}[name]
		if status, body := gatewayCall(t, gw, apiID, path, tok); status != 200 {
			t.Fatalf("%s token from before the restart: %d %s", name, status, body)
		}
	}
	cli(&auth, "initiate-auth", "--client-id", web, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=alice,PASSWORD=Corr3ct-horse!")
	if status, _ := gatewayCall(t, gw, apiID, "/me", auth.AuthenticationResult.IdToken); status != 200 {
		t.Fatalf("sign-in after the restart: %d", status)
	}
}

// TestCognitoTemplate deploys, with `aws cloudformation deploy`, a pool,
// its clients, resource server, domain, group and user, and an HTTP API
// whose JWT authorizer's issuer comes from the pool's ProviderURL (as
// CDK's HttpUserPoolAuthorizer has it); the API enforces it; deleting
// the stack deletes the pool.
func TestCognitoTemplate(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := cfnCLI{t, ctx, env.URL}
	backend := claimsBackend(t)
	cli.run(0, "cloudformation", "deploy", "--template-file", "testdata/cognito-http-api.yaml", "--stack-name", "shop",
		"--parameter-overrides", "Backend="+backend.URL)
	st := cli.stack("shop")
	poolID, apiID := st.output("PoolId"), st.output("ApiId")
	want := "https://cognito-idp.us-east-1.amazonaws.com/" + poolID
	if st.output("Issuer") != want || st.output("CdkIssuer") != want || st.output("ProviderName") != strings.TrimPrefix(want, "https://") ||
		st.output("PoolArn") != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+poolID || len(st.output("WorkerSecret")) != 51 {
		t.Fatalf("outputs %+v", st.Outputs)
	}
	c := cip.NewFromConfig(env.AWS)
	// The user the template made has no password until one is set.
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID, Username: aws.String("alice"),
		Password: aws.String("Long-enough-1"), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &poolID, Username: aws.String("alice"), GroupName: aws.String("admins")}); err != nil {
		t.Fatal(err)
	}
	out, err := cognitotest.Pool{ID: poolID, ClientID: st.output("ClientId")}.SignIn(ctx, c, "alice", "Long-enough-1")
	if err != nil {
		t.Fatal(err)
	}
	gw := env.Server.GatewayAddr()
	awaitRoute(t, gw, apiID, "/me")
	if status, body := gatewayCall(t, gw, apiID, "/me", *out.AuthenticationResult.IdToken); status != 200 || !strings.HasPrefix(body, "email=alice@example.com") {
		t.Fatalf("ID token: %d %s", status, body)
	}
	if status, _ := gatewayCall(t, gw, apiID, "/me", ""); status != 401 {
		t.Fatalf("no token: %d", status)
	}
	if status, _ := gatewayCall(t, gw, apiID, "/orders", *out.AuthenticationResult.AccessToken); status != 403 {
		t.Fatalf("no scope: %d", status)
	}
	machine := clientCredentials(t, env.URL, st.output("Domain"), st.output("WorkerId"), st.output("WorkerSecret"), "orders/read")
	if status, body := gatewayCall(t, gw, apiID, "/orders", machine); status != 200 {
		t.Fatalf("client_credentials: %d %s", status, body)
	}

	cli.run(0, "cloudformation", "delete-stack", "--stack-name", "shop")
	cli.run(0, "cloudformation", "wait", "stack-delete-complete", "--stack-name", "shop")
	_, err = c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID})
	awstest.WantCode(t, err, "ResourceNotFoundException")
}
