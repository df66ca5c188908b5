package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// issuer is an OpenID Connect provider on loopback: a discovery document,
// a JWKS endpoint serving the public halves of its current keys, and a
// signer for tokens. Keys are real RSA (and one EC) keys.
type issuer struct {
	t       testing.TB
	srv     *httptest.Server
	url     string
	mu      sync.Mutex
	keys    map[string]any // kid -> private key, as published
	fetches atomic.Int64   // JWKS downloads
}

func newIssuer(t testing.TB) *issuer {
	is := &issuer{t: t, keys: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.url, "jwks_uri": is.url + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		set := jwk.NewSet()
		for kid, priv := range is.keys {
			var pub any
			switch k := priv.(type) {
			case *rsa.PrivateKey:
				pub = &k.PublicKey
			case *ecdsa.PrivateKey:
				pub = &k.PublicKey
			}
			key, err := jwk.Import(pub)
			if err != nil {
				t.Error(err)
				return
			}
			key.Set(jwk.KeyIDKey, kid)
			key.Set(jwk.KeyUsageKey, "sig")
			set.AddKey(key)
		}
		json.NewEncoder(w).Encode(set)
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	is.url = is.srv.URL
	return is
}

// rsaKey publishes a new RSA key under kid and returns it.
func (is *issuer) rsaKey(kid string) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		is.t.Fatal(err)
	}
	is.publish(kid, k)
	return k
}

func (is *issuer) ecKey(kid string) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		is.t.Fatal(err)
	}
	is.publish(kid, k)
	return k
}

func (is *issuer) publish(kid string, key any) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys[kid] = key
}

func (is *issuer) unpublish(kid string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	delete(is.keys, kid)
}

// claims are a token's claims: valid ones for audience "portolan-app"
// unless the test changes them.
func (is *issuer) claims(extra map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": is.url, "aud": "portolan-app", "sub": "user-1",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"scope": "pets/read openid", "cognito:groups": []string{"admins", "users"},
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign makes a compact JWS of claims with key, alg and kid.
func (is *issuer) sign(claims map[string]any, alg jwa.SignatureAlgorithm, key any, kid string) string {
	is.t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		is.t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, kid)
	hdr.Set(jws.TypeKey, "JWT")
	tok, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		is.t.Fatal(err)
	}
	return string(tok)
}

// unsigned makes an "alg":"none" token, which no library will sign.
func unsigned(claims map[string]any, kid string) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "none", "kid": kid, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + "."
}

// publicKeyPEM is the PEM of an RSA public key: the HMAC secret of the
// classic RS256-to-HS256 confusion attack.
func publicKeyPEM(t testing.TB, k *rsa.PrivateKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
