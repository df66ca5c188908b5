package router

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// table builds a Table whose values are the route keys themselves.
func table(t testing.TB, keys ...string) *Table[string] {
	t.Helper()
	entries := make([]Entry[string], len(keys))
	for i, s := range keys {
		entries[i] = Entry[string]{Key: mustKey(t, s), Value: s}
	}
	tb, err := Build(entries)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return tb
}

type matchCase struct {
	method, path string
	want         string // route key, or "" for no match
	params       string // "name=value,name=value" in path order
}

func runMatches(t *testing.T, tb *Table[string], cases []matchCase) {
	t.Helper()
	var ps Params
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			p, err := ParsePath(c.path)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", c.path, err)
			}
			got, ok := tb.Match(c.method, p, &ps)
			if !ok {
				got = ""
			}
			if got != c.want {
				t.Fatalf("Match(%s %s) = %q, want %q", c.method, c.path, got, c.want)
			}
			if s := paramString(&ps); s != c.params {
				t.Errorf("Match(%s %s) params = %q, want %q", c.method, c.path, s, c.params)
			}
		})
	}
}

func paramString(ps *Params) string {
	var b strings.Builder
	for i := range ps.Len() {
		if i > 0 {
			b.WriteByte(',')
		}
		p := ps.At(i)
		b.WriteString(p.Name + "=" + p.Value)
	}
	return b.String()
}

// The worked example of AWS's "Create routes for HTTP APIs", row by row, and
// what follows from it.
func TestMatchAWSExample(t *testing.T) {
	tb := table(t, "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default")
	runMatches(t, tb, []matchCase{
		{"GET", "/pets/dog/1", "GET /pets/dog/{id}", "id=1"},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", "proxy=cat/1"},
		{"POST", "/test/5", "ANY /{proxy+}", "proxy=test/5"},
		// Beyond the table.
		{"GET", "/pets/dog", "GET /pets/{proxy+}", "proxy=dog"},
		{"GET", "/pets/dog/1/2", "GET /pets/{proxy+}", "proxy=dog/1/2"},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", "proxy=pets/dog/1"},
		{"GET", "/pets", "ANY /{proxy+}", "proxy=pets"},
		{"GET", "/pets/", "ANY /{proxy+}", "proxy=pets"},
		{"GET", "/", "$default", ""},
		{"DELETE", "/", "$default", ""},
	})
}

