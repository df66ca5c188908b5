package ec2

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"vpc-*", "vpc-1234", true}, {"vpc-*", "subnet-1", false}, {"*", "", true}, {"?", "", false},
		{"api-?", "api-a", true}, {"api-?", "api-ab", false}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{`\*`, "*", true}, {`\*`, "x", false}, {`a\?`, "a?", true}, {`a\?`, "ab", false}, {"é?", "éü", true},
	} {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

// FuzzWildcardMatch checks the matcher against the regular expression the
// pattern means (filters come from clients).
func FuzzWildcardMatch(f *testing.F) {
	f.Add("a*b?c", "axxbyc")
	f.Add(`\*x*`, "*xyz")
	f.Add("*.s3", "com.amazonaws.us-east-1.s3")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 64 {
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		for i := 0; i < len(pattern); {
			r, n := utf8.DecodeRuneInString(pattern[i:])
			switch {
			case r == '\\' && i+n < len(pattern):
				next, m := utf8.DecodeRuneInString(pattern[i+n:])
				re.WriteString(regexp.QuoteMeta(string(next)))
				n += m
			case r == '*':
				re.WriteString(`.*`)
			case r == '?':
				re.WriteString(`.`)
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
			i += n
		}
		re.WriteString(`$`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := wildcardMatch(pattern, s); got != want {
			t.Fatalf("wildcardMatch(%q, %q) = %v, regexp %s says %v", pattern, s, got, re.String(), want)
		}
	})
}
