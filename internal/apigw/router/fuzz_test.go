package router

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzRoutes is the fixed corpus FuzzRouteMatch draws route sets from, one
// bit of a uint64 per route. No two share a method and template, so every
// subset builds.
var fuzzRoutes = []string{
	"$default",
	"GET /", "ANY /",
	"GET /a", "ANY /a", "POST /a", "HEAD /a",
	"GET /{x}", "ANY /{x}", "PUT /{x}",
	"GET /a/b", "OPTIONS /a/b", "GET /a/{x}", "ANY /a/{y}",
	"GET /{x}/b", "HEAD /{x}/b", "GET /{x}/{y}", "DELETE /{p}/{q}",
	"GET /a/b/c", "GET /a/{x}/c", "PATCH /a/{x}/c", "GET /{x}/b/c",
	"GET /{x}/{y}/{z}", "ANY /a/b/{z}", "GET /a/b/c/d", "ANY /{x}/{y}/{z}/{w}",
	"GET /{proxy+}", "ANY /{proxy+}", "POST /{proxy+}",
	"GET /a/{proxy+}", "ANY /a/{proxy+}", "GET /a/b/{proxy+}",
	"GET /{x}/b/{proxy+}", "GET /{x}/{proxy+}", "ANY /{x}/{y}/{proxy+}",
	"GET /a/{x}/c/{proxy+}", "ANY /b/{proxy+}",
	"GET /pets/dog/{id}", "GET /pets/{proxy+}", "GET /pets/{id}", "ANY /pets/dog",
	"GET /c", "GET /a:b", "GET /~", "GET /pets/{id}/toys/{toyId}",
}

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "ANY", ""}

func fuzzTable(t testing.TB, mask uint64) (*Table[int], []Entry[int]) {
	var entries []Entry[int]
	for i, s := range fuzzRoutes {
		if mask&(1<<i) != 0 {
			entries = append(entries, Entry[int]{Key: mustKey(t, s), Value: i})
		}
	}
	tb, err := Build(entries)
	if err != nil {
		t.Fatalf("Build(%x): %v", mask, err)
	}
	return tb, entries
}

// refMatch is the brute-force reference: try every route, rank each match by
// the documented tiers and the package's stated rules, keep the best. It
// shares nothing with the trie but the parsed RouteKey.
func refMatch(t testing.TB, entries []Entry[int], method string, p Path) (int, []Param, bool) {
	var segs []string
	if s := p.String(); s != "/" {
		segs = strings.Split(s[1:], "/")
	}
	type cand struct {
		idx    int
		tier   int   // 0 full, 1 greedy
		kinds  []int // per template segment: 0 literal, 1 {x}, 2 {x+}
		mrank  int   // 0 the request's method, 1 ANY
		params []Param
	}
	var best *cand
	def := -1
	for i, e := range entries {
		k := e.Key
		if k.Default {
			def = i
			continue
		}
		var mrank int
		switch {
		case k.Method == "ANY":
			mrank = 1
		case k.Method == method:
			mrank = 0
		default:
			continue
		}
		c := cand{idx: i, mrank: mrank}
		ok := true
		for j, s := range k.segs {
			if j >= len(segs) {
				ok = false
				break
			}
			switch s.kind {
			case segLiteral:
				ok = segs[j] == s.text
				c.kinds = append(c.kinds, 0)
			case segVariable:
				c.params = append(c.params, Param{s.text, refUnescape(t, segs[j])})
				c.kinds = append(c.kinds, 1)
			case segGreedy:
				c.params = append(c.params, Param{s.text, refUnescape(t, strings.Join(segs[j:], "/"))})
				c.kinds = append(c.kinds, 2)
				c.tier = 1
			}
			if !ok {
				break
			}
		}
		if !ok || (c.tier == 0 && len(k.segs) != len(segs)) {
			continue
		}
		if best == nil || refLess(t, c.tier, c.kinds, c.mrank, best.tier, best.kinds, best.mrank) {
			best = &c
		}
	}
	if best != nil {
		return entries[best.idx].Value, best.params, true
	}
	if def >= 0 {
		return entries[def].Value, nil, true
	}
	return -1, nil, false
}

