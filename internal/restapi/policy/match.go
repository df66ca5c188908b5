package policy

import (
	"strings"
	"unicode/utf8"
)

// arnParts is an ARN split at its first five colons: "arn", partition,
// service, region, account, resource (which may hold further colons).
type arnParts [6]string

// splitARN splits s without allocating; ok is false when s is not an ARN.
func splitARN(s string) (a arnParts, ok bool) {
	for i := range 5 {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return a, false
		}
		a[i], s = s[:j], s[j+1:]
	}
	a[5] = s
	return a, a[0] == "arn"
}

// arnMatch matches an ARN against a pattern part by part, as IAM does:
// a wildcard never reaches across the colons between the first five
// parts, while in the resource part it matches slashes too
// (arn:aws:execute-api:*:*:abc/*/GET/*).
func arnMatch(pattern, a *arnParts) bool {
	for i := range pattern {
		if pattern[i] != a[i] && !glob(pattern[i], a[i], false) {
			return false
		}
	}
	return true
}

// glob reports whether s matches pattern, where * matches any run of
// characters (none too) and ? exactly one. With fold, ASCII letters match
// either case (IAM action names). It runs in O(len(pattern)·len(s)) at
// worst and allocates nothing: on a mismatch it returns to the last star
// and lets it take one more character.
func glob(pattern, s string, fold bool) bool {
	if pattern == "*" {
		return true
	}
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				star, mark = p, i
				p++
				continue
			case c == '?':
				_, n := utf8.DecodeRuneInString(s[i:])
				p, i = p+1, i+n
				continue
			case c == s[i] || fold && lower(c) == lower(s[i]):
				p, i = p+1, i+1
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

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
