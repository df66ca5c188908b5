package resourcetree

import (
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/apigw/router"
)

// tree builds a tree from "PATH METHOD,METHOD" specs ("/pets GET,POST");
// a spec without methods is a resource with none. Each method's value is
// "METHOD PATH".
func tree(t testing.TB, specs ...string) *Tree[string] {
	t.Helper()
	var rs []Resource[string]
	for _, s := range specs {
		path, ms, _ := strings.Cut(s, " ")
		r := Resource[string]{Path: path, Methods: map[string]string{}}
		if ms != "" {
			for _, m := range strings.Split(ms, ",") {
				r.Methods[m] = m + " " + path
			}
		}
		rs = append(rs, r)
	}
	tr, err := Build(rs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func match(t testing.TB, tr *Tree[string], method, path string) (string, *Params) {
	t.Helper()
	p, err := router.ParsePath(path)
	if err != nil {
		t.Fatalf("ParsePath(%q): %v", path, err)
	}
	ps := new(Params)
	v, ok := tr.Match(method, p, ps)
	if !ok {
		return "", ps
	}
	return v, ps
}

func TestMatchPrecedence(t *testing.T) {
	tr := tree(t,
		"/ GET",
		"/pets GET,POST",
		"/pets/{id} GET,ANY",
		"/pets/dog GET",
		"/pets/{id}/toys GET",
		"/pets/{proxy+} DELETE",
		"/{proxy+} ANY",
		"/shop",
		"/shop/{item} GET",
		"/files/{path+} GET",
		"/files",
	)
	for _, c := range []struct {
		method, path string
		want         string // "" : 403 Missing Authentication Token
		params       string // name=value,... in path order
		resource     string
	}{
		{"GET", "/", "GET /", "", "/"},
		{"POST", "/", "", "", "/"}, // the root has no POST and / is not a greedy match
		{"GET", "/pets", "GET /pets", "", "/pets"},
		{"GET", "/pets/", "GET /pets", "", "/pets"},
		{"PUT", "/pets", "", "", "/pets"}, // the resource is found first: no fallback to /{proxy+}
		{"GET", "/pets/dog", "GET /pets/dog", "", "/pets/dog"},
		{"POST", "/pets/dog", "", "", "/pets/dog"}, // literal wins even without the method
		{"GET", "/pets/cat", "GET /pets/{id}", "id=cat", "/pets/{id}"},
		{"PATCH", "/pets/cat", "ANY /pets/{id}", "id=cat", "/pets/{id}"},
		{"TRACE", "/pets/cat", "ANY /pets/{id}", "id=cat", "/pets/{id}"},
		{"get", "/pets/cat", "ANY /pets/{id}", "id=cat", "/pets/{id}"},
		{"GET", "/pets/cat/toys", "GET /pets/{id}/toys", "id=cat", "/pets/{id}/toys"},
		{"DELETE", "/pets/cat/food", "DELETE /pets/{proxy+}", "proxy=cat/food", "/pets/{proxy+}"},
		{"GET", "/pets/cat/food", "", "proxy=cat/food", "/pets/{proxy+}"},
		{"GET", "/pets/dog/toys", "GET /pets/{id}/toys", "id=dog", "/pets/{id}/toys"}, // backtracks from the literal
		{"GET", "/elsewhere/a/b", "ANY /{proxy+}", "proxy=elsewhere/a/b", "/{proxy+}"},
		{"GET", "/shop", "", "", "/shop"},
		{"GET", "/shop/hat", "GET /shop/{item}", "item=hat", "/shop/{item}"},
		{"GET", "/shop/hat/red", "ANY /{proxy+}", "proxy=shop/hat/red", "/{proxy+}"},
		{"GET", "/files/a/b%2Fc/d%20e", "GET /files/{path+}", "path=a/b/c/d e", "/files/{path+}"},
		{"HEAD", "/pets", "", "", "/pets"}, // GET does not answer HEAD
		{"GET", "/Pets", "ANY /{proxy+}", "proxy=Pets", "/{proxy+}"},
		{"GET", "/pets/%E2%9C%93", "GET /pets/{id}", "id=✓", "/pets/{id}"},
	} {
		got, ps := match(t, tr, c.method, c.path)
		var params []string
		for i := 0; i < ps.Len(); i++ {
			params = append(params, ps.At(i).Name+"="+ps.At(i).Value())
		}
		if got != c.want || strings.Join(params, ",") != c.params || ps.Resource() != c.resource {
			t.Errorf("%s %s -> %q %v on %q, want %q [%s] on %q", c.method, c.path, got, params, ps.Resource(), c.want, c.params, c.resource)
		}
	}
}

func TestMatchWithoutGreedyRoot(t *testing.T) {
	tr := tree(t, "/ ANY", "/pets GET", "/pets/{id} GET")
	for _, c := range []struct{ method, path, want string }{
		{"DELETE", "/", "ANY /"},
		{"GET", "/pets/1/2", ""},
		{"GET", "/cats", ""},
		{"GET", "/pets/1", "GET /pets/{id}"},
	} {
		if got, _ := match(t, tr, c.method, c.path); got != c.want {
			t.Errorf("%s %s -> %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

func TestEscaped(t *testing.T) {
	tr := tree(t, "/{proxy+} ANY", "/one/{id} GET")
	for _, c := range []struct{ path, name, want string }{
		{"/a/b%2Fc/d%20e", "proxy", "a/b%2Fc/d%20e"},
		{"/one/x%3Fy", "id", "x%3Fy"},
		{"/one/%25", "id", "%25"},
		{"/one/%C3%A9", "id", "%C3%A9"},
		{"/one/plain", "id", "plain"},
	} {
		_, ps := match(t, tr, "GET", c.path)
		p, ok := ps.Lookup(c.name)
		if !ok || p.Escaped() != c.want {
			t.Errorf("%s: {%s} escaped %q, want %q", c.path, c.name, p.Escaped(), c.want)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	for _, specs := range [][]string{
		{"pets"},
		{"/pets//toys"},
		{"/{proxy+}/x"},
		{"/{}"},
		{"/{+}"},
		{"/pe{t}s"},
		{"/{a}", "/{b}"},
		{"/{a+}", "/{b+}"},
		{"/pets", "/pets"},
		{"/pets FETCH"},
	} {
		var rs []Resource[string]
		for _, s := range specs {
			path, m, _ := strings.Cut(s, " ")
			r := Resource[string]{Path: path}
			if m != "" {
				r.Methods = map[string]string{m: m}
			}
			rs = append(rs, r)
		}
		if _, err := Build(rs); err == nil {
			t.Errorf("Build(%q) accepted", specs)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	tr := tree(t, "/ GET", "/pets GET", "/pets/{id} GET", "/{proxy+} ANY")
	ps := new(Params)
	for _, path := range []string{"/", "/pets/7", "/deep/er/path"} {
		p, _ := router.ParsePath(path)
		if n := testing.AllocsPerRun(100, func() { tr.Match("GET", p, ps) }); n != 0 {
			t.Errorf("%s: %v allocations", path, n)
		}
	}
}
