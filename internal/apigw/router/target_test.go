package router

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

func TestRequestTarget(t *testing.T) {
	for _, c := range []struct {
		line        string
		path, query string
		ok          bool
	}{
		{"GET /pets/%2F1?a=b&c HTTP/1.1", "/pets/%2F1", "a=b&c", true}, // escapes kept as sent
		{"GET /a//b/../c HTTP/1.1", "/a//b/../c", "", true},            // not normalized: the router judges it
		{"GET http://host/p?x=1 HTTP/1.1", "/p", "x=1", true},          // absolute form
		{"GET http://host HTTP/1.1", "/", "", true},
		{"OPTIONS * HTTP/1.1", "", "", false},
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(c.line + "\r\nHost: h\r\n\r\n")))
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		path, query, ok := RequestTarget(r)
		if path != c.path || query != c.query || ok != c.ok {
			t.Errorf("%s: %q %q %v, want %q %q %v", c.line, path, query, ok, c.path, c.query, c.ok)
		}
	}
}
