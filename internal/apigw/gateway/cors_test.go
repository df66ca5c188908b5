package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/lestrrat-go/jwx/v3/jwa"
)

func (f *fixture) cors(c *types.Cors) {
	f.t.Helper()
	if _, err := f.api.UpdateApi(context.Background(), &agw.UpdateApiInput{ApiId: &f.apiID, CorsConfiguration: c}); err != nil {
		f.t.Fatal(err)
	}
}

// corsBackend answers with CORS headers of its own, which the gateway must
// ignore when the API has a CORS configuration.
func corsBackend(t *testing.T) *backend {
	return newBackend(t, "cors", func(s *http.Server) {
		inner := s.Handler
		s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Max-Age", "1")
			inner.ServeHTTP(w, r)
		})
	})
}

func preflight(origin, method, headers string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h["Access-Control-Request-Headers"] = []string{headers}
	}
	return h
}

// wantHeaders checks CORS response headers one by one; "" means absent.
func wantHeaders(t *testing.T, what string, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got.Get(k); g != v || (v == "" && len(got.Values(k)) > 0) {
			t.Errorf("%s: %s = %q, want %q", what, k, g, v)
		}
	}
}

var allCORS = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age"}

func noCORS(t *testing.T, what string, h http.Header) {
	t.Helper()
	for _, k := range allCORS {
		if v := h.Values(k); len(v) > 0 {
			t.Errorf("%s: unexpected %s: %q", what, k, v)
		}
	}
}

