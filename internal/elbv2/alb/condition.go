package alb

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
)

// condition is one compiled condition. It is a value with a switch, not a
// closure: a closure's argument escapes, and the request it points to
// would then be allocated on every request.
type condition struct {
	field    string
	values   []string       // patterns or methods
	header   string         // http-header: the canonical header name
	query    []QueryPair    // query-string
	prefixes []netip.Prefix // source-ip
}

// request is what conditions look at, parsed at most once per request.
type request struct {
	r      *http.Request
	client netip.AddrPort // the client's address (source-ip, X-Forwarded-For)

	query       url.Values // parsed on first use by a query-string condition
	queryParsed bool
}

func (q *request) queryValues() url.Values {
	if !q.queryParsed {
		q.query, _ = url.ParseQuery(q.r.URL.RawQuery)
		q.queryParsed = true
	}
	return q.query
}

// host is the Host header without its port.
func (q *request) host() string { return hostOnly(q.r.Host) }

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// compileConditions turns a rule's conditions into matchers, all of which
// must match. An unknown field or a bad CIDR is an error: the control
// plane validated them, so it means the snapshot is not what it claims.
func compileConditions(conds []Condition) ([]condition, error) {
	out := make([]condition, 0, len(conds))
	for _, c := range conds {
		m, err := compileCondition(c)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compileCondition(c Condition) (condition, error) {
	out := condition{field: c.Field, values: c.Values}
	switch c.Field {
	case FieldPathPattern, FieldHostHeader, FieldHTTPRequestMethod:
	case FieldHTTPHeader:
		out.header = http.CanonicalHeaderKey(c.HeaderName)
	case FieldQueryString:
		out.query = c.Query
	case FieldSourceIP:
		for _, v := range c.Values {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return condition{}, fmt.Errorf("source-ip condition: %w", err)
			}
			out.prefixes = append(out.prefixes, p.Masked())
		}
	default:
		return condition{}, fmt.Errorf("condition field %q is not served", c.Field)
	}
	return out, nil
}

// match reports whether q meets c: any of its values matches.
func (c *condition) match(q *request) bool {
	switch c.field {
	case FieldPathPattern:
		// Case-sensitive, against the path only (never the query).
		return anyMatch(c.values, q.r.URL.Path, false)
	case FieldHostHeader:
		return anyMatch(c.values, q.host(), true)
	case FieldHTTPHeader:
		for _, v := range q.r.Header[c.header] {
			if anyMatch(c.values, v, true) {
				return true
			}
		}
		return false
	case FieldHTTPRequestMethod:
		for _, m := range c.values {
			if q.r.Method == m {
				return true
			}
		}
		return false
	case FieldQueryString:
		return queryMatch(c.query, q.queryValues())
	case FieldSourceIP:
		addr := q.client.Addr().Unmap()
		for _, p := range c.prefixes {
			if p.Contains(addr) {
				return true
			}
		}
		return false
	}
	return false
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// queryMatch: any pair matching any query parameter; a pair without a key
// matches a parameter's value under any key (AWS's "value only" form).
func queryMatch(pairs []QueryPair, query url.Values) bool {
	for _, pair := range pairs {
		for key, vals := range query {
			if pair.Key != "" && !wildcardMatch(pair.Key, key, true) {
				continue
			}
			for _, v := range vals {
				if wildcardMatch(pair.Value, v, true) {
					return true
				}
			}
		}
	}
	return false
}

// matches reports whether every condition holds.
func matches(cs []condition, q *request) bool {
	for i := range cs {
		if !cs[i].match(q) {
			return false
		}
	}
	return true
}
