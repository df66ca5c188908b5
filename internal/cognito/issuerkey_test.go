package cognito_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/portolan/portolan/internal/apigw/jwtauth"
	"github.com/portolan/portolan/internal/cognito/cognitotest"
)

// noNetwork is a transport that refuses every request and counts them: a
// keyring given it can only verify with local keys.
type noNetwork struct{ calls atomic.Int64 }

func (n *noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	n.calls.Add(1)
	return nil, errors.New("no network in this test")
}

// authorizer is a JWT authorizer for the pool's issuer and client, whose
// keyring asks the Cognito control plane first and has no network.
func authorizer(env *cognitotest.Env, poolID, clientID string, now func() time.Time) (*jwtauth.Authorizer, *noNetwork) {
	net := &noNetwork{}
	keys := jwtauth.NewKeyring(jwtauth.KeyringConfig{Transport: net, Local: env.Cognito, Now: now})
	return jwtauth.NewAuthorizer(keys, "https://cognito-idp.us-east-1.amazonaws.com/"+poolID, []string{clientID}), net
}

func reason(t *testing.T, err error) jwtauth.Reason {
	t.Helper()
	var e *jwtauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return e.Reason
}

// TestAuthorizerTakesLocalKeys: a JWT authorizer whose issuer is a local
// pool verifies its tokens with no network; another pool's token, a
// tampered one and an expired one are refused; an issuer that names no
// local pool is fetched over the network as before.
func TestAuthorizerTakesLocalKeys(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	other := cognitotest.NewPool(t, c)
	out, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	idTok := *out.AuthenticationResult.IdToken
	a, net := authorizer(env, pool.ID, pool.ClientID, time.Now)
	claims, err := a.Verify(ctx, idTok)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := claims.Claim("cognito:username"); u != "alice" {
		t.Fatalf("cognito:username %q", u)
	}
	// The access token has client_id in place of aud.
	if _, err := a.Verify(ctx, *out.AuthenticationResult.AccessToken); err != nil {
		t.Fatal(err)
	}
	theirs, err := other.SignIn(ctx, c, other.Username, other.Password)
	if err != nil {
		t.Fatal(err)
	}
	if r := reason(t, verifyErr(a.Verify(ctx, *theirs.AuthenticationResult.IdToken))); r != jwtauth.ReasonKey {
		t.Fatalf("another pool's token: reason %d", r)
	}
	tampered := idTok[:len(idTok)-6] + "AAAAAA"
	if r := reason(t, verifyErr(a.Verify(ctx, tampered))); r != jwtauth.ReasonSignature {
		t.Fatalf("tampered: reason %d", r)
	}
	late, _ := authorizer(env, pool.ID, pool.ClientID, func() time.Time { return time.Now().Add(2 * time.Hour) })
	if r := reason(t, verifyErr(late.Verify(ctx, idTok))); r != jwtauth.ReasonExpired {
		t.Fatalf("expired: reason %d", r)
	}
	if n := net.calls.Load(); n != 0 {
		t.Fatalf("%d network requests for a local pool", n)
	}
	// A Cognito issuer of a pool that is not here goes to the network
	// (and, with none, is refused).
	gone, net := authorizer(env, "us-east-1_notlocal", pool.ClientID, time.Now)
	if r := reason(t, verifyErr(gone.Verify(ctx, idTok))); r != jwtauth.ReasonKey {
		t.Fatalf("pool elsewhere: reason %d", r)
	}
	if net.calls.Load() == 0 {
		t.Fatal("a pool that is not local was not fetched")
	}
}

func verifyErr(_ *jwtauth.Claims, err error) error { return err }

// TestRestartKeepsPoolsAndKeys: after a restart the users, clients and
// keys are there, tokens issued before still verify, and the refresh
// token still refreshes.
func TestRestartKeepsPoolsAndKeys(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	out, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	jwks := func(e *cognitotest.Env) string {
		b, _ := io.ReadAll(e.Get(t, "cognito-idp.us-east-1.localhost", "/"+pool.ID+"/.well-known/jwks.json").Body)
		return string(b)
	}
	before := jwks(env)
	env.Stop()

	env = cognitotest.Start(t, cognitotest.InDir(env.Dir))
	c = env.Client()
	if after := jwks(env); after != before {
		t.Fatalf("key set changed across the restart:\n%s\n%s", before, after)
	}
	a, _ := authorizer(env, pool.ID, pool.ClientID, time.Now)
	if _, err := a.Verify(ctx, *out.AuthenticationResult.IdToken); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
	if _, err := pool.SignIn(ctx, c, pool.Username, pool.Password); err != nil {
		t.Fatalf("user after the restart: %v", err)
	}
	refreshed, err := pool.Refresh(ctx, c, *out.AuthenticationResult.RefreshToken)
	if err != nil {
		t.Fatalf("refresh token from before the restart: %v", err)
	}
	if _, err := a.Verify(ctx, *refreshed.AuthenticationResult.IdToken); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRotationAddsBeforeRetiring: after a rotation new tokens carry
// the new key's kid, the key set holds both keys, and tokens signed with
// the old key still verify.
func TestKeyRotationAddsBeforeRetiring(t *testing.T) {
	env := cognitotest.Start(t)
	c := env.Client()
	ctx := context.Background()
	pool := cognitotest.NewPool(t, c)
	old, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Cognito.RotateSigningKey(ctx, pool.ID); err != nil {
		t.Fatal(err)
	}
	fresh, err := pool.SignIn(ctx, c, pool.Username, pool.Password)
	if err != nil {
		t.Fatal(err)
	}
	_, oldKID := claimsOf(t, *old.AuthenticationResult.IdToken)
	_, newKID := claimsOf(t, *fresh.AuthenticationResult.IdToken)
	if oldKID == newKID {
		t.Fatal("the rotation kept the signing key")
	}
	b, _ := io.ReadAll(env.Get(t, "cognito-idp.us-east-1.localhost", "/"+pool.ID+"/.well-known/jwks.json").Body)
	set, err := jwk.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, kid := range []string{oldKID, newKID} {
		if _, ok := set.LookupKeyID(kid); !ok {
			t.Fatalf("key set lacks %s", kid)
		}
	}
	a, _ := authorizer(env, pool.ID, pool.ClientID, time.Now)
	for _, tok := range []string{*old.AuthenticationResult.IdToken, *fresh.AuthenticationResult.IdToken} {
		if _, err := a.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// A day later the old key has left with its last tokens.
	env.Clock.Advance(25 * time.Hour)
	if err := env.Cognito.RotateSigningKey(ctx, pool.ID); err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(env.Get(t, "cognito-idp.us-east-1.localhost", "/"+pool.ID+"/.well-known/jwks.json").Body)
	set, _ = jwk.Parse(b)
	if _, ok := set.LookupKeyID(oldKID); ok || set.Len() != 2 {
		t.Fatalf("after retirement: %d keys, old key present %v", set.Len(), ok)
	}
}
