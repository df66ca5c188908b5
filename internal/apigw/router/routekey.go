package router

import (
	"strings"
)

// DefaultRouteKey is the route key of the catch-all route.
const DefaultRouteKey = "$default"

// Methods a route key may name, in the order ParseRouteKey accepts them.
// ANY is last: it is the fallback slot of every method set.
var routeMethods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

const (
	numMethods = len(routeMethods)
	methodAny  = numMethods - 1
)

// methodIndex maps a request method to its slot in a method set, or -1 when
// only an ANY route can serve it (TRACE, PROPFIND, a lowercase "get"…).
// ANY itself is not a request method, so it maps to -1 too.
func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "POST":
		return 1
	case "PUT":
		return 2
	case "PATCH":
		return 3
	case "DELETE":
		return 4
	case "HEAD":
		return 5
	case "OPTIONS":
		return 6
	}
	return -1
}

type segKind uint8

const (
	segLiteral  segKind = iota // "pets"
	segVariable                // "{id}": exactly one segment
	segGreedy                  // "{proxy+}": one or more segments, last only
)

type segment struct {
	kind segKind
	text string // the literal, or the variable's name without braces and '+'
}

// RouteKey is a parsed route key: "$default", or a method and a path
// template such as "GET /pets/{id}" or "ANY /{proxy+}".
// The zero RouteKey is not valid; build one with ParseRouteKey and treat its
// fields as read-only (Build uses the parsed form, not Path).
type RouteKey struct {
	Method  string // GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY; empty for $default
	Path    string // the path template as written; empty for $default
	Default bool   // the $default route

	segs []segment
}

// String returns the route key as AWS spells it ("GET /pets/{id}", "$default").
func (k RouteKey) String() string {
	if k.Default {
		return DefaultRouteKey
	}
	return k.Method + " " + k.Path
}

// Greedy reports whether the path template ends in a greedy variable.
func (k RouteKey) Greedy() bool {
	return len(k.segs) > 0 && k.segs[len(k.segs)-1].kind == segGreedy
}

// ParamNames returns the names of the path variables, in path order.
func (k RouteKey) ParamNames() []string {
	var names []string
	for _, s := range k.segs {
		if s.kind != segLiteral {
			names = append(names, s.text)
		}
	}
	return names
}

// shape is the route key with variable names erased ("GET /pets/{}"): two
// keys with the same shape select exactly the same requests, so AWS treats
// them as the same route and so do we.
func (k RouteKey) shape() string {
	if k.Default {
		return DefaultRouteKey
	}
	var b strings.Builder
	b.WriteString(k.Method)
	b.WriteByte(' ')
	if len(k.segs) == 0 {
		b.WriteByte('/')
	}
	for _, s := range k.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segVariable:
			b.WriteString("{}")
		case segGreedy:
			b.WriteString("{+}")
		}
	}
	return b.String()
}

// RouteKeyError says why a route key was refused. Its Error text is meant to
// be the message of the BadRequestException that CreateRoute and UpdateRoute
// return.
type RouteKeyError struct {
	Key    string
	Reason string
}

func (e *RouteKeyError) Error() string {
	if e.Key == "" {
		return e.Reason
	}
	return "Invalid route key '" + e.Key + "': " + e.Reason
}

// ParseRouteKey parses and validates a route key as CreateRoute does.
func ParseRouteKey(s string) (RouteKey, error) {
	if s == "" {
		// The message AWS returns when the member is missing or empty.
		return RouteKey{}, &RouteKeyError{Reason: "Route key is required"}
	}
	if s == DefaultRouteKey {
		return RouteKey{Default: true}, nil
	}
	bad := func(reason string) (RouteKey, error) {
		return RouteKey{}, &RouteKeyError{Key: s, Reason: reason}
	}
	method, path, ok := strings.Cut(s, " ")
	if !ok {
		return bad("a route key is $default or an HTTP method and a path separated by one space, such as 'GET /pets'")
	}
	known := false
	for _, m := range routeMethods {
		if method == m {
			known = true
			break
		}
	}
	if !known {
		return bad("the method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY, in upper case")
	}
	if path == "" || path[0] != '/' {
		return bad("the path must start with '/'")
	}
	if len(path) > MaxPathLength {
		return bad("the path is too long")
	}
	if path == "/" {
		return RouteKey{Method: method, Path: path}, nil
	}
	if path[len(path)-1] == '/' {
		return bad("the path must not end with '/'")
	}

	k := RouteKey{Method: method, Path: path}
	for rest := path[1:]; ; {
		text, tail, more := strings.Cut(rest, "/")
		seg, reason := parseSegment(text)
		if reason != "" {
			return bad(reason)
		}
		if seg.kind == segGreedy && more {
			return bad("a greedy path variable such as {proxy+} must be the last segment of the path")
		}
		if seg.kind != segLiteral {
			for _, prev := range k.segs {
				if prev.kind != segLiteral && prev.text == seg.text {
					return bad("the path variable {" + seg.text + "} appears more than once")
				}
			}
		}
		k.segs = append(k.segs, seg)
		if !more {
			break
		}
		rest = tail
	}
	return k, nil
}

// parseSegment reads one segment of a path template. A segment is a literal
// or a whole-segment variable; "pets{id}" and "{id}.json" are refused.
func parseSegment(s string) (segment, string) {
	if s == "" {
		return segment{}, "the path must not contain empty segments ('//')"
	}
	if s[0] == '{' || s[len(s)-1] == '}' {
		if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
			return segment{}, "a path variable must be a whole segment written {name} or {name+}"
		}
		name, kind := s[1:len(s)-1], segVariable
		if strings.HasSuffix(name, "+") {
			name, kind = name[:len(name)-1], segGreedy
		}
		if name == "" {
			return segment{}, "a path variable must have a name"
		}
		for i := 0; i < len(name); i++ {
			if !isNameByte(name[i]) {
				return segment{}, "the path variable name '" + name + "' may contain only letters, digits, '_', '-', '.' and ':'"
			}
		}
		return segment{kind: kind, text: name}, ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '{' || c == '}' {
			return segment{}, "a path variable must be a whole segment written {name} or {name+}"
		}
		if !isLiteralByte(c) {
			return segment{}, "the path segment '" + s + "' contains a character that is not allowed in a route path"
		}
	}
	if s == "." || s == ".." {
		// Request paths with dot segments are refused (see ParsePath), so a
		// route with one could never match.
		return segment{}, "the path must not contain '.' or '..' segments"
	}
	return segment{kind: segLiteral, text: s}, ""
}

// isLiteralByte accepts RFC 3986 pchar without percent-encoding: a route
// literal is compared with the decoded request segment, so it is written
// decoded, and '%' in it would be ambiguous.
func isLiteralByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

func isNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '_' || c == '-' || c == '.' || c == ':'
}
