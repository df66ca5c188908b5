package gateway_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/apigw/router"
)

// FuzzGatewayRequest drives the whole request path with arbitrary methods,
// request targets and a header: the gateway never fails (no 500: a panic
// would be recovered into one), a path the router refuses is 400, and
// nothing answered 4xx ever reaches the backend.
//
//	go test ./internal/apigw/gateway -run '^$' -fuzz FuzzGatewayRequest -fuzztime 60s
func FuzzGatewayRequest(f *testing.F) {
	fx := newFixture(f)
	a, arn := fx.cloudMapBackend("a")
	fx.route("ANY /{proxy+}", fx.cloudMapIntegration(arn, map[string]string{
		"append:header.X-Q":       "$request.querystring.q",
		"overwrite:header.X-P":    "${request.path.proxy}",
		"append:querystring.from": "$request.header.X-From",
	}))
	fx.route("GET /pets/{id}", fx.cloudMapIntegration(arn, map[string]string{"overwrite:path": "/v/${request.path.id}"}))
	fx.route("GET /pets/dog/{id}", fx.cloudMapIntegration(arn, nil))
	fx.stage("$default", true, nil, nil)
	fx.stage("prod", true, nil, nil)
	fx.sync()
	host := fx.apiID + ".execute-api.localhost:" + fx.env.GatewayPort
	gw := fx.env.Gateway

	// Seeds: what the functional tests send, and the classic attacks.
	for _, s := range [][4]string{
		{"GET", "/pets/7", "X-From", "a"},
		{"GET", "/prod/pets/7?q=1&q=2", "Accept", "*/*"},
		{"POST", "/test/5", "Content-Type", "application/json"},
		{"GET", "/pets/dog/1", "X-Forwarded-For", "1.2.3.4"},
		{"HEAD", "/", "Connection", "X-From"},
		{"GET", "/pets/../admin", "X-From", "b"},
		{"GET", "/pets/%2e%2e/admin", "", ""},
		{"GET", "/pets/..%2Fadmin", "", ""},
		{"GET", "/pets//7", "", ""},
		{"GET", "/pets/%00", "", ""},
		{"GET", "/a%0d%0aX-Injected:%201?q=%0d%0aX-Evil:1", "X-From", "x"},
		{"PROPFIND", "/prod/", "Upgrade", "websocket"},
		{"GET", "http://" + host + "/pets/7", "", ""},
		{"GET", "/" + strings.Repeat("a/", 600), "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, method, target, hname, hvalue string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n"
		if hname != "" {
			raw += hname + ": " + hvalue + "\r\n"
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
		if err != nil {
			return // net/http's server refuses it before the gateway sees it
		}
		r.RemoteAddr = "127.0.0.1:1234"
		before := a.hits.Load()
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, r)
		status := w.Code
		if status == http.StatusInternalServerError {
			t.Fatalf("%q: 500 %s", raw, w.Body)
		}
		if status >= 400 && status < 500 && a.hits.Load() != before {
			t.Fatalf("%q: answered %d but reached the backend", raw, status)
		}
		if w.Header().Get("Apigw-Requestid") == "" {
			t.Fatalf("%q: no apigw-requestid", raw)
		}
		// Where the API is found by its host, a path the router refuses is 400.
		if path, _, _ := strings.Cut(r.RequestURI, "?"); r.Host == host && strings.HasPrefix(path, "/") {
			rest := path
			if strings.HasPrefix(path, "/prod/") || path == "/prod" {
				rest = path[len("/prod"):]
			}
			if _, err := router.ParsePath(rest); err != nil && status != http.StatusBadRequest {
				t.Fatalf("%q: the router refuses the path (%v) but the gateway answered %d", raw, err, status)
			}
		}
	})
}
