package ec2

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// compileFilters checks Describe's filters against the names an operation
// knows (a name ending in ":" is a prefix: tag:<key>) and returns the
// test they make: an item passes when, for every filter, one of its
// values matches one of the filter's values (wildcards * and ?).
func compileFilters(filters []Filter, known []string) (func(values func(name string) []string) bool, error) {
	for _, f := range filters {
		name := deref(f.Name)
		ok := slices.ContainsFunc(known, func(k string) bool {
			return k == name || strings.HasSuffix(k, ":") && strings.HasPrefix(name, k) && len(name) > len(k)
		})
		if !ok {
			return nil, ErrInvalidFilter.Newf("The filter '%s' is invalid", name)
		}
		if len(f.Values) == 0 {
			return nil, invalidValue("The filter '%s' has no values", name)
		}
	}
	return func(values func(name string) []string) bool {
		for _, f := range filters {
			have := values(deref(f.Name))
			if !slices.ContainsFunc(f.Values, func(pattern string) bool {
				return slices.ContainsFunc(have, func(v string) bool { return wildcardMatch(pattern, v) })
			}) {
				return false
			}
		}
		return true
	}, nil
}

// tagFilterValues answers the tag filters: tag-key is every key, tag:<key>
// the value of that key.
func tagFilterValues(tags []Tag, name string) []string {
	var out []string
	key, byKey := strings.CutPrefix(name, "tag:")
	for _, t := range tags {
		switch {
		case name == "tag-key":
			out = append(out, t.Key)
		case byKey && t.Key == key:
			out = append(out, t.Value)
		}
	}
	return out
}

// wildcardMatch matches EC2 filter values: * is any run of characters, ?
// one character, a backslash makes the next character literal. Like any
// glob here it never backtracks further than the last star, so a pattern
// from a client costs at most len(pattern)·len(s).
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			c, literal, width := pattern[p], false, 1
			if c == '\\' && p+1 < len(pattern) {
				c, literal, width = pattern[p+1], true, 2
			}
			switch {
			case c == '*' && !literal:
				star, mark = p, i
				p++
				continue
			case c == '?' && !literal:
				_, n := utf8.DecodeRuneInString(s[i:])
				p, i = p+1, i+n
				continue
			case c == s[i]:
				p, i = p+width, i+1
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[mark:])
		mark += n
		p, i = star+1, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
