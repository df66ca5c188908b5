package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// issuer is an OpenID Connect issuer on loopback with one RSA key, and a
// token it signed (audience "bench", valid for a day): what -jwt needs.
type issuer struct {
	url      string
	token    string
	audience string
}

func startIssuer(ctx context.Context) (*issuer, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	pub.Set(jwk.KeyIDKey, "bench")
	set := jwk.NewSet()
	set.AddKey(pub)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &issuer{url: "http://" + ln.Addr().String(), audience: "bench"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.url, "jwks_uri": is.url + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(set) })
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	go func() { <-ctx.Done(); srv.Close() }()

	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"iss": is.url, "aud": "bench", "sub": "bench-user", "scope": "pets/read",
		"iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()})
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, "bench")
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return nil, err
	}
	is.token = string(tok)
	return is, nil
}