func refLess(t testing.TB, tierA int, kindsA []int, mA int, tierB int, kindsB []int, mB int) bool {
	if tierA != tierB {
		return tierA < tierB
	}
	for i := 0; i < len(kindsA) && i < len(kindsB); i++ {
		if kindsA[i] != kindsB[i] {
			return kindsA[i] < kindsB[i]
		}
	}
	if len(kindsA) != len(kindsB) {
		t.Fatalf("incomparable templates %v and %v", kindsA, kindsB)
	}
	if mA == mB {
		t.Fatalf("two routes with the same rank: %v", kindsA)
	}
	return mA < mB
}

func refUnescape(t testing.TB, s string) string {
	v, err := url.PathUnescape(s)
	if err != nil {
		t.Fatalf("matching form %q does not unescape: %v", s, err)
	}
	return v
}

// checkMatch compares Table.Match with the reference and checks that the
// parameters rebuild the request path from the route's template.
func checkMatch(t testing.TB, tb *Table[int], entries []Entry[int], method string, p Path, ps *Params) {
	got, ok := tb.Match(method, p, ps)
	want, wantParams, wantOK := refMatch(t, entries, method, p)
	if ok != wantOK || (ok && got != want) {
		t.Fatalf("%s %s: Match = %s, %v; reference = %s, %v", method, p, routeName(got), ok, routeName(want), wantOK)
	}
	if ps.Len() != len(wantParams) {
		t.Fatalf("%s %s -> %s: params %q, reference %q", method, p, routeName(got), paramString(ps), wantParams)
	}
	for i, w := range wantParams {
		if ps.At(i) != w {
			t.Fatalf("%s %s -> %s: params %q, reference %q", method, p, routeName(got), paramString(ps), wantParams)
		}
	}
	if !ok {
		return
	}
	var k RouteKey
	for _, e := range entries {
		if e.Value == got {
			k = e.Key
		}
	}
	if k.Default {
		if ps.Len() != 0 {
			t.Fatalf("$default with params %q", paramString(ps))
		}
		return
	}
	// Rebuild the path from the template and the parameters. Without a
	// greedy variable the rebuilt matching form is the request's exactly;
	// a greedy value is decoded ("%2F" and "/" alike), so compare decoded.
	var exact, decoded strings.Builder
	n := 0
	for _, s := range k.segs {
		exact.WriteByte('/')
		decoded.WriteByte('/')
		switch s.kind {
		case segLiteral:
			exact.WriteString(s.text)
			decoded.WriteString(s.text)
		default:
			v := ps.At(n)
			n++
			if v.Name != s.text {
				t.Fatalf("param %d named %q, template says %q", n-1, v.Name, s.text)
			}
			if v.Value == "" {
				t.Fatalf("%s %s: empty value for %s", method, p, v.Name)
			}
			exact.WriteString(strings.NewReplacer("%", "%25", "/", "%2F").Replace(v.Value))
			decoded.WriteString(v.Value)
		}
	}
	if exact.Len() == 0 {
		exact.WriteByte('/')
		decoded.WriteByte('/')
	}
	if !k.Greedy() && exact.String() != p.String() {
		t.Fatalf("%s %s -> %s: params rebuild %q", method, p, k, exact.String())
	}
	if d := refUnescape(t, p.String()); decoded.String() != d {
		t.Fatalf("%s %s -> %s: params rebuild %q, want %q", method, p, k, decoded.String(), d)
	}
}

func routeName(i int) string {
	if i < 0 || i >= len(fuzzRoutes) {
		return "<none>"
	}
	return fuzzRoutes[i]
}

// TestMatchAgreesWithReference runs the fuzz invariants over every short path
// of a small alphabet, for the whole corpus and for random subsets, so that a
// plain `go test` exercises them.
func TestMatchAgreesWithReference(t *testing.T) {
	alphabet := []string{"a", "b", "c", "d", "pets", "dog", "toys", "a%2Fb", "%25", "a:b", "~"}
	var paths []string
	var gen func(prefix string, depth int)
	gen = func(prefix string, depth int) {
		paths = append(paths, prefix)
		if depth == 3 {
			return
		}
		for _, s := range alphabet {
			gen(prefix+"/"+s, depth+1)
		}
	}
	gen("", 0)
	alphabet = alphabet[:4]
	gen("/a", 0) // up to five segments, smaller alphabet
	gen("/a/b", 0)

	masks := []uint64{1<<len(fuzzRoutes) - 1, 1<<len(fuzzRoutes) - 2}
	r := rand.New(rand.NewPCG(1, 2))
	for range 6 {
		if testing.Short() {
			break
		}
		masks = append(masks, r.Uint64())
	}
	var ps Params
	for _, mask := range masks {
		tb, entries := fuzzTable(t, mask)
		for _, raw := range paths {
			p, err := ParsePath(raw)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", raw, err)
			}
			for _, m := range fuzzMethods {
				checkMatch(t, tb, entries, m, p, &ps)
			}
		}
	}
}

