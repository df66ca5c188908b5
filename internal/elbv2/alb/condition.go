package alb

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
)

// matcher is one compiled condition.
type matcher func(*request) bool

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
func compileConditions(conds []Condition) ([]matcher, error) {
	out := make([]matcher, 0, len(conds))
	for _, c := range conds {
		m, err := compileCondition(c)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compileCondition(c Condition) (matcher, error) {
	values := c.Values
	switch c.Field {
	case FieldPathPattern:
		// Case-sensitive, against the path only (never the query).
		return func(q *request) bool { return anyMatch(values, q.r.URL.Path, false) }, nil
	case FieldHostHeader:
		return func(q *request) bool { return anyMatch(values, q.host(), true) }, nil
	case FieldHTTPHeader:
		name := http.CanonicalHeaderKey(c.HeaderName)
		return func(q *request) bool {
			for _, v := range q.r.Header[name] {
				if anyMatch(values, v, true) {
					return true
				}
			}
			return false
		}, nil
	case FieldHTTPRequestMethod:
		return func(q *request) bool {
			for _, m := range values {
				if q.r.Method == m {
					return true
				}
			}
			return false
		}, nil
	case FieldQueryString:
		pairs := c.Query
		return func(q *request) bool { return queryMatch(pairs, q.queryValues()) }, nil
	case FieldSourceIP:
		prefixes := make([]netip.Prefix, 0, len(values))
		for _, v := range values {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("source-ip condition: %w", err)
			}
			prefixes = append(prefixes, p.Masked())
		}
		return func(q *request) bool {
			addr := q.client.Addr().Unmap()
			for _, p := range prefixes {
				if p.Contains(addr) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("condition field %q is not served", c.Field)
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
func matches(ms []matcher, q *request) bool {
	for _, m := range ms {
		if !m(q) {
			return false
		}
	}
	return true
}
