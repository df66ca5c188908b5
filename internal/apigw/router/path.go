package router

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// MaxPathLength is the longest raw request path ParsePath accepts. HTTP APIs
// cap the request line plus header values at 10240 bytes, so no longer path
// can reach a route on AWS.
const MaxPathLength = 10240

// ErrInvalidPath is matched (errors.Is) by every error ParsePath returns.
// The gateway answers such a request itself and never forwards it.
var ErrInvalidPath = errors.New("invalid request path")

// PathError says why a request path was refused.
type PathError struct{ Reason string }

func (e *PathError) Error() string        { return "invalid request path: " + e.Reason }
func (e *PathError) Is(target error) bool { return target == ErrInvalidPath }

// The errors are values built once: an attacker sending bad paths in a loop
// should not make the gateway allocate.
var (
	errNoLeadingSlash = &PathError{"it does not start with '/'"}
	errTooLong        = &PathError{"it is longer than 10240 bytes"}
	errBadEscape      = &PathError{"malformed percent-encoding"}
	errControl        = &PathError{"it contains a control character"}
	errBadUTF8        = &PathError{"it is not valid UTF-8 once decoded"}
	errEmptySegment   = &PathError{"it contains an empty segment ('//')"}
	errDotSegment     = &PathError{"it contains a '.' or '..' segment"}
)

// Path is a request path in the form the matcher compares: percent-decoded,
// except that an encoded '/' stays "%2F" (it is data, not a separator) and an
// encoded '%' stays "%25" (so the form decodes unambiguously), with the hex
// in upper case. It has no trailing slash except for the root "/". It is not
// a URL path: it may hold spaces, '?' or '#', so forward the original request
// path, not this.
//
// The zero Path is the root.
type Path struct{ s string }

// String returns the path in matching form, for logs and tests.
func (p Path) String() string {
	if p.s == "" {
		return "/"
	}
	return p.s
}

// ParsePath turns a raw (still percent-encoded) request path, such as
// r.URL.EscapedPath() with the stage prefix removed, into a Path.
//
// Policy, and why:
//   - "" is the root "/".
//   - One trailing slash is dropped: AWS routes "/pets/" to "GET /pets", and a
//     route key cannot end in '/'.
//   - Percent-encodings are decoded before matching, as AWS decodes the path
//     before it reaches routes and integrations; "%2F" is kept as data, never
//     turned into a separator, so "/a%2Fb" is one segment.
//   - Refused: empty segments ("/a//b"), "." and ".." segments (also encoded,
//     and also as parts of a segment split by an encoded '/' or '\'), malformed
//     escapes, NUL and other control characters (raw or encoded), invalid
//     UTF-8, and paths longer than MaxPathLength. AWS's handling of these is
//     not documented; refusing them means a route check can never disagree
//     with how a backend resolves the same path ("/public/../admin" must not
//     reach an unauthenticated "/public/{proxy+}" route and then "/admin").
//
// A path without escapes is returned without allocating.
func ParsePath(raw string) (Path, error) {
	if raw == "" {
		return Path{"/"}, nil
	}
	if len(raw) > MaxPathLength {
		return Path{}, errTooLong
	}
	if raw[0] != '/' {
		return Path{}, errNoLeadingSlash
	}
	s := raw
	if len(s) > 1 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
		if s[len(s)-1] == '/' {
			return Path{}, errEmptySegment
		}
	}

	escaped, nonASCII := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			escaped = true
		case c < 0x20 || c == 0x7f:
			return Path{}, errControl
		case c >= 0x80:
			nonASCII = true
		}
	}
	if escaped {
		var err error
		if s, err = decodePath(s); err != nil {
			return Path{}, err
		}
	}
	if (escaped || nonASCII) && !utf8.ValidString(s) {
		return Path{}, errBadUTF8
	}

	if len(s) > 1 {
		for rest := s[1:]; ; {
			seg, tail, more := strings.Cut(rest, "/")
			if seg == "" {
				return Path{}, errEmptySegment
			}
			if hasDotPart(seg) {
				return Path{}, errDotSegment
			}
			if !more {
				break
			}
			rest = tail
		}
	}
	return Path{s}, nil
}

// decodePath decodes every escape except %2F and %25, which it writes back
// in upper case.
func decodePath(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+2 >= len(s) {
			return "", errBadEscape
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errBadEscape
		}
		switch d := hi<<4 | lo; {
		case d == '/':
			b.WriteString("%2F")
		case d == '%':
			b.WriteString("%25")
		case d < 0x20 || d == 0x7f:
			return "", errControl
		default:
			b.WriteByte(d)
		}
		i += 3
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hasDotPart reports whether a segment (matching form) is "." or "..", or
// contains one between encoded slashes or backslashes: "..%2Fadmin" becomes a
// traversal as soon as something downstream decodes it, and Windows servers
// treat '\' as a separator.
func hasDotPart(seg string) bool {
	if strings.IndexByte(seg, '.') < 0 {
		return false
	}
	start := 0
	for i := 0; ; {
		sep := 0
		switch {
		case i == len(seg):
		case seg[i] == '\\':
			sep = 1
		case seg[i] == '%' && strings.HasPrefix(seg[i:], "%2F"):
			sep = 3
		default:
			i++
			continue
		}
		if part := seg[start:i]; part == "." || part == ".." {
			return true
		}
		if sep == 0 {
			return false
		}
		i += sep
		start = i
	}
}

// unescapeValue turns a matching-form value into the decoded parameter value.
func unescapeValue(v string) string {
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
