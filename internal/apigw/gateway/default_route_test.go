package gateway_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

// TestDefaultRoute: a plain $default route (no authorizer) catches every
// request no other route matches, whatever its method and path, the root
// included; a more specific route still wins; the backend receives the
// original path and query untouched.
func TestDefaultRoute(t *testing.T) {
	f := newFixture(t)
	a, arnA := f.cloudMapBackend("a")
	b, arnB := f.cloudMapBackend("b")
	// Each route tells the backend which route key matched.
	routeKey := map[string]string{"overwrite:header.X-Route-Key": "$context.routeKey"}
	f.route("$default", f.cloudMapIntegration(arnA, routeKey))
	f.route("GET /pets/{id}", f.cloudMapIntegration(arnB, routeKey))
	f.stage("$default", true, nil, nil)
	f.stage("prod", true, nil, nil)

	for _, tc := range []struct {
		method, path string
		backend      string // "" for a gateway answer
		routeKey     string
		status       int
	}{
		// The specific route wins over $default.
		{"GET", "/pets/7?x=1", "b", "GET /pets/{id}", 200},
		// Everything else falls to $default: other paths, other methods,
		// fewer or more segments, the root.
		{"GET", "/anything/deep/path?x=1&x=2&y=a%20b", "a", "$default", 200},
		{"POST", "/pets/7", "a", "$default", 200},
		{"DELETE", "/pets/7?force=true", "a", "$default", 200},
		{"GET", "/pets", "a", "$default", 200},
		{"GET", "/pets/7/toys", "a", "$default", 200},
		{"GET", "/", "a", "$default", 200},
		{"GET", "/?q=only", "a", "$default", 200},
		{"PUT", "/a%20b/c%2Fd?k=%41", "a", "$default", 200},
		// A named stage: the same routes, and the stage segment stays in
		// the path a private integration receives.
		{"GET", "/prod/pets/9?q=1", "b", "GET /pets/{id}", 200},
		{"GET", "/prod/other?q=1", "a", "$default", 200},
		{"GET", "/prod", "a", "$default", 200},
		// $default does not make refused paths routable.
		{"GET", "/pets/../admin", "", "", 400},
		{"GET", "/a//b", "", "", 400},
		{"GET", "/a/%2e%2e/b", "", "", 400},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			before := a.hits.Load() + b.hits.Load()
			r := f.do(tc.method, tc.path, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.backend == "" {
				if n := a.hits.Load() + b.hits.Load(); n != before {
					t.Fatalf("a backend was called (%d calls)", n-before)
				}
				if string(r.body) != `{"message":"Bad Request"}` {
					t.Fatalf("body %q", r.body)
				}
				return
			}
			s := r.seen
			if s == nil {
				t.Fatalf("no backend answer: %s", r.body)
			}
			// The request target as sent: path (stage included), escapes
			// and query exactly as the client wrote them.
			if s.Backend != tc.backend || s.URI != tc.path || s.Method != tc.method || s.Header.Get("X-Route-Key") != tc.routeKey {
				t.Fatalf("backend saw %s %s %q (route %q), want %s %s %q (route %q)",
					s.Backend, s.Method, s.URI, s.Header.Get("X-Route-Key"), tc.backend, tc.method, tc.path, tc.routeKey)
			}
		})
	}

	// Client headers reach the backend through $default too.
	req := http.Header{"X-Custom": {"v"}}
	r := f.do("PATCH", "/free/form", req)
	if r.status != 200 || r.seen == nil || r.seen.Header.Get("X-Custom") != "v" || r.seen.Header.Get("X-Route-Key") != "$default" {
		t.Fatalf("PATCH via $default: %d %s", r.status, r.body)
	}

	// A $default route to a public bare-host URL passes the path and query
	// through as well (a second API on the same gateway).
	api2, err := f.api.CreateApi(context.Background(), &agw.CreateApiInput{Name: aws.String("public"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	g := *f
	g.apiID = aws.ToString(api2.ApiId)
	g.route("$default", g.urlIntegration("http://127.0.0.1:"+strconv.Itoa(a.port), nil, 0))
	g.stage("$default", true, nil, nil)
	for _, path := range []string{"/", "/x/y%20z?b=2&a=1&a=0", "/pets/7"} {
		r := g.do("GET", path, nil)
		if r.status != 200 || r.seen == nil || r.seen.URI != path {
			t.Errorf("public $default %s: %d, backend saw %+v", path, r.status, r.seen)
		}
	}
}
