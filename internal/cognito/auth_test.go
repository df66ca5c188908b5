package cognito_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// claimsOf decodes a token's payload and header without verifying it.
func claimsOf(t *testing.T, tok string) (claims map[string]any, kid string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", tok)
	}
	for i, into := range []any{&struct{ Kid, Alg string }{}, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
		if h, ok := into.(*struct{ Kid, Alg string }); ok {
			if h.Alg != "RS256" {
				t.Fatalf("alg %q", h.Alg)
			}
			kid = h.Kid
		}
	}
	return claims, kid
}

// TestSignInIssuesCognitoShapedTokens: USER_PASSWORD_AUTH returns an ID
// token for the client (aud) with the user's attributes, an access token
// naming the client (client_id, no aud), both RS256 with the kid of the
// key set the pool's jwks.json serves, and a refresh token.
func TestSignInIssuesCognitoShapedTokens(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	out, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	res := out.AuthenticationResult
	if res == nil || *res.TokenType != "Bearer" || res.ExpiresIn != 3600 || *res.RefreshToken == "" {
		t.Fatalf("result %+v", res)
	}
	iss := "https://cognito-idp.us-east-1.amazonaws.com/" + pool.ID
	id, kid := claimsOf(t, *res.IdToken)
	for k, want := range map[string]any{"aud": pool.ClientID, "iss": iss, "token_use": "id", "cognito:username": "alice", "email": "alice@example.com"} {
		if id[k] != want {
			t.Errorf("id token %s = %v, want %v", k, id[k], want)
		}
	}
	access, akid := claimsOf(t, *res.AccessToken)
	for k, want := range map[string]any{"client_id": pool.ClientID, "iss": iss, "token_use": "access", "username": "alice",
		"scope": "aws.cognito.signin.user.admin", "sub": id["sub"], "origin_jti": id["origin_jti"]} {
		if access[k] != want {
			t.Errorf("access token %s = %v, want %v", k, access[k], want)
		}
	}
	if _, ok := access["aud"]; ok {
		t.Error("access token has aud")
	}
	if exp := access["exp"].(float64) - access["iat"].(float64); exp != 3600 {
		t.Errorf("access token lives %vs", exp)
	}
	// The pool's key set, from its discovery document, verifies both.
	host := "cognito-idp.us-east-1.localhost"
	resp := env.Get(t, host, "/"+pool.ID+"/.well-known/openid-configuration")
	var doc struct {
		Issuer  string
		JWKSURI string `json:"jwks_uri"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	if doc.Issuer != iss || !strings.HasSuffix(doc.JWKSURI, "/"+pool.ID+"/.well-known/jwks.json") {
		t.Fatalf("discovery %+v", doc)
	}
	body, _ := io.ReadAll(env.Get(t, host, "/"+pool.ID+"/.well-known/jwks.json").Body)
	set, err := jwk.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if kid != akid || set.Len() != 1 {
		t.Fatalf("kids %s %s, %d keys", kid, akid, set.Len())
	}
	for _, tok := range []string{*res.IdToken, *res.AccessToken} {
		if _, err := jws.Verify([]byte(tok), jws.WithKeySet(set)); err != nil {
			t.Fatalf("verify with the served key set: %v", err)
		}
	}
	if resp := env.Get(t, host, "/us-east-1_nothere/.well-known/jwks.json"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown pool: %d", resp.StatusCode)
	}
}

// TestWrongPasswordsAndMissingUsers: both answer NotAuthorizedException
// "Incorrect username or password." and nothing tells them apart.
func TestWrongPasswordsAndMissingUsers(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	for _, cred := range [][2]string{{"alice", "Wrong-passw0rd"}, {"bob", pool.Password}, {"ALICE", "nope"}} {
		_, err := pool.SignIn(ctx, c, cred[0], cred[1])
		if api := awstest.WantCode(t, err, "NotAuthorizedException"); api.ErrorMessage() != "Incorrect username or password." {
			t.Fatalf("%v: %q", cred, api.ErrorMessage())
		}
	}
	// User names are case-insensitive.
	if _, err := pool.SignIn(ctx, c, "ALICE", pool.Password); err != nil {
		t.Fatal(err)
	}
	_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &pool.ClientID, AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "SRP_A": "1"}})
	awstest.WantCode(t, err, "InvalidParameterException")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String("nosuchclient"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "x"}})
	awstest.WantCode(t, err, "ResourceNotFoundException")
}

// TestLockout follows Cognito's lockout: five failures, then one second
// locked ("Password attempts exceeded", even for the right password, and
// not counted), then each failure doubles it; success after it clears.
func TestLockout(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	env.Clock.Freeze() // the lockout's seconds pass when the test says so
	wrong := func() string {
		_, err := pool.SignIn(ctx, c, "alice", "Wrong-passw0rd")
		return awstest.WantCode(t, err, "NotAuthorizedException").ErrorMessage()
	}
	for i := range 5 {
		if msg := wrong(); msg != "Incorrect username or password." {
			t.Fatalf("failure %d: %q", i+1, msg)
		}
	}
	for range 3 {
		_, err := pool.SignIn(ctx, c, "alice", pool.Password)
		if msg := awstest.WantCode(t, err, "NotAuthorizedException").ErrorMessage(); msg != "Password attempts exceeded" {
			t.Fatalf("during the lockout: %q", msg)
		}
	}
	env.Clock.Advance(1100 * time.Millisecond)
	if msg := wrong(); msg != "Incorrect username or password." { // the sixth: two seconds now
		t.Fatalf("after the first lockout: %q", msg)
	}
	env.Clock.Advance(1100 * time.Millisecond)
	if msg := wrong(); msg != "Password attempts exceeded" {
		t.Fatalf("inside the doubled lockout: %q", msg)
	}
	env.Clock.Advance(time.Second)
	if _, err := pool.SignIn(ctx, c, "alice", pool.Password); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	// Success started over: five more failures before a lockout.
	for i := range 5 {
		if msg := wrong(); msg != "Incorrect username or password." {
			t.Fatalf("after success, failure %d: %q", i+1, msg)
		}
	}
}

// TestRefreshAndSignOut: a refresh token issues new ID and access tokens
// for the same sign-in; GlobalSignOut revokes it and the access token
// (for Cognito's API); RevokeToken revokes one sign-in.
func TestRefreshAndSignOut(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	first, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	second, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(tok string) (*cip.InitiateAuthOutput, error) {
		return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &pool.ClientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": tok}})
	}
	out, err := refresh(*first.AuthenticationResult.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if out.AuthenticationResult.RefreshToken != nil || out.AuthenticationResult.IdToken == nil {
		t.Fatalf("refresh answered %+v", out.AuthenticationResult)
	}
	was, _ := claimsOf(t, *first.AuthenticationResult.AccessToken)
	now, _ := claimsOf(t, *out.AuthenticationResult.AccessToken)
	if was["origin_jti"] != now["origin_jti"] || was["jti"] == now["jti"] {
		t.Fatalf("refresh: origin %v→%v, jti %v→%v", was["origin_jti"], now["origin_jti"], was["jti"], now["jti"])
	}
	_, err = refresh(*first.AuthenticationResult.RefreshToken + "x")
	awstest.WantCode(t, err, "NotAuthorizedException")

	// RevokeToken ends the first sign-in only.
	if _, err := c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: &pool.ClientID, Token: first.AuthenticationResult.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	_, err = refresh(*first.AuthenticationResult.RefreshToken)
	if msg := awstest.WantCode(t, err, "NotAuthorizedException").ErrorMessage(); msg != "Refresh Token has been revoked" {
		t.Fatalf("revoked: %q", msg)
	}
	if _, err := refresh(*second.AuthenticationResult.RefreshToken); err != nil {
		t.Fatalf("the other sign-in: %v", err)
	}
	if got, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: second.AuthenticationResult.AccessToken}); err != nil || *got.Username != "alice" {
		t.Fatalf("GetUser: %v", err)
	}
	if _, err := c.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: second.AuthenticationResult.AccessToken}); err != nil {
		t.Fatal(err)
	}
	_, err = refresh(*second.AuthenticationResult.RefreshToken)
	awstest.WantCode(t, err, "NotAuthorizedException")
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: second.AuthenticationResult.AccessToken})
	if msg := awstest.WantCode(t, err, "NotAuthorizedException").ErrorMessage(); msg != "Access Token has been revoked" {
		t.Fatalf("after sign-out: %q", msg)
	}
	// A new sign-in works again.
	if _, err := pool.SignIn(ctx, c, pool.Username, pool.Password); err != nil {
		t.Fatal(err)
	}
}

// TestNewPasswordRequired: a user created with a temporary password gets
// the NEW_PASSWORD_REQUIRED challenge, answers it with a password that
// meets the policy, and is signed in; the old password no longer works.
func TestNewPasswordRequired(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool.ID, Username: aws.String("bob"),
		TemporaryPassword: aws.String("Temp-passw0rd")}); err != nil {
		t.Fatal(err)
	}
	out, err := pool.SignIn(ctx, c, "bob", "Temp-passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil || out.AuthenticationResult != nil {
		t.Fatalf("challenge %+v", out)
	}
	respond := func(pw string) (*cip.RespondToAuthChallengeOutput, error) {
		return c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &pool.ClientID, ChallengeName: out.ChallengeName,
			Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "bob", "NEW_PASSWORD": pw}})
	}
	_, err = respond("short")
	if msg := awstest.WantCode(t, err, "InvalidPasswordException").ErrorMessage(); !strings.Contains(msg, "Password not long enough") {
		t.Fatalf("weak password: %q", msg)
	}
	done, err := respond("Brand-new-passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if done.AuthenticationResult == nil || done.AuthenticationResult.IdToken == nil {
		t.Fatalf("no tokens: %+v", done)
	}
	if _, err := respond("Another-passw0rd"); err == nil {
		t.Fatal("a session answered twice")
	}
	u, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool.ID, Username: aws.String("bob")})
	if err != nil || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("status %v %v", u.UserStatus, err)
	}
	_, err = pool.SignIn(ctx, c, "bob", "Temp-passw0rd")
	awstest.WantCode(t, err, "NotAuthorizedException")
}

// TestSecretHashAndGroups: a client with a secret needs SECRET_HASH; the
// groups a user is in reach cognito:groups in both tokens.
func TestSecretHashAndGroups(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool.ID, ClientName: aws.String("server"), GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := *cl.UserPoolClient.ClientId, *cl.UserPoolClient.ClientSecret
	if len(secret) != 51 {
		t.Fatalf("secret %q", secret)
	}
	for i, g := range []string{"admins", "readers"} {
		role := "arn:aws:iam::000000000000:role/" + g
		if _, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool.ID, GroupName: aws.String(g), RoleArn: &role, Precedence: aws.Int32(int32(i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool.ID, Username: aws.String("alice"), GroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool.ID, GroupName: aws.String("admins")})
	awstest.WantCode(t, err, "GroupExistsException")
	signIn := func(hash string) (*cip.AdminInitiateAuthOutput, error) {
		params := map[string]string{"USERNAME": "alice", "PASSWORD": pool.Password}
		if hash != "" {
			params["SECRET_HASH"] = hash
		}
		return c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool.ID, ClientId: &id, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: params})
	}
	_, err = signIn("")
	awstest.WantCode(t, err, "NotAuthorizedException")
	_, err = signIn(secretHash("not the secret", "alice", id))
	awstest.WantCode(t, err, "NotAuthorizedException")
	out, err := signIn(secretHash(secret, "alice", id))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{*out.AuthenticationResult.IdToken, *out.AuthenticationResult.AccessToken} {
		claims, _ := claimsOf(t, tok)
		if groups, _ := json.Marshal(claims["cognito:groups"]); string(groups) != `["admins","readers"]` {
			t.Fatalf("cognito:groups %s", groups)
		}
	}
	idClaims, _ := claimsOf(t, *out.AuthenticationResult.IdToken)
	if roles, _ := json.Marshal(idClaims["cognito:roles"]); string(roles) != `["arn:aws:iam::000000000000:role/admins","arn:aws:iam::000000000000:role/readers"]` ||
		idClaims["cognito:preferred_role"] != "arn:aws:iam::000000000000:role/admins" {
		t.Fatalf("roles %s, preferred %v", roles, idClaims["cognito:preferred_role"])
	}
	// The public client may not use the admin flow's client, and vice versa.
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &id, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": pool.Password, "SECRET_HASH": secretHash(secret, "alice", id)}})
	awstest.WantCode(t, err, "InvalidParameterException")
}