// TestCORS checks preflights and actual requests, header by header, for
// allowed and refused origins, methods and headers, with and without
// credentials, against the CORS guide: the gateway answers preflights with
// 204 without calling authorizers or integrations, adds the configured
// headers to other answers (errors included), and drops the backend's.
func TestCORS(t *testing.T) {
	f := newFixture(t)
	b := corsBackend(t)
	idp := newIssuer(t)
	key := idp.rsaKey("k1")
	integ := f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(b.port), nil, 0)
	auth := f.jwtAuthorizer(idp.url, "portolan-app")
	f.protectedRoute("ANY /pets/{id}", integ, auth)
	f.route("GET /open", integ)
	f.route("OPTIONS /own", integ)
	f.stage("$default", true, nil, nil)
	f.cors(&types.Cors{
		AllowOrigins: []string{"https://app.example.com", "http://*"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"Authorization", "Content-Type"}, ExposeHeaders: []string{"x-backend", "date"},
		MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true),
	})
	const app = "https://app.example.com"
	hits := b.hits.Load()

	// Allowed preflight, on a route behind a JWT authorizer: no token needed.
	r := f.do("OPTIONS", "/pets/1", preflight(app, "POST", "authorization, content-type"))
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("preflight: %d %q", r.status, r.body)
	}
	wantHeaders(t, "preflight", r.header, map[string]string{
		"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "authorization,content-type",
		"Access-Control-Max-Age": "300", "Access-Control-Expose-Headers": "", "Vary": "Origin",
	})
	// A pattern origin.
	r = f.do("OPTIONS", "/pets/1", preflight("http://localhost:3000", "GET", ""))
	wantHeaders(t, "preflight from http://*", r.header, map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000"})
	// Refused: origin, method, header. Still 204, with no CORS headers.
	for what, h := range map[string]http.Header{
		"other origin":    preflight("https://evil.example.com", "GET", ""),
		"https pattern":   preflight("https://other.example.com", "GET", ""),
		"method DELETE":   preflight(app, "DELETE", ""),
		"header x-secret": preflight(app, "GET", "authorization, x-secret"),
	} {
		r := f.do("OPTIONS", "/pets/1", h)
		if r.status != 204 {
			t.Errorf("%s: %d", what, r.status)
		}
		noCORS(t, what, r.header)
	}
	// Preflights to paths with no route are answered too.
	if r := f.do("OPTIONS", "/nowhere", preflight(app, "GET", "")); r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != app {
		t.Errorf("preflight without a route: %d %v", r.status, r.header)
	}
	if n := b.hits.Load(); n != hits {
		t.Fatalf("preflights reached the backend: %d", n-hits)
	}
	// An explicit OPTIONS route receives its preflights.
	if r := f.do("OPTIONS", "/own", preflight(app, "GET", "")); r.status != 200 || r.seen == nil {
		t.Errorf("OPTIONS route: %d %s", r.status, r.body)
	}
	// OPTIONS without Access-Control-Request-Method is no preflight.
	if r := f.do("OPTIONS", "/open", http.Header{"Origin": {app}}); r.status != 404 {
		t.Errorf("plain OPTIONS on a GET route: %d", r.status)
	}

	// Actual requests: the configured headers replace the backend's.
	r = f.do("GET", "/open", http.Header{"Origin": {app}})
	if r.status != 200 {
		t.Fatalf("GET: %d", r.status)
	}
	wantHeaders(t, "actual", r.header, map[string]string{
		"Access-Control-Allow-Origin": app, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers": "x-backend,date", "Access-Control-Allow-Methods": "", "Access-Control-Max-Age": "", "Vary": "Origin",
	})
	r = f.do("GET", "/open", http.Header{"Origin": {"https://evil.example.com"}})
	noCORS(t, "actual from a refused origin", r.header)
	r = f.do("GET", "/open", nil)
	noCORS(t, "actual without Origin", r.header)
	// Errors carry CORS headers, so a page can read its 401.
	r = f.do("GET", "/pets/1", http.Header{"Origin": {app}})
	if r.status != 401 || r.header.Get("Access-Control-Allow-Origin") != app {
		t.Errorf("401 to a CORS request: %d %v", r.status, r.header)
	}
	tok := idp.sign(idp.claims(nil), jwa.RS256(), key, "k1")
	r = f.do("GET", "/pets/1", http.Header{"Origin": {app}, "Authorization": {"Bearer " + tok}})
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != app {
		t.Errorf("authorized CORS request: %d %v", r.status, r.header)
	}

	// Any origin, method and header, without credentials.
	f.cors(&types.Cors{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}})
	r = f.do("OPTIONS", "/pets/1", preflight("https://anyone.example", "PATCH", "x-one,x-two"))
	wantHeaders(t, "wildcard preflight", r.header, map[string]string{
		"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "",
		"Access-Control-Allow-Methods": "PATCH", "Access-Control-Allow-Headers": "x-one,x-two", "Access-Control-Max-Age": "",
	})
	r = f.do("GET", "/open", http.Header{"Origin": {"https://anyone.example"}})
	wantHeaders(t, "wildcard actual", r.header, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ""})

	// Without a CORS configuration the gateway passes the backend's headers
	// through and routes OPTIONS like any method.
	if _, err := f.api.DeleteCorsConfiguration(context.Background(), &agw.DeleteCorsConfigurationInput{ApiId: &f.apiID}); err != nil {
		t.Fatal(err)
	}
	r = f.do("GET", "/open", http.Header{"Origin": {app}})
	wantHeaders(t, "no CORS configuration", r.header, map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT"})
	if r := f.do("OPTIONS", "/open", preflight(app, "GET", "")); r.status != 404 {
		t.Errorf("preflight without CORS configuration: %d", r.status)
	}

	// allowCredentials with a wildcard origin is refused and changes nothing.
	_, err := f.api.UpdateApi(context.Background(), &agw.UpdateApiInput{ApiId: &f.apiID,
		CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}, AllowCredentials: aws.Bool(true)}})
	var bad *types.BadRequestException
	if !errors.As(err, &bad) {
		t.Errorf("credentials with *: %v", err)
	}
	if got, _ := f.api.GetApi(context.Background(), &agw.GetApiInput{ApiId: &f.apiID}); got.CorsConfiguration != nil {
		t.Errorf("refused update changed the API: %+v", got.CorsConfiguration)
	}
}

// TestCORSWithDefaultRoute: the $default route catches preflights itself,
// so with an authorizer on it they get 401, as the CORS guide warns.
func TestCORSWithDefaultRoute(t *testing.T) {
	f := newFixture(t)
	b := newBackend(t, "app")
	idp := newIssuer(t)
	integ := f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(b.port), nil, 0)
	f.protectedRoute("$default", integ, f.jwtAuthorizer(idp.url, "portolan-app"))
	f.stage("$default", true, nil, nil)
	f.cors(&types.Cors{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET"}})
	r := f.do("OPTIONS", "/anything", preflight("https://app.example.com", "GET", ""))
	if r.status != 401 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("preflight to an authorized $default: %d %v", r.status, r.header)
	}
}
