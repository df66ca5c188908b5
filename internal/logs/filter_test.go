package logs

import (
	"slices"
	"strings"
	"testing"
)

var filterMessages = []string{
	`[ERROR 400] BAD REQUEST`,
	`[ERROR 401] UNAUTHORIZED REQUEST`,
	`[WARN] retrying in 5s`,
	`[INFO] GET /health 200 3ms`,
	`Exiting with ERROR code 1`,
	`{"level":"error","latency":250,"user":{"id":7,"name":"ann"},"tags":["a","b"],"ok":false,"trace":null}`,
	`{"level":"info","latency":12.5,"user":{"id":8,"name":"bob"},"path":"/api/v1/items","ok":true}`,
	`{"level":"info","latency":900}`,
	`not json {"level":"error"}`,
}

func TestFilterPattern(t *testing.T) {
	tests := []struct {
		pattern string
		want    []int // indexes into filterMessages that match
	}{
		{``, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{`   `, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{`ERROR`, []int{0, 1, 4}},
		{`error`, []int{5, 8}}, // case-sensitive
		{`ERROR REQUEST`, []int{0, 1}},
		{`"BAD REQUEST"`, []int{0}},
		{`"[ERROR 401]"`, []int{1}},
		{`?WARN ?INFO`, []int{2, 3}},
		{`?"BAD REQUEST" ?Exiting`, []int{0, 4}},
		{`ERROR -UNAUTHORIZED`, []int{0, 4}},
		{`-ERROR -json -level`, []int{2, 3}},
		{`%ERROR [0-9]{3}%`, []int{0, 1}},
		{`%^\[(WARN|INFO)\]%`, []int{2, 3}},
		{`REQUEST ?400 ?401`, []int{0, 1}},
		{`{ $.level = "error" }`, []int{5}},
		{`{$.level="info"}`, []int{6, 7}},
		{`{ $.level = inf* }`, []int{6, 7}},
		{`{ $.level != "info" }`, []int{5}},
		{`{ $.latency > 100 }`, []int{5, 7}},
		{`{ $.latency >= 250 && $.latency < 900 }`, []int{5}},
		{`{ $.latency = 12.5 }`, []int{6}},
		{`{ $.user.id = 7 || $.user.name = "bob" }`, []int{5, 6}},
		{`{ ($.level = "info") && ($.latency < 100 || $.user.id = 7) }`, []int{6}},
		{`{ $.tags[1] = "b" }`, []int{5}},
		{`{ $.tags[2] = "b" }`, nil},
		{`{ $.ok IS TRUE }`, []int{6}},
		{`{ $.ok is false }`, []int{5}},
		{`{ $.trace IS NULL }`, []int{5}},
		{`{ $.user NOT EXISTS }`, []int{7}},
		{`{ $.path = %^/api/v[0-9]+/% }`, []int{6}},
		{`{ $.path = "/api/*/items" }`, []int{6}},
		{`{ $.user.name != "ann" }`, []int{6}},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			f, err := ParseFilterPattern(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, m := range filterMessages {
				if f.Match(m) {
					got = append(got, i)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPatternErrors(t *testing.T) {
	for _, p := range []string{
		`"unterminated`,
		`%unterminated`,
		`%(%`,
		`%%`,
		`ERROR ?`,
		`{ $.a = 1`,
		`{ level = 1 }`,
		`{ $.a }`,
		`{ $.a > "x" }`,
		`{ $.a = }`,
		`{ ($.a = 1 }`,
		`{ $.a IS MAYBE }`,
		`{ $.a NOT THERE }`,
		`{ $.a[x] = 1 }`,
		`[ip, user, status=404]`,
		`{ ` + strings.Repeat("(", 40) + `$.a = 1` + strings.Repeat(")", 40) + ` }`,
		strings.Repeat("x", 1025),
	} {
		if _, err := ParseFilterPattern(p); err == nil {
			t.Errorf("%q parsed", p)
		}
	}
}

// FuzzFilterPattern: no pattern, valid or not, may crash the parser, and a
// pattern that parses may not crash on any message.
func FuzzFilterPattern(f *testing.F) {
	for _, p := range []string{
		``, `ERROR`, `"BAD REQUEST"`, `?WARN ?INFO -DEBUG`, `%ERROR [0-9]{3}%`,
		`{ $.level = "error" && ($.latency > 100 || $.user.id = 7) }`,
		`{ $.tags[1] = "b*" }`, `{ $.ok IS TRUE }`, `{ $.user NOT EXISTS }`, `{ $.path = %^/api% }`,
	} {
		for _, m := range filterMessages[:6] {
			f.Add(p, m)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		fp, err := ParseFilterPattern(pattern)
		if err != nil {
			return
		}
		a := fp.Match(msg)
		if b := fp.Match(msg); a != b {
			t.Fatalf("match of %q against %q is not deterministic", pattern, msg)
		}
		if strings.TrimSpace(pattern) == "" && !a {
			t.Fatalf("empty pattern did not match %q", msg)
		}
		// What TestMetricFilter extracts names only selectors the pattern
		// has; metricValue's selector parser takes every one of them.
		for sel := range fp.Extract(msg) {
			if !strings.Contains(pattern, sel) {
				t.Fatalf("extracted %q, which pattern %q does not name", sel, pattern)
			}
			if _, err := parseSelector(sel); err != nil {
				t.Fatalf("selector %q of pattern %q does not parse alone: %v", sel, pattern, err)
			}
		}
	})
}
