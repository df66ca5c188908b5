// Command issuer is a tiny OpenID Connect issuer for the jwt-cors example,
// standing in for Cognito: it publishes a discovery document and its RSA
// signing key (JWKS), mints tokens on request, and serves a web page from
// its own origin that calls the API on another one, so a browser shows CORS
// at work.
//
//	go run ./examples/jwt-cors/issuer            # http://127.0.0.1:9400
//	curl 'http://127.0.0.1:9400/token?sub=alice&scope=pets/read'
//
// Every token is for the audience "jwt-cors-app" and lasts an hour. The key
// is made at start, so tokens do not survive a restart of the issuer.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Audience is what the example's authorizer expects in aud.
const Audience = "jwt-cors-app"

func main() {
	addr := flag.String("addr", "127.0.0.1:9400", "listen address; the issuer URL is http://<addr>")
	flag.Parse()
	url := "http://" + *addr

	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	pub, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	kid := fmt.Sprintf("key-%d", time.Now().Unix())
	pub.Set(jwk.KeyIDKey, kid)
	pub.Set(jwk.AlgorithmKey, jwa.RS256())
	pub.Set(jwk.KeyUsageKey, "sig")
	keys := jwk.NewSet()
	keys.AddKey(pub)

	http.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"issuer": url, "jwks_uri": url + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	http.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, keys) })
	// /token mints an access token: ?sub=<user>&scope=<space-separated>.
	http.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		sub := r.FormValue("sub")
		if sub == "" {
			sub = "alice"
		}
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{
			"iss": url, "aud": Audience, "sub": sub, "scope": r.FormValue("scope"),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		})
		hdr := jws.NewHeaders()
		hdr.Set(jws.KeyIDKey, kid)
		hdr.Set(jws.TypeKey, "JWT")
		tok, err := jws.Sign(claims, jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(append(tok, '\n'))
	})
	// The page: a script on this origin calling the API on its own origin
	// (?api=http://<apiId>.execute-api.localhost:8080).
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page.Execute(w, r.FormValue("api"))
	})
	log.Printf("issuer %s (kid %s)", url, kid)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<title>jwt-cors</title>
<pre id="out">calling {{.}}/pets ...</pre>
<script>
(async () => {
  const out = document.getElementById("out");
  try {
    const token = (await (await fetch("/token?sub=browser-user&scope=pets/read")).text()).trim();
    const resp = await fetch({{.}} + "/pets", { headers: { Authorization: "Bearer " + token } });
    out.textContent = resp.status + " " + await resp.text();
  } catch (e) {
    out.textContent = "blocked: " + e;
  }
  document.title = "done";
})();
</script>
`))