func FuzzRouteMatch(f *testing.F) {
	all := uint64(1)<<len(fuzzRoutes) - 1
	for _, s := range []struct {
		mask uint64
		m    uint8
		path string
	}{
		{all, 0, "/pets/dog/1"},
		{all, 1, "/pets/cat/1"},
		{all, 0, "/a/b/c"},
		{all, 5, "/a"},
		{all, 7, "/x/b/c/d"},
		{all &^ 1, 0, "/"},
		{0, 0, "/"},
		{1, 2, "/anything/at/all"},
		{0x5555555555555555, 0, "/a/b/c/d/e"},
		{0xaaaaaaaaaaaaaaaa, 4, "/q/r"},
		{all, 0, "/a%2Fb/c"},
		{all, 0, "/pets/%E2%9C%93/toys/x%25y"},
		{all, 3, "/a/b/"},
		{all, 0, "/a//b"},
		{all, 0, "/a/../b"},
	} {
		f.Add(s.mask, s.m, s.path)
	}
	f.Fuzz(func(t *testing.T, mask uint64, m uint8, raw string) {
		tb, entries := fuzzTable(t, mask&(uint64(1)<<len(fuzzRoutes)-1))
		p, err := ParsePath(raw)
		if err != nil {
			return // FuzzNormalizePath covers refusals
		}
		var ps Params
		checkMatch(t, tb, entries, fuzzMethods[int(m)%len(fuzzMethods)], p, &ps)
	})
}

// refParsePath is an independent statement of ParsePath's policy, built on
// net/url's unescaping and strings.Split.
func refParsePath(raw string) (string, bool) {
	if raw == "" || raw == "/" {
		return "/", true
	}
	if len(raw) > MaxPathLength || raw[0] != '/' {
		return "", false
	}
	s := strings.TrimSuffix(raw, "/")
	var out []string
	for _, seg := range strings.Split(s[1:], "/") {
		if seg == "" {
			return "", false
		}
		dec, err := url.PathUnescape(seg)
		if err != nil || !utf8.ValidString(dec) {
			return "", false
		}
		for _, r := range dec {
			if r < 0x20 || r == 0x7f {
				return "", false
			}
		}
		for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return "", false
			}
		}
		out = append(out, strings.NewReplacer("%", "%25", "/", "%2F").Replace(dec))
	}
	return "/" + strings.Join(out, "/"), true
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", "/pets", "/pets/", "/pets//", "/a/./b", "/a/../b", "/a/%2e%2e/b",
		"/a/..%2Fb", "/a/..%5Cb", "/a%2Fb", "/a%2fb", "/a%25b", "/a%", "/a%zz", "/a%00",
		"/caf%C3%A9", "/a%C3%28", "/\xff", "/a b", "/a?b#c", "/.well-known/x", "/%2F",
		"/a/x%2F..", "/a%0D%0A", "pets", "/" + strings.Repeat("a/", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParsePath(raw)
		want, wantOK := refParsePath(raw)
		if (err == nil) != wantOK {
			t.Fatalf("ParsePath(%q) = %q, %v; reference ok=%v (%q)", raw, p, err, wantOK, want)
		}
		if err != nil {
			return
		}
		s := p.String()
		if s != want {
			t.Fatalf("ParsePath(%q) = %q, reference %q", raw, s, want)
		}
		if s[0] != '/' || (len(s) > 1 && s[len(s)-1] == '/') || strings.Contains(s, "//") {
			t.Fatalf("ParsePath(%q) = %q: bad slashes", raw, s)
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == 0x7f {
				t.Fatalf("ParsePath(%q) = %q: control byte", raw, s)
			}
			if s[i] == '%' && !strings.HasPrefix(s[i:], "%25") && !strings.HasPrefix(s[i:], "%2F") {
				t.Fatalf("ParsePath(%q) = %q: stray escape", raw, s)
			}
		}
		if q, err := ParsePath(s); err != nil || q != p {
			t.Fatalf("ParsePath not idempotent on %q: %q, %v", s, q, err)
		}
	})
}
