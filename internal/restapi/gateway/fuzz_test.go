package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzGatewayRequest sends fuzzed hosts, methods, paths and headers
// straight to the gateway's handler, over a public API (a key-required
// method, a greedy MOCK resource, a resource policy) and a private one:
// nothing panics, every answer is one the gateway documents, and every
// answer carries the request ids.
func FuzzGatewayRequest(f *testing.F) {
	fx := newFixture(f)
	public, root := fx.api("public", false, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}`)
	pets := fx.resource(public, root, "pets")
	fx.mockMethod(public, pets, "GET", true)
	px := fx.resource(public, root, "{proxy+}")
	fx.mockMethod(public, px, "ANY", false)
	fx.deploy(public, "prod")
	vpce := fx.endpoint("vpc-0aaaaaaa", false)
	private, proot := fx.api("private", true, denyUnlessVpce(vpce))
	fx.mockMethod(private, proot, "GET", false)
	fx.deploy(private, "prod")

	for _, s := range []struct{ method, host, path, key string }{
		{"GET", public + ".execute-api.localhost", "/prod/pets", ""},
		{"GET", public + ".execute-api.localhost:8080", "/prod/a/b%2Fc?x=1", "k"},
		{"DELETE", public + ".execute-api.us-east-1.amazonaws.com", "/prod/x", ""},
		{"GET", private + "-" + vpce + ".execute-api.localhost", "/prod/", ""},
		{"GET", vpce + "-abc.execute-api.us-east-1.vpce.amazonaws.com", "/prod", private},
		{"get", "X.EXECUTE-API.LOCALHOST", "/%zz", ""},
		{"GET", "", "*", ""},
	} {
		f.Add(s.method, s.host, s.path, s.key)
	}
	statuses := map[int]bool{200: true, 400: true, 403: true, 413: true, 415: true, 429: true, 500: true, 504: true}
	f.Fuzz(func(t *testing.T, method, host, path, key string) {
		if method == "" || strings.ContainsAny(method, " \r\n") || !utf8.ValidString(host) {
			return
		}
		r := &http.Request{Method: method, Host: host, RequestURI: path, Header: http.Header{}, Body: http.NoBody,
			RemoteAddr: "127.0.0.1:4000", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		if key != "" {
			r.Header["X-Api-Key"] = []string{key}
			r.Header["X-Apigw-Api-Id"] = []string{key}
		}
		r.URL = &url.URL{Path: "/"}
		w := httptest.NewRecorder()
		fx.gw.ServeHTTP(w, r)
		if !statuses[w.Code] {
			t.Fatalf("%s %q %q: status %d %s", method, host, path, w.Code, w.Body)
		}
		if w.Header().Get("X-Amzn-Requestid") == "" || w.Header().Get("X-Amz-Apigw-Id") == "" {
			t.Fatalf("no request ids: %v", w.Header())
		}
		if w.Code != 200 && w.Header().Get("X-Amzn-Errortype") == "" {
			t.Fatalf("%d without x-amzn-ErrorType", w.Code)
		}
	})
}
