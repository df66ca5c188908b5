package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// jwtAuthorizer creates a JWT authorizer for the issuer and audience.
func (f *fixture) jwtAuthorizer(issuerURL string, audience ...string) string {
	f.t.Helper()
	out, err := f.api.CreateAuthorizer(context.Background(), &agw.CreateAuthorizerInput{ApiId: &f.apiID, Name: aws.String("idp"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: &issuerURL, Audience: audience}})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.AuthorizerId)
}

// protectedRoute creates a route behind a JWT authorizer.
func (f *fixture) protectedRoute(key, integ, authorizer string, scopes ...string) {
	f.t.Helper()
	if _, err := f.api.CreateRoute(context.Background(), &agw.CreateRouteInput{ApiId: &f.apiID, RouteKey: &key,
		Target: aws.String("integrations/" + integ), AuthorizationType: types.AuthorizationTypeJwt,
		AuthorizerId: &authorizer, AuthorizationScopes: scopes}); err != nil {
		f.t.Fatal(err)
	}
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// TestJWTAuthorizer runs a real OIDC issuer on loopback (discovery
// document, JWKS, RSA and EC keys, signed tokens) and checks every way a
// token can be good or bad. A refused request must never reach the
// backend; a valid one carries its claims to the backend through parameter
// mapping and into the access log.
func TestJWTAuthorizer(t *testing.T) {
	env := apigwtest.Start(t)
	f := fixtureFor(t, env)
	idp := newIssuer(t)
	k1 := idp.rsaKey("k1")
	ec := idp.ecKey("ec1")
	b := newBackend(t, "app")
	svcID, svcARN := f.service("app", false)
	f.register(svcID, "i-1", b.port)
	integ := f.cloudMapIntegration(svcARN, map[string]string{
		"overwrite:header.x-user":   "$context.authorizer.claims.sub",
		"overwrite:header.x-groups": "${context.authorizer.claims.cognito:groups}",
	})
	auth := f.jwtAuthorizer(idp.url, "portolan-app", "other-app")
	f.protectedRoute("GET /pets", integ, auth)
	f.protectedRoute("POST /pets", integ, auth, "pets/write", "pets/admin")
	f.route("GET /public", integ)
	f.stage("$default", true, nil, &types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:access"),
		Format: aws.String("$context.status $context.authorizer.claims.sub $context.authorizer.error $context.requestId")})

	good := idp.sign(idp.claims(nil), jwa.RS256(), k1, "k1")
	r := f.do("GET", "/pets", bearer(good))
	if r.status != 200 || r.seen == nil {
		t.Fatalf("valid token: %d %s", r.status, r.body)
	}
	if got := r.seen.Header.Get("X-User"); got != "user-1" {
		t.Errorf("claim sub mapped to x-user = %q", got)
	}
	if got := r.seen.Header.Get("X-Groups"); got != "[admins users]" {
		t.Errorf("claim cognito:groups mapped to x-groups = %q", got)
	}
	// The token alone, without "Bearer ", is accepted too.
	if r := f.do("GET", "/pets", http.Header{"Authorization": {good}}); r.status != 200 {
		t.Errorf("token without Bearer prefix: %d %s", r.status, r.body)
	}
	// client_id stands in for a missing aud.
	if r := f.do("GET", "/pets", bearer(idp.sign(idp.claims(map[string]any{"aud": nil, "client_id": "other-app"}), jwa.RS256(), k1, "k1"))); r.status != 200 {
		t.Errorf("client_id instead of aud: %d %s", r.status, r.body)
	}
	// RSA-PSS is RSA-based: accepted.
	if r := f.do("GET", "/pets", bearer(idp.sign(idp.claims(nil), jwa.PS256(), k1, "k1"))); r.status != 200 {
		t.Errorf("PS256: %d %s", r.status, r.body)
	}

	hits := b.hits.Load()
	refused := refusedTokens(t, idp, k1, ec, good)
	for _, c := range refused {
		r := f.do("GET", "/pets", c.header)
		switch {
		case c.name == "over the size limit":
			// The request head is over the 10,240-byte quota: refused
			// before routing, whatever the token.
			if r.status != 431 && r.status != 401 {
				t.Errorf("%s: %d %s", c.name, r.status, r.body)
			}
		case r.status != 401 || string(r.body) != `{"message":"Unauthorized"}` || r.header.Get("Www-Authenticate") != "Bearer":
			t.Errorf("%s: %d %s %v", c.name, r.status, r.body, r.header)
		}
	}
	// Scopes: at least one of the route's, from scope or scp.
	if r := f.do("POST", "/pets", bearer(good)); r.status != 403 || string(r.body) != `{"message":"Forbidden"}` {
		t.Errorf("missing scope: %d %s", r.status, r.body)
	}
	if n := b.hits.Load(); n != hits {
		t.Fatalf("refused requests reached the backend: %d hits", n-hits)
	}
	withScope := idp.sign(idp.claims(map[string]any{"scope": "openid pets/admin"}), jwa.RS256(), k1, "k1")
	if r := f.do("POST", "/pets", bearer(withScope)); r.status != 200 {
		t.Errorf("scope pets/admin: %d %s", r.status, r.body)
	}
	withScp := idp.sign(idp.claims(map[string]any{"scope": nil, "scp": []string{"pets/write"}}), jwa.RS256(), k1, "k1")
	if r := f.do("POST", "/pets", bearer(withScp)); r.status != 200 {
		t.Errorf("scp [pets/write]: %d %s", r.status, r.body)
	}
	// Routes without an authorizer do not look at tokens.
	if r := f.do("GET", "/public", bearer("garbage")); r.status != 200 {
		t.Errorf("public route: %d", r.status)
	}

	checkKeyRotation(t, f, idp)

	// The access log has the claims of passed requests and the reason of
	// refused ones.
	var sawClaim, sawError bool
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !(sawClaim && sawError) {
		for _, l := range env.Sink.Lines("access", f.apiID+"_$default") {
			sawClaim = sawClaim || strings.HasPrefix(l.Message, "200 user-1 ")
			sawError = sawError || strings.HasPrefix(l.Message, "401 - the token has expired")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawClaim || !sawError {
		t.Errorf("access log lines: %v", env.Sink.Lines("access", f.apiID+"_$default"))
	}
}

// refusedToken is a request the authorizer must refuse, named for what is
// wrong with its token.
type refusedToken struct {
	name   string
	header http.Header
}

// refusedTokens lists every bad token TestJWTAuthorizer sends: k1 is the
// issuer's RSA key, ec its EC key, good a valid token signed with k1.
func refusedTokens(t *testing.T, idp *issuer, k1 *rsa.PrivateKey, ec *ecdsa.PrivateKey, good string) []refusedToken {
	now := time.Now()
	huge := strings.Repeat("x", 12000)
	return []refusedToken{
		{"no token", nil},
		{"empty bearer", http.Header{"Authorization": {"Bearer "}}},
		{"malformed", bearer("not-a-token")},
		{"three garbage parts", bearer("abc.def.ghi")},
		{"alg none", bearer(unsigned(idp.claims(nil), "k1"))},
		{"HS256 signed with the public key", bearer(idp.sign(idp.claims(nil), jwa.HS256(), publicKeyPEM(t, k1), "k1"))},
		{"unknown kid", bearer(idp.sign(idp.claims(nil), jwa.RS256(), k1, "nope"))},
		{"signed by another key", bearer(idp.sign(idp.claims(nil), jwa.RS256(), mustRSA(t), "k1"))},
		{"EC key (only RSA is accepted)", bearer(idp.sign(idp.claims(nil), jwa.ES256(), ec, "ec1"))},
		{"expired", bearer(idp.sign(idp.claims(map[string]any{"exp": now.Add(-time.Hour).Unix()}), jwa.RS256(), k1, "k1"))},
		{"no exp", bearer(idp.sign(idp.claims(map[string]any{"exp": nil}), jwa.RS256(), k1, "k1"))},
		{"not yet valid", bearer(idp.sign(idp.claims(map[string]any{"nbf": now.Add(time.Hour).Unix()}), jwa.RS256(), k1, "k1"))},
		{"issued in the future", bearer(idp.sign(idp.claims(map[string]any{"iat": now.Add(time.Hour).Unix()}), jwa.RS256(), k1, "k1"))},
		{"wrong issuer", bearer(idp.sign(idp.claims(map[string]any{"iss": "https://evil.example.com"}), jwa.RS256(), k1, "k1"))},
		{"wrong audience", bearer(idp.sign(idp.claims(map[string]any{"aud": "someone-else"}), jwa.RS256(), k1, "k1"))},
		{"aud wrong, client_id right", bearer(idp.sign(idp.claims(map[string]any{"aud": "someone-else", "client_id": "portolan-app"}), jwa.RS256(), k1, "k1"))},
		{"tampered payload", bearer(tamper(good))},
		{"two Authorization headers", http.Header{"Authorization": {"Bearer " + good, "Bearer " + good}}},
		{"over the size limit", bearer(idp.sign(idp.claims(map[string]any{"pad": huge}), jwa.RS256(), k1, "k1"))},
	}
}

// checkKeyRotation: the issuer publishes k2 and drops k1. A token signed
// with k2 makes the gateway refetch the key set (at most once a second),
// then passes; a burst of unknown kids does not make it refetch each time.
func checkKeyRotation(t *testing.T, f *fixture, idp *issuer) {
	t.Helper()
	fetches := idp.fetches.Load()
	k2 := idp.rsaKey("k2")
	idp.unpublish("k1")
	rotated := idp.sign(idp.claims(nil), jwa.RS256(), k2, "k2")
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := f.do("GET", "/pets", bearer(rotated))
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token signed with the rotated key: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := idp.fetches.Load() - fetches; n < 1 || n > 6 {
		t.Errorf("key rotation took %d key set fetches", n)
	}
	// A burst of tokens with made-up kids costs the issuer little.
	fetches = idp.fetches.Load()
	for i := range 50 {
		f.do("GET", "/pets", bearer(idp.sign(idp.claims(nil), jwa.RS256(), k2, "made-up-"+string(rune('a'+i%26)))))
	}
	if n := idp.fetches.Load() - fetches; n > 3 {
		t.Errorf("50 unknown kids caused %d key set fetches", n)
	}
}

// TestJWTAuthorizerValidation: the control plane refuses issuers that are
// neither https nor http on loopback, and over-long scope lists.
func TestJWTAuthorizerValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, iss := range []string{"http://idp.example.com", "ftp://localhost", "not a url", "https://"} {
		_, err := f.api.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: &f.apiID, Name: aws.String("x"), AuthorizerType: types.AuthorizerTypeJwt,
			IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String(iss), Audience: []string{"a"}}})
		var bad *types.BadRequestException
		if !errors.As(err, &bad) {
			t.Errorf("issuer %q: %v", iss, err)
		}
	}
	for _, iss := range []string{"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "http://localhost:9000/realms/dev", "http://127.0.0.1:8081"} {
		if _, err := f.api.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: &f.apiID, Name: aws.String("ok"), AuthorizerType: types.AuthorizerTypeJwt,
			IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String(iss), Audience: []string{"a"}}}); err != nil {
			t.Errorf("issuer %q: %v", iss, err)
		}
	}
}

func mustRSA(t testing.TB) any {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tamper changes one character of a token's payload, keeping its signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	if p[5] == 'A' {
		p[5] = 'B'
	} else {
		p[5] = 'A'
	}
	return parts[0] + "." + string(p) + "." + parts[2]
}
