package alb

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"
)

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		fold, want bool
	}{
		{"/img/*", "/img/a/b.png", false, true},
		{"/img/*", "/img", false, false},
		{"/img/*.png", "/img/x.png", false, true},
		{"/img/*.png", "/img/x.PNG", false, false},
		{"/img/*.png", "/img/x.PNG", true, true},
		{"/v?/x", "/v1/x", false, true},
		{"/v?/x", "/v12/x", false, false},
		{"*", "", false, true},
		{"", "", false, true},
		{"", "a", false, false},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"*.example.com", "www.Example.COM", true, true},
		{"*.example.com", "example.com", true, false},
		{"**?", "ab", false, true},
	} {
		if got := wildcardMatch(tc.pattern, tc.s, tc.fold); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q, %v) = %v, want %v", tc.pattern, tc.s, tc.fold, got, tc.want)
		}
	}
}

func TestConditions(t *testing.T) {
	req := func(method, target, host string, header http.Header, client string) *request {
		u, _ := url.Parse(target)
		r := &http.Request{Method: method, URL: u, Host: host, Header: header}
		return &request{r: r, client: netip.MustParseAddrPort(client)}
	}
	q := req("GET", "/api/v1/users?tag=Blue&debug", "api.example.com:8080", http.Header{"X-Env": {"prod", "Beta-2"}}, "[::ffff:10.1.2.3]:5000")
	for _, tc := range []struct {
		c    Condition
		want bool
	}{
		{Condition{Field: FieldPathPattern, Values: []string{"/web/*", "/api/*"}}, true},
		{Condition{Field: FieldPathPattern, Values: []string{"*debug*"}}, false}, // the query is not the path
		{Condition{Field: FieldHostHeader, Values: []string{"API.example.com"}}, true},
		{Condition{Field: FieldHTTPHeader, HeaderName: "x-env", Values: []string{"beta-?"}}, true},
		{Condition{Field: FieldHTTPHeader, HeaderName: "x-other", Values: []string{"*"}}, false},
		{Condition{Field: FieldHTTPRequestMethod, Values: []string{"POST", "GET"}}, true},
		{Condition{Field: FieldHTTPRequestMethod, Values: []string{"get"}}, false},
		{Condition{Field: FieldQueryString, Query: []QueryPair{{Key: "tag", Value: "blue"}}}, true},
		{Condition{Field: FieldQueryString, Query: []QueryPair{{Key: "tag", Value: "red"}}}, false},
		{Condition{Field: FieldQueryString, Query: []QueryPair{{Value: "Blu?"}}}, true},
		{Condition{Field: FieldQueryString, Query: []QueryPair{{Key: "debug", Value: ""}}}, true},
		{Condition{Field: FieldSourceIP, Values: []string{"192.168.0.0/16", "10.0.0.0/8"}}, true},
		{Condition{Field: FieldSourceIP, Values: []string{"10.1.2.4/32"}}, false},
	} {
		m, err := compileCondition(tc.c)
		if err != nil {
			t.Fatalf("%+v: %v", tc.c, err)
		}
		if got := m.match(q); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.c, got, tc.want)
		}
	}
	if _, err := compileCondition(Condition{Field: FieldSourceIP, Values: []string{"nope"}}); err == nil {
		t.Error("a bad CIDR compiled")
	}
}

// FuzzConditionMatch: compiling any condition and matching any request
// against it never panics, and a pattern of the text itself always matches.
func FuzzConditionMatch(f *testing.F) {
	f.Add("path-pattern", "/img/*.png", "/img/a.png", "a=b")
	f.Add("host-header", "*.EXAMPLE.com", "/", "")
	f.Add("query-string", "v?*", "/x", "version=v2&x")
	f.Add("source-ip", "10.0.0.0/8", "/", "")
	f.Add("http-header", "**??*", "/%zz", "%%;=&")
	f.Fuzz(func(t *testing.T, field, pattern, path, rawQuery string) {
		c := Condition{Field: field, Values: []string{pattern}, HeaderName: "X-Test", Query: []QueryPair{{Key: pattern, Value: pattern}, {Value: pattern}}}
		m, err := compileCondition(c)
		if err == nil {
			r := &http.Request{Method: pattern, URL: &url.URL{Path: path, RawQuery: rawQuery}, Host: pattern, Header: http.Header{"X-Test": {path}}}
			m.match(&request{r: r, client: netip.MustParseAddrPort("192.0.2.1:1")})
		}
		if !wildcardMatch(path, path, false) { // '*' and '?' match themselves too
			t.Fatalf("%q does not match itself", path)
		}
		if wildcardMatch(pattern, path, false) && !wildcardMatch(pattern, path, true) {
			t.Fatalf("%q matches %q but not when case is ignored", pattern, path)
		}
	})
}
