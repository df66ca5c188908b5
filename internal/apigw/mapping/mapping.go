package mapping

import (
	"net/textproto"
	"sort"
	"strings"
)

// MappingAction is what a mapping does to its target.
type MappingAction uint8

const (
	ActionAppend MappingAction = iota + 1
	ActionOverwrite
	ActionRemove
)

// MappingLocation is the part of the request a mapping changes.
type MappingLocation uint8

const (
	LocationHeader MappingLocation = iota + 1
	LocationQueryString
	LocationPath
)

// RequestMapping is one parsed requestParameters entry.
type RequestMapping struct {
	Action   MappingAction
	Location MappingLocation
	// Name is the header (canonical form) or query string parameter; empty
	// for the path.
	Name  string
	Value Template
}

// SourceKind says where a template part's text comes from.
type SourceKind uint8

const (
	SourceLiteral       SourceKind = iota // Text itself
	SourceHeader                          // $request.header.Text
	SourceQueryString                     // $request.querystring.Text
	SourcePath                            // $request.path
	SourcePathParameter                   // $request.path.Text
	SourceContext                         // $context.Text
	SourceStageVariable                   // $stageVariables.Text
)

// TemplatePart is a literal or one variable of a Template.
type TemplatePart struct {
	Kind SourceKind
	Text string
}

// Template is a mapping value: literals and variables, concatenated.
type Template []TemplatePart

// Static reports whether t has no variables.
func (t Template) Static() bool {
	for _, p := range t {
		if p.Kind != SourceLiteral {
			return false
		}
	}
	return true
}

// ParseRequestParameters validates an integration's requestParameters and
// returns them in a deterministic order (removes, then overwrites, then
// appends, by key): AWS does not document the order, and this one lets an
// integration rename a header with remove + append.
func ParseRequestParameters(params map[string]string) ([]RequestMapping, error) {
	out := make([]RequestMapping, 0, len(params))
	for key, value := range params {
		m, err := parseMapping(key, value)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := actionRank(a.Action), actionRank(b.Action); ra != rb {
			return ra < rb
		}
		if a.Location != b.Location {
			return a.Location < b.Location
		}
		return a.Name < b.Name
	})
	return out, nil
}

func actionRank(a MappingAction) int {
	switch a {
	case ActionRemove:
		return 0
	case ActionOverwrite:
		return 1
	}
	return 2
}

func parseMapping(key, value string) (RequestMapping, error) {
	bad := func(reason string) (RequestMapping, error) {
		return RequestMapping{}, badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping key %q: %s]", key, reason)
	}
	action, target, ok := strings.Cut(key, ":")
	if !ok {
		return bad("a key is <action>:<location>, such as append:header.X, overwrite:querystring.Y or overwrite:path")
	}
	var m RequestMapping
	switch action {
	case "append":
		m.Action = ActionAppend
	case "overwrite":
		m.Action = ActionOverwrite
	case "remove":
		m.Action = ActionRemove
	default:
		return bad("the action must be append, overwrite or remove")
	}
	switch {
	case target == "path":
		if m.Action != ActionOverwrite {
			return bad("the path can only be overwritten")
		}
		m.Location = LocationPath
	case strings.HasPrefix(target, "header."):
		name := target[len("header."):]
		if !validHeaderName(name) {
			return bad("the header name is not a valid HTTP header name")
		}
		if reservedHeader(name) {
			return bad("the header " + name + " is reserved and cannot be mapped")
		}
		m.Location, m.Name = LocationHeader, textproto.CanonicalMIMEHeaderKey(name)
	case strings.HasPrefix(target, "querystring."):
		name := target[len("querystring."):]
		if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return bad("the query string parameter name is empty or has a control character")
		}
		m.Location, m.Name = LocationQueryString, name
	default:
		return bad("the location must be header.<name>, querystring.<name> or path")
	}
	if m.Action == ActionRemove {
		// The value of a remove is not used (AWS's own example passes "''").
		return m, nil
	}
	if value == "" {
		return bad("the value is empty")
	}
	t, err := ParseTemplate(value)
	if err != nil {
		return RequestMapping{}, badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping value for %q: %v]", key, err)
	}
	m.Value = t
	return m, nil
}