func TestMatchPrecedence(t *testing.T) {
	tb := table(t,
		"GET /pets",
		"HEAD /pets",
		"GET /pets/{id}",
		"POST /pets/{id}",
		"ANY /pets/dog",
		"GET /pets/{id}/toys",
		"GET /{a}/{b}",
		"DELETE /{a}/{b}",
		"GET /pets/{proxy+}",
		"ANY /{proxy+}",
		"ANY /",
		"GET /a/{x}/c",
		"GET /{y}/b/c",
		"GET /a/{x}/d",
		"GET /m/{x}/n",
		"GET /{y}/o/p",
		"GET /g/h/{proxy+}",
		"GET /g/{proxy+}",
		"GET /{x}/i/{proxy+}",
		"ANY /k/{id}",
		"GET /k/{proxy+}",
		"POST /only-post",
		"GET /Case",
	)
	runMatches(t, tb, []matchCase{
		// Exact literal match; the request's own method wins.
		{"GET", "/pets", "GET /pets", ""},
		{"HEAD", "/pets", "HEAD /pets", ""},
		{"PUT", "/pets", "ANY /{proxy+}", "proxy=pets"},
		// A literal segment beats a variable at the same position; for the
		// same template the request's method beats ANY, but path first:
		// ANY /pets/dog beats GET /pets/{id}.
		{"GET", "/pets/dog", "ANY /pets/dog", ""},
		{"POST", "/pets/dog", "ANY /pets/dog", ""},
		{"HEAD", "/pets/dog", "ANY /pets/dog", ""},
		{"GET", "/pets/cat", "GET /pets/{id}", "id=cat"},
		{"POST", "/pets/cat", "POST /pets/{id}", "id=cat"},
		// No route of /pets/{id} serves DELETE: fall through to the next
		// template, /{a}/{b}.
		{"DELETE", "/pets/cat", "DELETE /{a}/{b}", "a=pets,b=cat"},
		// Nor PUT, and /{a}/{b} has no PUT either: greedy tier.
		{"PUT", "/pets/cat", "ANY /{proxy+}", "proxy=pets/cat"},
		{"GET", "/cats/1", "GET /{a}/{b}", "a=cats,b=1"},
		{"GET", "/pets/1/toys", "GET /pets/{id}/toys", "id=1"},
		// A full match, even all variables, beats a greedy route with a
		// longer literal prefix.
		{"GET", "/pets/1", "GET /pets/{id}", "id=1"},
		{"GET", "/pets/1/food", "GET /pets/{proxy+}", "proxy=1/food"},
		{"GET", "/pets/1/toys/2", "GET /pets/{proxy+}", "proxy=1/toys/2"},
		// Root.
		{"GET", "/", "ANY /", ""},
		{"OPTIONS", "/", "ANY /", ""},
		// Leftmost literal wins between full matches…
		{"GET", "/a/b/c", "GET /a/{x}/c", "x=b"},
		{"GET", "/z/b/c", "GET /{y}/b/c", "y=z"},
		// …with backtracking when the literal branch dies deeper.
		{"GET", "/a/b/d", "GET /a/{x}/d", "x=b"},
		{"GET", "/m/o/p", "GET /{y}/o/p", "y=m"},
		{"GET", "/m/q/n", "GET /m/{x}/n", "x=q"},
		// Greedy tier: leftmost literal wins, so the longest literal prefix.
		{"GET", "/g/h/x", "GET /g/h/{proxy+}", "proxy=x"},
		{"GET", "/g/h/x/y", "GET /g/h/{proxy+}", "proxy=x/y"},
		// Two segments: GET /{a}/{b} is a full match, so it beats both
		// greedy routes (the tiers are strict).
		{"GET", "/g/h", "GET /{a}/{b}", "a=g,b=h"},
		{"POST", "/g/x", "ANY /{proxy+}", "proxy=g/x"},
		{"GET", "/g/i/x", "GET /g/{proxy+}", "proxy=i/x"},
		{"GET", "/q/i/x", "GET /{x}/i/{proxy+}", "x=q,proxy=x"},
		{"POST", "/g/h/x", "ANY /{proxy+}", "proxy=g/h/x"},
		// Full ANY beats greedy GET.
		{"GET", "/k/1", "ANY /k/{id}", "id=1"},
		{"GET", "/k/1/2", "GET /k/{proxy+}", "proxy=1/2"},
		// Method case and unknown methods: only ANY serves them.
		{"get", "/pets", "ANY /{proxy+}", "proxy=pets"},
		{"PROPFIND", "/pets/dog", "ANY /pets/dog", ""},
		{"TRACE", "/only-post", "ANY /{proxy+}", "proxy=only-post"},
		{"POST", "/only-post", "POST /only-post", ""},
		// Paths are case-sensitive.
		{"GET", "/Case", "GET /Case", ""},
		{"GET", "/case", "ANY /{proxy+}", "proxy=case"},
		{"GET", "/PETS", "ANY /{proxy+}", "proxy=PETS"},
		// Trailing slash.
		{"GET", "/pets/", "GET /pets", ""},
		{"GET", "/pets/cat/", "GET /pets/{id}", "id=cat"},
	})
}

func TestMatchMethods(t *testing.T) {
	tb := table(t, "GET /x", "ANY /x", "POST /y", "HEAD /z", "ANY /w")
	runMatches(t, tb, []matchCase{
		{"GET", "/x", "GET /x", ""},
		{"POST", "/x", "ANY /x", ""},
		{"HEAD", "/x", "ANY /x", ""},
		{"OPTIONS", "/x", "ANY /x", ""},
		{"POST", "/y", "POST /y", ""},
		{"GET", "/y", "", ""},
		// A GET route does not answer HEAD, nor a HEAD route GET.
		{"HEAD", "/z", "HEAD /z", ""},
		{"GET", "/z", "", ""},
		{"PATCH", "/w", "ANY /w", ""},
		{"ANY", "/y", "", ""}, // ANY is not a request method
		{"", "/w", "ANY /w", ""},
	})

	tb = table(t, "GET /h")
	runMatches(t, tb, []matchCase{{"HEAD", "/h", "", ""}})
}

func TestMatchNoDefault(t *testing.T) {
	tb := table(t, "GET /pets", "GET /pets/{id}")
	runMatches(t, tb, []matchCase{
		{"GET", "/", "", ""},
		{"GET", "/pets/1/2", "", ""},
		{"GET", "/dogs", "", ""},
		{"POST", "/pets", "", ""},
	})
}

