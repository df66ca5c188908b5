package jwtauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// testIssuer serves one RSA key as kid "k1" and returns an Authorizer for
// it and a valid token.
func testIssuer(t testing.TB) (*Authorizer, string) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub.Set(jwk.KeyIDKey, "k1")
	set := jwk.NewSet()
	set.AddKey(pub)
	var url string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			json.NewEncoder(w).Encode(map[string]string{"jwks_uri": url + "/keys"})
			return
		}
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	url = srv.URL
	payload, _ := json.Marshal(map[string]any{"iss": url, "aud": "app", "exp": time.Now().Add(time.Hour).Unix(), "scope": "a b"})
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, "k1")
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return NewAuthorizer(NewKeyring(KeyringConfig{}), url, []string{"app"}), string(tok)
}

// FuzzVerify feeds arbitrary tokens to the verifier: it must never panic,
// and nothing but the one genuine token may pass.
func FuzzVerify(f *testing.F) {
	a, good := testIssuer(f)
	f.Add(good)
	f.Add(good[:len(good)-3] + "AAA")
	f.Add("eyJhbGciOiJub25lIiwia2lkIjoiazEifQ.eyJpc3MiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwiY3JpdCI6WyJ4Il0sIngiOjF9.e30.AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := a.Verify(context.Background(), tok)
		if err == nil && tok != good {
			t.Fatalf("token %q passed with claims %v", tok, c.raw)
		}
	})
}

// FuzzClaims: any payload either parses to claims whose every value renders,
// or is refused.
func FuzzClaims(f *testing.F) {
	f.Add([]byte(`{"exp":1e9,"nbf":1.5,"scp":["a",1],"cognito:groups":["x","y"],"o":{"k":[true,null]}}`))
	f.Add([]byte(`{"exp":"soon"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := parseClaims(payload)
		if err != nil {
			return
		}
		for name := range c.raw {
			if _, ok := c.Claim(name); !ok {
				t.Fatalf("claim %q not rendered", name)
			}
		}
		c.checkTimes(time.Now())
		c.HasAnyScope([]string{"a"})
	})
}
