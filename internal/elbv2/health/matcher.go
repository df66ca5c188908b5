package health

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultMatcher is the HttpCode an NLB target group uses when none is given.
const DefaultMatcher = "200-399"

// codeRange is one element of a Matcher's HttpCode: a code or an inclusive range.
type codeRange struct{ lo, hi int }

// matcher is a parsed HttpCode: "200", "200,202" or "200-299" (and lists of ranges).
type matcher []codeRange

func parseMatcher(s string) (matcher, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultMatcher
	}
	var m matcher
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		from, err := parseCode(lo)
		if err != nil {
			return nil, fmt.Errorf("matcher %q: %w", s, err)
		}
		to := from
		if isRange {
			if to, err = parseCode(hi); err != nil {
				return nil, fmt.Errorf("matcher %q: %w", s, err)
			}
			if to < from {
				return nil, fmt.Errorf("matcher %q: range %s is reversed", s, part)
			}
		}
		m = append(m, codeRange{from, to})
	}
	return m, nil
}

func parseCode(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("%q is not an HTTP status code", s)
	}
	return n, nil
}

func (m matcher) matches(code int) bool {
	for _, r := range m {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}
