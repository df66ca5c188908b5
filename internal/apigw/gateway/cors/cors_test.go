package cors

import (
	"net/http"
	"strings"
	"testing"
)

func req(origin, method, headers string) *http.Request {
	r, _ := http.NewRequest(http.MethodOptions, "http://x/", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if method != "" {
		r.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		r.Header.Set("Access-Control-Request-Headers", headers)
	}
	return r
}

func TestOriginMatching(t *testing.T) {
	p := Compile(&Config{AllowOrigins: []string{"https://App.example.com", "http://*", "https://*.dev.example"}})
	for origin, want := range map[string]bool{
		"https://app.example.com": true, "HTTPS://APP.EXAMPLE.COM": true, "https://app.example.com.evil": false,
		"http://anything:3000": true, "https://x.dev.example": true, "https://dev.example": false,
		"https://evil.example/x.dev.example": false,
		"":                                   false, "null": false,
	} {
		if got := p.AllowOrigin(origin); got != want {
			t.Errorf("AllowOrigin(%q) = %v, want %v", origin, got, want)
		}
	}
}

// FuzzPreflight: whatever a preflight carries, the answer never allows an
// origin the policy refuses, never pairs "*" with credentials, and echoes
// only what was asked.
func FuzzPreflight(f *testing.F) {
	f.Add("https://app.example.com", "GET", "authorization, content-type", true)
	f.Add("http://evil", "DELETE", "x-secret", false)
	f.Add("", "", ",,,", true)
	f.Add("https://app.example.com\r\nX: y", "get", "AUTHORIZATION", false)
	policies := []*Policy{
		Compile(&Config{AllowOrigins: []string{"https://app.example.com", "http://*"}, AllowMethods: []string{"GET", "POST"},
			AllowHeaders: []string{"authorization", "content-type"}, AllowCredentials: true}),
		Compile(&Config{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}),
	}
	f.Fuzz(func(t *testing.T, origin, method, headers string, first bool) {
		p := policies[0]
		if !first {
			p = policies[1]
		}
		r := req(origin, method, headers)
		h := http.Header{}
		ok := p.Preflight(h, r)
		acao := h.Get("Access-Control-Allow-Origin")
		if !ok && len(h) > 0 {
			t.Fatalf("refused preflight wrote headers %v", h)
		}
		if ok && !p.AllowOrigin(r.Header.Get("Origin")) {
			t.Fatalf("origin %q allowed by preflight, refused by policy", origin)
		}
		if acao == "*" && h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatal("* with credentials")
		}
		if ok && p == policies[0] && !strings.EqualFold(acao, r.Header.Get("Origin")) {
			t.Fatalf("allowed origin %q echoed as %q", origin, acao)
		}
		out := http.Header{"Access-Control-Allow-Origin": {"*"}}
		p.Actual(out, r.Header.Get("Origin"))
		if v := out.Get("Access-Control-Allow-Origin"); v != "" && !p.AllowOrigin(r.Header.Get("Origin")) {
			t.Fatalf("actual response kept %q for refused origin %q", v, origin)
		}
	})
}