func TestMatchOnlyDefault(t *testing.T) {
	tb := table(t, "$default")
	runMatches(t, tb, []matchCase{
		{"GET", "/", "$default", ""},
		{"POST", "/store/checkout", "$default", ""},
	})
	empty := table(t)
	runMatches(t, empty, []matchCase{{"GET", "/", "", ""}})
}

func TestMatchGreedy(t *testing.T) {
	tb := table(t, "ANY /{proxy+}", "GET /files/{path+}", "GET /files/{dir}/{name}/meta", "GET /v/{a}/{b}/{rest+}")
	runMatches(t, tb, []matchCase{
		// A greedy variable needs at least one segment.
		{"GET", "/", "", ""},
		{"GET", "/files", "ANY /{proxy+}", "proxy=files"},
		{"GET", "/files/", "ANY /{proxy+}", "proxy=files"},
		{"GET", "/files/a", "GET /files/{path+}", "path=a"},
		{"GET", "/files/a/b/c/d/e", "GET /files/{path+}", "path=a/b/c/d/e"},
		{"GET", "/files/a/b/meta", "GET /files/{dir}/{name}/meta", "dir=a,name=b"},
		{"GET", "/files/a/b/meta/x", "GET /files/{path+}", "path=a/b/meta/x"},
		{"GET", "/v/1/2/3", "GET /v/{a}/{b}/{rest+}", "a=1,b=2,rest=3"},
		{"GET", "/v/1/2/3/4", "GET /v/{a}/{b}/{rest+}", "a=1,b=2,rest=3/4"},
		{"GET", "/v/1/2", "ANY /{proxy+}", "proxy=v/1/2"},
		// Decoded, and an encoded slash is one segment's data.
		{"GET", "/files/a%2Fb/c", "GET /files/{path+}", "path=a/b/c"},
		{"GET", "/files/a%20b/c%25d", "GET /files/{path+}", "path=a b/c%d"},
	})
}

