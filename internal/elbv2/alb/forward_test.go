package alb

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTraceHeader(t *testing.T) {
	now := time.Unix(0x67891233, 0)
	for _, tc := range []struct{ in, prefix, rest string }{
		{"", "Root=1-67891233-", ""},
		{"Root=1-67891233-abcdef012345678912345678", "Self=1-67891233-", ";Root=1-67891233-abcdef012345678912345678"},
		{"Self=1-1-1;Root=1-2-3;CalledFrom=app", "Self=1-67891233-", ";Root=1-2-3;CalledFrom=app"},
		{"CalledFrom=app", "Root=1-67891233-", ";CalledFrom=app"},
	} {
		got := traceHeader(tc.in, now)
		if !strings.HasPrefix(got, tc.prefix) || !strings.HasSuffix(got, tc.rest) || len(got) != len(tc.prefix)+24+len(tc.rest) {
			t.Errorf("traceHeader(%q) = %q, want %s<24 hex>%s", tc.in, got, tc.prefix, tc.rest)
		}
	}
}

func TestRedirectLocation(t *testing.T) {
	r := &http.Request{Host: "shop.test:8080", URL: &url.URL{Path: "/a/b", RawQuery: "x=1"}}
	for _, tc := range []struct {
		rd   Redirect
		want string
	}{
		{Redirect{Protocol: "HTTPS", Port: "443"}, "https://shop.test:443/a/b?x=1"},
		{Redirect{Host: "www.#{host}", Path: "/new/#{path}", Query: "#{query}&y=2"}, "http://www.shop.test:80/new/a/b?x=1&y=2"},
		{Redirect{Path: "/#{port}/#{host}", Query: ""}, "http://shop.test:80/80/shop.test?x=1"},
	} {
		if got := redirectLocation(r, "80", &tc.rd); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.rd, got, tc.want)
		}
	}
	r.URL.RawQuery = ""
	if got := redirectLocation(r, "80", &Redirect{Path: "/x"}); got != "http://shop.test:80/x" {
		t.Errorf("empty query: %q, want no '?'", got)
	}
}
