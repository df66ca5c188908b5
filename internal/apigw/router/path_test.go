package router

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	long := "/" + strings.Repeat("a", MaxPathLength-1)
	tests := []struct {
		raw  string
		want string // matching form; "" means an error is expected
		err  error
	}{
		// Root and trailing slashes.
		{raw: "", want: "/"},
		{raw: "/", want: "/"},
		{raw: "/pets", want: "/pets"},
		{raw: "/pets/", want: "/pets"},
		{raw: "/pets/1/", want: "/pets/1"},
		{raw: "//", err: errEmptySegment},
		{raw: "/pets//", err: errEmptySegment},
		{raw: "/a//b", err: errEmptySegment},
		{raw: "//a", err: errEmptySegment},
		{raw: "///", err: errEmptySegment},
		{raw: "pets", err: errNoLeadingSlash},
		{raw: "*", err: errNoLeadingSlash},
		{raw: "http://x/a", err: errNoLeadingSlash},

		// Case is kept: paths are case-sensitive.
		{raw: "/Pets/ID", want: "/Pets/ID"},

		// Dot segments, raw and encoded, are refused.
		{raw: "/.", err: errDotSegment},
		{raw: "/..", err: errDotSegment},
		{raw: "/a/./b", err: errDotSegment},
		{raw: "/a/../admin", err: errDotSegment},
		{raw: "/a/..", err: errDotSegment},
		{raw: "/a/../", err: errDotSegment},
		{raw: "/a/%2e%2e/admin", err: errDotSegment},
		{raw: "/a/%2E/b", err: errDotSegment},
		{raw: "/a/.%2e/b", err: errDotSegment},
		{raw: "/a/..%2Fadmin", err: errDotSegment},
		{raw: "/a/x%2F..%2Fadmin", err: errDotSegment},
		{raw: "/a/x%2F..", err: errDotSegment},
		{raw: "/a/..%5Cadmin", err: errDotSegment},
		{raw: "/a/..\\admin", err: errDotSegment},
		{raw: "/a/%2F.", err: errDotSegment},
		// …but dots inside names are fine.
		{raw: "/a/.../b", want: "/a/.../b"},
		{raw: "/a/.well-known", want: "/a/.well-known"},
		{raw: "/a/file..txt", want: "/a/file..txt"},
		{raw: "/a/x%2F...", want: "/a/x%2F..."},
		{raw: "/a/%2E%2E%2E", want: "/a/..."},

		// Percent-decoding: everything but '/' and '%' is decoded.
		{raw: "/p%65ts", want: "/pets"},
		{raw: "/a%20b", want: "/a b"},
		{raw: "/a%2Fb", want: "/a%2Fb"},
		{raw: "/a%2fb", want: "/a%2Fb"},
		{raw: "/%2F", want: "/%2F"},
		{raw: "/%2F%2F", want: "/%2F%2F"},
		{raw: "/a%25b", want: "/a%25b"},
		{raw: "/a%252F", want: "/a%252F"},
		{raw: "/a%3Fb%23c", want: "/a?b#c"},
		{raw: "/caf%C3%A9", want: "/café"},
		{raw: "/caf%c3%a9", want: "/café"},
		{raw: "/café", want: "/café"},
		{raw: "/日本/語", want: "/日本/語"},
		{raw: "/a%7Eb", want: "/a~b"},
		{raw: "/a+b", want: "/a+b"}, // '+' is not a space in a path
		{raw: "/a b", want: "/a b"},
		{raw: "/a%2F/", want: "/a%2F"},
		{raw: "/a%", err: errBadEscape},
		{raw: "/a%4", err: errBadEscape},
		{raw: "/a%zz", err: errBadEscape},
		{raw: "/a%g0", err: errBadEscape},
		{raw: "/a%%41", err: errBadEscape},

		// Control characters and invalid UTF-8.
		{raw: "/a%00", err: errControl},
		{raw: "/a\x00b", err: errControl},
		{raw: "/a%0Ab", err: errControl},
		{raw: "/a%0d%0aSet-Cookie:x", err: errControl},
		{raw: "/a\tb", err: errControl},
		{raw: "/a%7F", err: errControl},
		{raw: "/a%C3%28", err: errBadUTF8},
		{raw: "/a%FF", err: errBadUTF8},
		{raw: "/a\xff", err: errBadUTF8},
		{raw: "/a%C0%AF", err: errBadUTF8}, // overlong '/'
		{raw: "/a%ED%A0%80", err: errBadUTF8},

		// Length.
		{raw: long, want: long},
		{raw: long + "a", err: errTooLong},
		{raw: "/" + strings.Repeat("a/", 3000) + "b", want: "/" + strings.Repeat("a/", 3000) + "b"},
	}
	for _, tt := range tests {
		name := tt.raw
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		t.Run(name, func(t *testing.T) {
			p, err := ParsePath(tt.raw)
			if tt.err != nil {
				if err != tt.err {
					t.Fatalf("ParsePath(%q) = %q, %v; want error %v", tt.raw, p, err, tt.err)
				}
				if !errors.Is(err, ErrInvalidPath) {
					t.Errorf("errors.Is(%v, ErrInvalidPath) = false", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.raw, err)
			}
			if p.String() != tt.want {
				t.Errorf("ParsePath(%q) = %q, want %q", tt.raw, p, tt.want)
			}
			// The matching form is a fixed point.
			if q, err := ParsePath(p.String()); err != nil || q != p {
				t.Errorf("ParsePath(%q) = %q, %v; want itself", p, q, err)
			}
		})
	}
}

func TestZeroPathIsRoot(t *testing.T) {
	var p Path
	if p.String() != "/" {
		t.Errorf("zero Path = %q, want /", p)
	}
}

func TestUnescapeValue(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"abc":       "abc",
		"a%2Fb":     "a/b",
		"a%25b":     "a%b",
		"%252F":     "%2F",
		"%25%2F%25": "%/%",
		"a b?#":     "a b?#",
	} {
		if got := unescapeValue(in); got != want {
			t.Errorf("unescapeValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePathAllocs(t *testing.T) {
	for _, raw := range []string{"/", "/pets/123/toys", "/pets/123/", "/café"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = ParsePath(raw) }); n != 0 {
			t.Errorf("ParsePath(%q): %v allocs, want 0", raw, n)
		}
	}
	for _, raw := range []string{"/a//b", "/a/../b", "/a%zz", "/a%00"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = ParsePath(raw) }); n > 1 {
			t.Errorf("ParsePath(%q) error: %v allocs, want ≤ 1", raw, n)
		}
	}
}
