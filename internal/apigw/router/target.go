package router

import (
	"net/http"
	"strings"
)

// RequestTarget returns the raw (still escaped) path and query as the
// client sent them: the request line, not a normalized URL, is what the
// router must judge and what the backend receives. Both gateways (HTTP and
// REST APIs) call it before ParsePath.
func RequestTarget(r *http.Request) (path, query string, ok bool) {
	uri := r.RequestURI
	if uri == "" || uri[0] != '/' {
		// Absolute form ("GET http://host/p HTTP/1.1") or "*".
		if r.URL == nil || r.URL.Opaque != "" || uri == "*" {
			return "", "", false
		}
		p := r.URL.EscapedPath()
		if p == "" {
			p = "/"
		}
		return p, r.URL.RawQuery, true
	}
	path, query, _ = strings.Cut(uri, "?")
	return path, query, true
}
