package resourcetree

import (
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/apigw/router"
)

// FuzzResourceMatch builds a tree from fuzzed resource paths (one per
// line) and matches a fuzzed request path against it, checking the answer
// against a brute-force reading of the precedence rules: among the
// resources whose template matches the path, the one whose parts rank
// lowest from the left (literal < {name} < {name+}).
func FuzzResourceMatch(f *testing.F) {
	f.Add("/\n/pets\n/pets/{id}\n/pets/dog\n/{proxy+}", "/pets/dog")
	f.Add("/\n/pets\n/pets/{id}\n/pets/{id}/toys\n/pets/{proxy+}", "/pets/dog/toys")
	f.Add("/a\n/a/{b}\n/a/{b}/c\n/{x+}", "/a/b/d")
	f.Add("/{a}\n/{a}/{b}\n/x/{p+}", "/x/y")
	f.Add("/files\n/files/{path+}", "/files/a%2Fb/c%25d")
	f.Add("/", "/")
	f.Add("/\n/{proxy+}", "/a//b")
	f.Fuzz(func(t *testing.T, spec, path string) {
		var rs []Resource[int]
		for i, line := range strings.Split(spec, "\n") {
			rs = append(rs, Resource[int]{Path: line, Methods: map[string]int{"ANY": i}})
		}
		tr, err := Build(rs)
		if err != nil {
			return
		}
		p, err := router.ParsePath(path)
		if err != nil {
			return
		}
		ps := new(Params)
		got, ok := tr.Match("GET", p, ps)
		want := reference(rs, p.String())
		if !ok {
			if want >= 0 {
				t.Fatalf("%q on %q: no match, want %q", path, spec, rs[want].Path)
			}
			return
		}
		if got != want {
			w := "none"
			if want >= 0 {
				w = rs[want].Path
			}
			t.Fatalf("%q on %q: %q, want %s", path, spec, rs[got].Path, w)
		}
		if ps.Resource() != rs[got].Path {
			t.Fatalf("Resource() %q, want %q", ps.Resource(), rs[got].Path)
		}
		// Putting the parameters back into the template gives the path.
		rebuilt := rs[got].Path
		for i := 0; i < ps.Len(); i++ {
			prm := ps.At(i)
			name := "{" + prm.Name + "}"
			if !strings.Contains(rebuilt, name) {
				name = "{" + prm.Name + "+}"
			}
			rebuilt = strings.Replace(rebuilt, name, prm.raw, 1)
		}
		if rebuilt != p.String() {
			t.Fatalf("%q: template %q with parameters gives %q", p.String(), rs[got].Path, rebuilt)
		}
		if ps.Len() == 0 {
			return
		}
		if n := testing.AllocsPerRun(1, func() { tr.Match("GET", p, ps) }); n != 0 && !strings.Contains(p.String(), "%") {
			t.Fatalf("%q: %v allocations without escapes", path, n)
		}
	})
}

// reference ranks every matching resource; -1 when none matches.
func reference(rs []Resource[int], path string) int {
	best, bestRank := -1, ""
	for i, r := range rs {
		rank, ok := rankMatch(r.Path, path)
		if ok && (best < 0 || rank < bestRank) {
			best, bestRank = i, rank
		}
	}
	return best
}

// rankMatch reports whether template matches path and its rank string:
// one letter per part, 'a' literal, 'b' {name}, 'c' {name+}.
func rankMatch(template, path string) (string, bool) {
	var tparts, pparts []string
	if template != "/" {
		tparts = strings.Split(template[1:], "/")
	}
	if path != "/" {
		pparts = strings.Split(path[1:], "/")
	}
	var rank strings.Builder
	for i, tp := range tparts {
		greedy := strings.HasPrefix(tp, "{") && strings.HasSuffix(tp, "+}")
		if greedy {
			rank.WriteByte('c')
			return rank.String(), i < len(pparts)
		}
		if i >= len(pparts) {
			return "", false
		}
		if strings.HasPrefix(tp, "{") {
			rank.WriteByte('b')
			continue
		}
		if tp != pparts[i] {
			return "", false
		}
		rank.WriteByte('a')
	}
	return rank.String(), len(tparts) == len(pparts)
}
