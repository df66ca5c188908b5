package resourcetree

import "strings"

// Param is one path parameter: method.request.path.<Name>.
type Param struct {
	Name string
	raw  string // matching form: decoded except "%2F" and "%25"
}

// Value is the parameter's decoded value (a greedy one without its
// leading slash). It allocates only when the value held an escape.
func (p Param) Value() string { return unescape(p.raw) }

// Escaped is the value written for a URL path, as an integration URI's
// {name} receives it: characters a path segment cannot hold are
// percent-encoded, and the '/' separating a greedy value's segments stays
// a separator while an encoded one ("%2F") stays encoded.
func (p Param) Escaped() string { return escapePath(p.raw) }

// Params holds the result of a match. Reuse one per request (from a
// sync.Pool) to keep matching allocation-free.
type Params struct {
	list     []Param
	resource string
}

// Reset empties p, keeping its capacity and dropping references to the
// last request's strings.
func (p *Params) Reset() {
	clear(p.list)
	p.list = p.list[:0]
	p.resource = ""
}

// Resource is the matched resource's path ("/pets/{id}"), or "" when no
// resource matched.
func (p *Params) Resource() string { return p.resource }

// Len returns the number of parameters.
func (p *Params) Len() int { return len(p.list) }

// At returns the i'th parameter in path order.
func (p *Params) At(i int) Param { return p.list[i] }

// Lookup returns the named parameter.
func (p *Params) Lookup(name string) (Param, bool) {
	for _, kv := range p.list {
		if kv.Name == name {
			return kv, true
		}
	}
	return Param{}, false
}

// Get returns the decoded value of the named parameter, or "".
func (p *Params) Get(name string) string {
	v, _ := p.Lookup(name)
	return v.Value()
}

// unescape turns the matching form into the decoded value.
func unescape(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			switch v[i+1 : i+3] {
			case "2F":
				b.WriteByte('/')
				i += 2
				continue
			case "25":
				b.WriteByte('%')
				i += 2
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// escapePath writes the matching form for a URL path. '%' only appears
// in it as the start of "%2F" or "%25", which stay as they are.
func escapePath(v string) string {
	n := 0
	for i := 0; i < len(v); i++ {
		if !keepInPath(v[i]) {
			n++
		}
	}
	if n == 0 {
		return v
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(v)+2*n)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if keepInPath(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

// keepInPath: RFC 3986 pchar and '/', plus '%' (see escapePath).
func keepInPath(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/%", c) >= 0
}
