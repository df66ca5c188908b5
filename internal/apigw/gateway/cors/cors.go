// Package cors applies an HTTP API's corsConfiguration, as "Configure CORS
// for HTTP APIs in API Gateway" describes it: the gateway answers preflight
// requests itself, adds the configured headers to other responses, and
// ignores whatever CORS headers the integration sends. A request gets CORS
// headers only when it has an Origin header (and, for a preflight, an
// Access-Control-Request-Method header) that the configuration allows.
//
// allowOrigins entries are exact origins (compared case-insensitively), "*"
// for any origin, or patterns with one "*" such as "https://*" (any https
// origin, as AWS documents) or "https://*.example.com". allowMethods and
// allowHeaders take "*" for any. Where AWS does not document an answer
// (docs/compat.md): a preflight that asks for a method or header the
// configuration does not allow gets no CORS headers, so the browser blocks
// it; "*" in allowMethods or allowHeaders answers with the method and
// headers the preflight asked for, which browsers accept with credentials
// too.
package cors

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Config is a corsConfiguration.
type Config struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	MaxAge           *int32
	AllowCredentials bool
}

// Policy is a compiled Config. It is immutable and safe to share.
type Policy struct {
	anyOrigin   bool
	origins     map[string]bool // lower case
	patterns    []pattern
	anyMethod   bool
	methods     map[string]bool
	methodList  []string // Access-Control-Allow-Methods, pre-joined
	anyHeader   bool
	headers     map[string]bool // lower case
	headerList  []string
	expose      []string
	maxAge      []string
	credentials bool
}

type pattern struct{ prefix, suffix string }

// Header names, in canonical form for direct map access.
const (
	hOrigin        = "Origin"
	hRequestMethod = "Access-Control-Request-Method"
	hRequestHdrs   = "Access-Control-Request-Headers"
	hAllowOrigin   = "Access-Control-Allow-Origin"
	hAllowCreds    = "Access-Control-Allow-Credentials"
	hAllowMethods  = "Access-Control-Allow-Methods"
	hAllowHeaders  = "Access-Control-Allow-Headers"
	hExposeHeaders = "Access-Control-Expose-Headers"
	hMaxAge        = "Access-Control-Max-Age"
	hVary          = "Vary"
)

var (
	trueValue  = []string{"true"}
	starValue  = []string{"*"}
	varyOrigin = "Origin"
)

// Compile builds the Policy for a configuration; nil for none.
func Compile(c *Config) *Policy {
	if c == nil {
		return nil
	}
	p := &Policy{origins: map[string]bool{}, methods: map[string]bool{}, headers: map[string]bool{}, credentials: c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		o = strings.ToLower(strings.TrimSpace(o))
		switch i := strings.IndexByte(o, '*'); {
		case o == "*":
			p.anyOrigin = true
		case i >= 0:
			p.patterns = append(p.patterns, pattern{o[:i], o[i+1:]})
		case o != "":
			p.origins[o] = true
		}
	}
	var methods []string
	for _, m := range c.AllowMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m == "*" {
			p.anyMethod = true
		} else if m != "" {
			p.methods[m] = true
			methods = append(methods, m)
		}
	}
	if !p.anyMethod && len(methods) > 0 {
		p.methodList = []string{strings.Join(methods, ",")}
	}
	var headers []string
	for _, h := range c.AllowHeaders {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "*" {
			p.anyHeader = true
		} else if h != "" {
			p.headers[h] = true
			headers = append(headers, h)
		}
	}
	if !p.anyHeader && len(headers) > 0 {
		p.headerList = []string{strings.Join(headers, ",")}
	}
	if len(c.ExposeHeaders) > 0 {
		p.expose = []string{strings.Join(c.ExposeHeaders, ",")}
	}
	if c.MaxAge != nil && *c.MaxAge >= 0 {
		p.maxAge = []string{strconv.Itoa(int(*c.MaxAge))}
	}
	return p
}

// IsPreflight reports whether r is a CORS preflight: OPTIONS with Origin
// and Access-Control-Request-Method.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && len(r.Header[hOrigin]) > 0 && len(r.Header[hRequestMethod]) > 0
}

// AllowOrigin reports whether origin may see responses.
func (p *Policy) AllowOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	if p.anyOrigin {
		return true
	}
	o := strings.ToLower(origin)
	if p.origins[o] {
		return true
	}
	for _, pt := range p.patterns {
		if len(o) >= len(pt.prefix)+len(pt.suffix) && strings.HasPrefix(o, pt.prefix) && strings.HasSuffix(o, pt.suffix) &&
			!strings.Contains(o[len(pt.prefix):len(o)-len(pt.suffix)], "/") {
			// The '*' stands for host characters, never a path.
			return true
		}
	}
	return false
}

// Preflight writes the headers of the gateway's answer to a preflight
// request into h; the caller answers 204. It reports whether the request
// was allowed (headers were written).
func (p *Policy) Preflight(h http.Header, r *http.Request) bool {
	origin := first(r.Header[hOrigin])
	if !p.AllowOrigin(origin) {
		return false
	}
	method := strings.TrimSpace(first(r.Header[hRequestMethod]))
	if !p.anyMethod && !p.methods[strings.ToUpper(method)] {
		return false
	}
	requested := r.Header[hRequestHdrs]
	if !p.anyHeader {
		for _, v := range requested {
			for _, name := range strings.Split(v, ",") {
				if name = strings.ToLower(textproto.TrimString(name)); name != "" && !p.headers[name] {
					return false
				}
			}
		}
	}
	p.setOrigin(h, origin)
	if p.anyMethod {
		h[hAllowMethods] = []string{method}
	} else {
		h[hAllowMethods] = p.methodList
	}
	switch {
	case p.anyHeader && len(requested) > 0:
		h[hAllowHeaders] = []string{strings.Join(requested, ",")}
	case !p.anyHeader && p.headerList != nil:
		h[hAllowHeaders] = p.headerList
	}
	if p.maxAge != nil {
		h[hMaxAge] = p.maxAge
	}
	return true
}

// Origin returns the request's Origin header ("" when it has none).
func Origin(r *http.Request) string { return first(r.Header[hOrigin]) }

// Actual sets the CORS headers of an ordinary (non-preflight) response to
// a request from origin in h, after removing any the integration sent.
func (p *Policy) Actual(h http.Header, origin string) {
	Strip(h)
	if !p.AllowOrigin(origin) {
		return
	}
	p.setOrigin(h, origin)
	if p.expose != nil {
		h[hExposeHeaders] = p.expose
	}
}

func (p *Policy) setOrigin(h http.Header, origin string) {
	if p.anyOrigin && !p.credentials {
		h[hAllowOrigin] = starValue
	} else {
		// An echoed origin varies by request: caches must key on it.
		h[hAllowOrigin] = []string{origin}
		addVary(h)
	}
	if p.credentials {
		h[hAllowCreds] = trueValue
	}
}

func addVary(h http.Header) {
	for _, v := range h[hVary] {
		for _, f := range strings.Split(v, ",") {
			if f = textproto.TrimString(f); f == "*" || strings.EqualFold(f, varyOrigin) {
				return
			}
		}
	}
	h[hVary] = append(h[hVary][:len(h[hVary]):len(h[hVary])], varyOrigin)
}

// Strip removes every Access-Control-* response header.
func Strip(h http.Header) {
	for k := range h {
		if len(k) > 15 && k[:15] == "Access-Control-" {
			delete(h, k)
		}
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