func TestMatchParamsDecoding(t *testing.T) {
	tb := table(t,
		"GET /pets/{id}",
		"GET /pets/{id}/toys/{toyId}",
		"DELETE /pets/{petId}",
		"GET /pets",
	)
	runMatches(t, tb, []matchCase{
		{"GET", "/pets/7", "GET /pets/{id}", "id=7"},
		{"DELETE", "/pets/7", "DELETE /pets/{petId}", "petId=7"},
		{"GET", "/pets/7/toys/ball", "GET /pets/{id}/toys/{toyId}", "id=7,toyId=ball"},
		{"GET", "/pets/a%20b", "GET /pets/{id}", "id=a b"},
		{"GET", "/pets/a+b", "GET /pets/{id}", "id=a+b"},
		{"GET", "/pets/a%2Fb", "GET /pets/{id}", "id=a/b"},
		{"GET", "/pets/a%2fb/toys/c%2Fd", "GET /pets/{id}/toys/{toyId}", "id=a/b,toyId=c/d"},
		{"GET", "/pets/%25", "GET /pets/{id}", "id=%"},
		{"GET", "/pets/%252F", "GET /pets/{id}", "id=%2F"},
		{"GET", "/pets/caf%C3%A9", "GET /pets/{id}", "id=café"},
		{"GET", "/pets/%E2%9C%93", "GET /pets/{id}", "id=✓"},
		{"GET", "/pets/a%3Fb%23c", "GET /pets/{id}", "id=a?b#c"},
		// Literals are compared decoded.
		{"GET", "/p%65ts", "GET /pets", ""},
		{"GET", "/%70%65%74%73/1", "GET /pets/{id}", "id=1"},
		// An encoded slash never splits a segment.
		{"GET", "/pets%2F1", "", ""},
	})

	var ps Params
	p, _ := ParsePath("/pets/7/toys/ball")
	tb.Match("GET", p, &ps)
	if ps.Get("toyId") != "ball" || ps.Get("id") != "7" || ps.Get("nope") != "" {
		t.Errorf("Get: id=%q toyId=%q nope=%q", ps.Get("id"), ps.Get("toyId"), ps.Get("nope"))
	}
	if _, ok := ps.Lookup("nope"); ok {
		t.Error("Lookup(nope) found")
	}
	// A later match resets the parameters.
	p, _ = ParsePath("/pets")
	tb.Match("GET", p, &ps)
	if ps.Len() != 0 {
		t.Errorf("params after GET /pets: %q", paramString(&ps))
	}
	// nil Params is allowed.
	p, _ = ParsePath("/pets/1")
	if v, ok := tb.Match("GET", p, nil); !ok || v != "GET /pets/{id}" {
		t.Errorf("Match with nil Params = %q, %v", v, ok)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		keys     []string
		key, old string
	}{
		{[]string{"GET /pets/{id}", "GET /pets/{petId}"}, "GET /pets/{petId}", "GET /pets/{id}"},
		{[]string{"ANY /{proxy+}", "ANY /{rest+}"}, "ANY /{rest+}", "ANY /{proxy+}"},
		{[]string{"$default", "GET /", "$default"}, "$default", "$default"},
		{[]string{"GET /a", "GET /a"}, "GET /a", "GET /a"},
		{[]string{"GET /", "GET /"}, "GET /", "GET /"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, ","), func(t *testing.T) {
			var entries []Entry[int]
			for i, k := range tt.keys {
				entries = append(entries, Entry[int]{Key: mustKey(t, k), Value: i})
			}
			_, err := Build(entries)
			var dup *DuplicateRouteError
			if !errors.As(err, &dup) {
				t.Fatalf("Build: %v, want *DuplicateRouteError", err)
			}
			if dup.Key.String() != tt.key || dup.Existing.String() != tt.old {
				t.Errorf("duplicate %s of %s, want %s of %s", dup.Key, dup.Existing, tt.key, tt.old)
			}
		})
	}

	// Same template, different methods or names: fine.
	table(t, "GET /pets/{id}", "POST /pets/{petId}", "ANY /pets/{x}", "GET /pets/{id}/{rest+}", "GET /pets/{a}/{b}")

	// A RouteKey not made by ParseRouteKey.
	for _, k := range []RouteKey{{}, {Method: "GET"}, {Method: "GET", Path: "/pets"}, {Method: "FETCH", Path: "/"}} {
		_, err := Build([]Entry[int]{{Key: k}})
		var rke *RouteKeyError
		if !errors.As(err, &rke) {
			t.Errorf("Build(%+v): %v, want *RouteKeyError", k, err)
		}
	}
}

// Many literal siblings switch the node to a map; matching must not change.
func TestMatchManyLiterals(t *testing.T) {
	var keys []string
	var cases []matchCase
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("GET /svc%02d/{id}", i))
		cases = append(cases, matchCase{"GET", fmt.Sprintf("/svc%02d/x", i), fmt.Sprintf("GET /svc%02d/{id}", i), "id=x"})
	}
	keys = append(keys, "GET /{s}/{id}")
	cases = append(cases, matchCase{"GET", "/other/x", "GET /{s}/{id}", "s=other,id=x"})
	runMatches(t, table(t, keys...), cases)
}

func TestMatchAllocs(t *testing.T) {
	tb := table(t, "GET /pets", "GET /pets/{id}", "GET /pets/{id}/toys/{toyId}", "ANY /{proxy+}", "$default")
	var ps Params
	for _, c := range []struct{ m, p string }{
		{"GET", "/pets"},
		{"GET", "/pets/1"},
		{"GET", "/pets/1/toys/2"},
		{"POST", "/a/b/c"},
		{"GET", "/"},
	} {
		p, err := ParsePath(c.p)
		if err != nil {
			t.Fatal(err)
		}
		tb.Match(c.m, p, &ps) // warm ps's capacity
		if n := testing.AllocsPerRun(200, func() { tb.Match(c.m, p, &ps) }); n != 0 {
			t.Errorf("Match(%s %s): %v allocs, want 0", c.m, c.p, n)
		}
	}
}

// Run with -race: a Table is shared by many goroutines without locks.
func TestMatchConcurrent(t *testing.T) {
	tb := table(t, "GET /pets/{id}", "ANY /{proxy+}")
	p, _ := ParsePath("/pets/42")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var ps Params
			for range 1000 {
				v, ok := tb.Match("GET", p, &ps)
				if !ok || v != "GET /pets/{id}" || ps.Get("id") != "42" {
					t.Errorf("Match = %q %v %q", v, ok, paramString(&ps))
					return
				}
			}
		})
	}
	wg.Wait()
}
