package router

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRouteKeyValid(t *testing.T) {
	tests := []struct {
		key     string
		method  string
		path    string
		def     bool
		greedy  bool
		params  []string
		display string
	}{
		{key: "$default", def: true, display: "$default"},
		{key: "GET /", method: "GET", path: "/"},
		{key: "ANY /", method: "ANY", path: "/"},
		{key: "GET /pets", method: "GET", path: "/pets"},
		{key: "POST /pets/{id}", method: "POST", path: "/pets/{id}", params: []string{"id"}},
		{key: "ANY /{proxy+}", method: "ANY", path: "/{proxy+}", greedy: true, params: []string{"proxy"}},
		{key: "GET /pets/{id}/toys/{toyId}", method: "GET", path: "/pets/{id}/toys/{toyId}", params: []string{"id", "toyId"}},
		{key: "PUT /a/{b}/{rest+}", method: "PUT", path: "/a/{b}/{rest+}", greedy: true, params: []string{"b", "rest"}},
		{key: "PATCH /a-b_c.d~e/{x.y:z-w_1}", method: "PATCH", path: "/a-b_c.d~e/{x.y:z-w_1}", params: []string{"x.y:z-w_1"}},
		{key: "DELETE /v1/items:batchDelete", method: "DELETE", path: "/v1/items:batchDelete"},
		{key: "HEAD /!$&'()*+,;=:@", method: "HEAD", path: "/!$&'()*+,;=:@"},
		{key: "OPTIONS /.well-known/x", method: "OPTIONS", path: "/.well-known/x"},
		{key: "GET /...", method: "GET", path: "/..."},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			k, err := ParseRouteKey(tt.key)
			if err != nil {
				t.Fatalf("ParseRouteKey(%q): %v", tt.key, err)
			}
			if k.Method != tt.method || k.Path != tt.path || k.Default != tt.def {
				t.Errorf("got {%q %q %v}, want {%q %q %v}", k.Method, k.Path, k.Default, tt.method, tt.path, tt.def)
			}
			if k.Greedy() != tt.greedy {
				t.Errorf("Greedy() = %v, want %v", k.Greedy(), tt.greedy)
			}
			if !slices.Equal(k.ParamNames(), tt.params) {
				t.Errorf("ParamNames() = %q, want %q", k.ParamNames(), tt.params)
			}
			if k.String() != tt.key {
				t.Errorf("String() = %q, want %q", k.String(), tt.key)
			}
		})
	}
}

func TestParseRouteKeyInvalid(t *testing.T) {
	tests := []struct {
		key    string
		reason string // a fragment of the message
	}{
		{"", "Route key is required"},
		{" ", "method must be"},
		{"$DEFAULT", "one space"},
		{"$default ", "method must be"},
		{"GET", "one space"},
		{"get /pets", "in upper case"},
		{"Get /pets", "in upper case"},
		{"TRACE /pets", "method must be"},
		{"CONNECT /pets", "method must be"},
		{"GET pets", "must start with '/'"},
		{"GET ", "must start with '/'"},
		{"GET  /pets", "must start with '/'"},
		{"GET /pets ", "not allowed"},
		{"GET\t/pets", "one space"},
		{"GET /pets/", "must not end with '/'"},
		{"GET //", "must not end with '/'"},
		{"GET /a//b", "empty segments"},
		{"GET //a", "empty segments"},
		{"GET /{proxy+}/a", "must be the last segment"},
		{"GET /{a+}/{b+}", "must be the last segment"},
		{"GET /{id}/{id}", "appears more than once"},
		{"GET /{id}/x/{id+}", "appears more than once"},
		{"GET /{}", "must have a name"},
		{"GET /{+}", "must have a name"},
		{"GET /{a b}", "may contain only"},
		{"GET /{a/b}", "whole segment"},
		{"GET /{a++}", "may contain only"},
		{"GET /{a+b}", "may contain only"},
		{"GET /pets{id}", "whole segment"},
		{"GET /{id}.json", "whole segment"},
		{"GET /{id", "whole segment"},
		{"GET /id}", "whole segment"},
		{"GET /{", "whole segment"},
		{"GET /a/../b", "'..' segments"},
		{"GET /a/./b", "'..' segments"},
		{"GET /..", "'..' segments"},
		{"GET /a%20b", "not allowed"},
		{"GET /a?b", "not allowed"},
		{"GET /a#b", "not allowed"},
		{"GET /café", "not allowed"},
		{"GET /a\x00b", "not allowed"},
		{"GET /a\\b", "not allowed"},
		{"GET /" + strings.Repeat("a", MaxPathLength), "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			k, err := ParseRouteKey(tt.key)
			if err == nil {
				t.Fatalf("ParseRouteKey(%q) = %+v, want error", tt.key, k)
			}
			var rke *RouteKeyError
			if !errors.As(err, &rke) {
				t.Fatalf("error %T, want *RouteKeyError", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not mention %q", err, tt.reason)
			}
		})
	}
}

func TestRouteKeyShape(t *testing.T) {
	same := [][2]string{
		{"GET /pets/{id}", "GET /pets/{petId}"},
		{"ANY /{proxy+}", "ANY /{rest+}"},
		{"GET /", "GET /"},
	}
	for _, p := range same {
		a, b := mustKey(t, p[0]), mustKey(t, p[1])
		if a.shape() != b.shape() {
			t.Errorf("%s and %s: shapes %q and %q differ", p[0], p[1], a.shape(), b.shape())
		}
	}
	differ := [][2]string{
		{"GET /pets/{id}", "POST /pets/{id}"},
		{"GET /pets/{id}", "GET /pets/{id+}"},
		{"GET /pets/{id}", "GET /pets/id"},
		{"GET /", "GET /{proxy+}"},
	}
	for _, p := range differ {
		a, b := mustKey(t, p[0]), mustKey(t, p[1])
		if a.shape() == b.shape() {
			t.Errorf("%s and %s: same shape %q", p[0], p[1], a.shape())
		}
	}
}

func mustKey(t testing.TB, s string) RouteKey {
	t.Helper()
	k, err := ParseRouteKey(s)
	if err != nil {
		t.Fatalf("ParseRouteKey(%q): %v", s, err)
	}
	return k
}