type templateError string

func (e templateError) Error() string { return string(e) }

// ParseTemplate parses a mapping value or anything else that takes the same
// variables ($stageVariables in integration URIs). A '$' that starts no
// known variable is literal text.
func ParseTemplate(s string) (Template, error) {
	var t Template
	lit := 0 // start of the pending literal
	flush := func(end int) {
		if end > lit {
			t = append(t, TemplatePart{Kind: SourceLiteral, Text: s[lit:end]})
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			i++
			continue
		}
		var expr string
		var next int
		if i+1 < len(s) && s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return nil, templateError("unterminated ${ in " + s)
			}
			expr, next = s[i+2:i+2+end], i+2+end+1
			part, ok := parseVariable(expr)
			if !ok {
				return nil, templateError("unknown variable ${" + expr + "}")
			}
			if part.Kind == SourceLiteral {
				return nil, templateError("unsupported variable ${" + expr + "}")
			}
			flush(i)
			t = append(t, part)
			i, lit = next, next
			continue
		}
		j := i + 1
		for j < len(s) && isVarByte(s[j]) {
			j++
		}
		// A trailing '.' ends a sentence, not a name.
		for j > i+1 && s[j-1] == '.' {
			j--
		}
		part, ok := parseVariable(s[i+1 : j])
		if !ok {
			i++
			continue
		}
		if part.Kind == SourceLiteral {
			return nil, templateError("unsupported variable $" + s[i+1:j])
		}
		flush(i)
		t = append(t, part)
		i, lit = j, j
	}
	flush(len(s))
	return t, nil
}

func isVarByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// parseVariable reads a variable name without its '$'. It returns ok=false
// for something that is not a variable at all, and a SourceLiteral part for
// a variable Portolan does not support ($request.body).
func parseVariable(expr string) (TemplatePart, bool) {
	switch {
	case strings.HasPrefix(expr, "request.header.") && len(expr) > len("request.header."):
		return TemplatePart{Kind: SourceHeader, Text: textproto.CanonicalMIMEHeaderKey(expr[len("request.header."):])}, true
	case strings.HasPrefix(expr, "request.querystring.") && len(expr) > len("request.querystring."):
		return TemplatePart{Kind: SourceQueryString, Text: expr[len("request.querystring."):]}, true
	case expr == "request.path":
		return TemplatePart{Kind: SourcePath}, true
	case strings.HasPrefix(expr, "request.path.") && len(expr) > len("request.path."):
		return TemplatePart{Kind: SourcePathParameter, Text: expr[len("request.path."):]}, true
	case expr == "request.body" || strings.HasPrefix(expr, "request.body."):
		// Body mapping needs the body buffered before proxying; HTTP_PROXY
		// payload 1.0 streams it, so Portolan refuses these (docs/compat.md).
		return TemplatePart{}, true
	case strings.HasPrefix(expr, "context.") && len(expr) > len("context."):
		return TemplatePart{Kind: SourceContext, Text: expr[len("context."):]}, true
	case strings.HasPrefix(expr, "stageVariables.") && len(expr) > len("stageVariables."):
		return TemplatePart{Kind: SourceStageVariable, Text: expr[len("stageVariables."):]}, true
	}
	return TemplatePart{}, false
}

// reservedHeader lists the headers the parameter-mapping guide reserves.
func reservedHeader(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"access-control-", "apigw-", "x-amz-", "x-amzn-"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	switch n {
	case "authorization", "connection", "content-encoding", "content-length", "content-location",
		"forwarded", "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te",
		"trailers", "transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host",
		"x-forwarded-proto", "via":
		return true
	}
	return false
}

// validHeaderName accepts an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
