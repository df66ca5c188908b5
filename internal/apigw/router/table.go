package router

import (
	"slices"
	"strings"
)

// Entry is one route of a table: its key and the caller's value for it
// (typically the route's id or a pointer to its integration, authorizer and
// settings).
type Entry[T any] struct {
	Key   RouteKey
	Value T
}

// DuplicateRouteError says two entries select the same requests: the same
// method and path template, variable names aside, or two $default routes.
type DuplicateRouteError struct {
	Key      RouteKey // the entry refused
	Existing RouteKey // the entry it collides with
}

func (e *DuplicateRouteError) Error() string {
	return "Route with key " + e.Key.String() + " already exists (as " + e.Existing.String() + ")"
}

// Table selects routes for requests. Build one per configuration snapshot;
// it is never modified afterwards, so any number of goroutines may call
// Match at once without locking.
type Table[T any] struct {
	root   *node
	values []T
	routes []routeInfo
	def    int32 // index of the $default route, or -1
}

type routeInfo struct {
	key   RouteKey
	names []string // variable names in path order; Match fills Params from it
}

// methodSet holds, per method slot, 1 + the index of the route serving it
// (0: no route), so the zero value is an empty set.
type methodSet [numMethods]int32

// lookup returns the route for method slot m: the route for exactly that
// method, else the ANY route, else -1.
func (s *methodSet) lookup(m int) int32 {
	if m >= 0 && s[m] != 0 {
		return s[m] - 1
	}
	return s[methodAny] - 1
}

// node is one position of the path-template trie. A node is reached by a
// single path from the root, so a depth-first search visits each node at
// most once per pass: matching costs O(nodes) in the worst case however the
// templates overlap.
type node struct {
	lits     []litEdge        // literal children, sorted by label
	litIndex map[string]*node // the same, when there are many
	param    *node            // the {name} child
	end      *methodSet       // routes whose template ends here
	greedy   *methodSet       // routes whose template ends here with {name+}

	// Pruning: does this subtree hold any end (resp. greedy) route?
	hasEnd, hasGreedy bool
}

type litEdge struct {
	label string
	child *node
}

// Above this many literal children a map lookup beats a linear scan.
const linearLits = 8

func (n *node) child(seg string) *node {
	if n.litIndex != nil {
		return n.litIndex[seg]
	}
	for i := range n.lits {
		if n.lits[i].label == seg {
			return n.lits[i].child
		}
	}
	return nil
}

// Build makes a table from a set of routes. It fails with a
// *DuplicateRouteError if two entries select the same requests, and with a
// *RouteKeyError for a RouteKey that did not come from ParseRouteKey.
func Build[T any](entries []Entry[T]) (*Table[T], error) {
	t := &Table[T]{
		root:   &node{},
		values: make([]T, 0, len(entries)),
		routes: make([]routeInfo, 0, len(entries)),
		def:    -1,
	}
	for _, e := range entries {
		k := e.Key
		idx := int32(len(t.values))
		if k.Default {
			if t.def >= 0 {
				return nil, &DuplicateRouteError{Key: k, Existing: t.routes[t.def].key}
			}
			t.def = idx
		} else {
			m := slices.Index(routeMethods[:], k.Method)
			if m < 0 || k.Path == "" || (k.Path != "/" && len(k.segs) == 0) {
				return nil, &RouteKeyError{Key: k.String(), Reason: "the route key was not built by ParseRouteKey"}
			}
			set := t.root.insert(k.segs)
			if set[m] != 0 {
				return nil, &DuplicateRouteError{Key: k, Existing: t.routes[set[m]-1].key}
			}
			set[m] = idx + 1
		}
		t.values = append(t.values, e.Value)
		t.routes = append(t.routes, routeInfo{key: k, names: k.ParamNames()})
	}
	t.root.finish()
	return t, nil
}

// insert walks (creating) the trie along segs and returns the method set the
// route belongs in.
func (n *node) insert(segs []segment) *methodSet {
	for _, s := range segs {
		switch s.kind {
		case segLiteral:
			c := n.child(s.text)
			if c == nil {
				c = &node{}
				n.lits = append(n.lits, litEdge{label: s.text, child: c})
			}
			n = c
		case segVariable:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		case segGreedy:
			// ParseRouteKey guarantees a greedy variable is last.
			if n.greedy == nil {
				n.greedy = new(methodSet)
			}
			return n.greedy
		}
	}
	if n.end == nil {
		n.end = new(methodSet)
	}
	return n.end
}

// finish sorts and indexes children and computes the pruning flags.
func (n *node) finish() {
	n.hasEnd, n.hasGreedy = n.end != nil, n.greedy != nil
	slices.SortFunc(n.lits, func(a, b litEdge) int { return strings.Compare(a.label, b.label) })
	if len(n.lits) > linearLits {
		n.litIndex = make(map[string]*node, len(n.lits))
	}
	for _, e := range n.lits {
		e.child.finish()
		n.hasEnd = n.hasEnd || e.child.hasEnd
		n.hasGreedy = n.hasGreedy || e.child.hasGreedy
		if n.litIndex != nil {
			n.litIndex[e.label] = e.child
		}
	}
	if n.param != nil {
		n.param.finish()
		n.hasEnd = n.hasEnd || n.param.hasEnd
		n.hasGreedy = n.hasGreedy || n.param.hasGreedy
	}
}

// Len returns the number of routes in the table, $default included.
func (t *Table[T]) Len() int { return len(t.values) }

// Match selects the route AWS would select for a request and fills ps with
// its path parameters (decoded; a greedy value has no leading slash). It
// returns false when no route matches and there is no $default route: the
// gateway then answers 404 {"message":"Not Found"}.
//
// Order (see the package doc for sources):
//  1. routes whose whole template matches (literals and {name});
//  2. routes ending in a greedy {name+}, which needs one or more segments;
//  3. $default.
//
// Within 1 and 2, templates are compared segment by segment from the left, a
// literal beating {name} beating {name+}; for the same template, the
// request's own method beats ANY. A GET route does not answer HEAD.
//
// ps is reset first; pass a pooled *Params to match without allocating (a
// value containing an escape is decoded into a new string). ps may be nil.
func (t *Table[T]) Match(method string, p Path, ps *Params) (T, bool) {
	if ps == nil {
		ps = new(Params)
	}
	ps.Reset()
	rest := p.String()[1:]
	m := methodIndex(method)

	idx := int32(-1)
	if t.root.hasEnd {
		idx = t.root.matchFull(rest, m, ps)
	}
	if idx < 0 && t.root.hasGreedy {
		ps.list = ps.list[:0]
		idx = t.root.matchGreedy(rest, m, ps)
	}
	if idx < 0 {
		ps.list = ps.list[:0]
		if t.def < 0 {
			var zero T
			return zero, false
		}
		return t.values[t.def], true
	}
	names := t.routes[idx].names
	for i := range ps.list {
		ps.list[i].Name = names[i]
		ps.list[i].Value = unescapeValue(ps.list[i].Value)
	}
	return t.values[idx], true
}

// matchFull finds the best route whose template matches rest exactly.
// rest is the path after the leading '/', "" for the root.
func (n *node) matchFull(rest string, m int, ps *Params) int32 {
	if rest == "" {
		if n.end != nil {
			return n.end.lookup(m)
		}
		return -1
	}
	seg, tail := cutSegment(rest)
	return n.descend(seg, tail, m, ps, false)
}

// descend matches tail below the child seg leads to: the literal child
// first, then the parameter child binding seg (undone if nothing below
// matches). greedy picks matchGreedy over matchFull, and skips children
// with no route of that kind below them.
func (n *node) descend(seg, tail string, m int, ps *Params, greedy bool) int32 {
	if c := n.child(seg); c != nil && c.leadsTo(greedy) {
		if r := c.match(tail, m, ps, greedy); r >= 0 {
			return r
		}
	}
	if c := n.param; c != nil && c.leadsTo(greedy) {
		ps.list = append(ps.list, Param{Value: seg})
		if r := c.match(tail, m, ps, greedy); r >= 0 {
			return r
		}
		ps.list = ps.list[:len(ps.list)-1]
	}
	return -1
}

func (n *node) leadsTo(greedy bool) bool {
	if greedy {
		return n.hasGreedy
	}
	return n.hasEnd
}

func (n *node) match(rest string, m int, ps *Params, greedy bool) int32 {
	if greedy {
		return n.matchGreedy(rest, m, ps)
	}
	return n.matchFull(rest, m, ps)
}

// matchGreedy finds the best route ending in a greedy variable that takes
// one or more of the remaining segments.
func (n *node) matchGreedy(rest string, m int, ps *Params) int32 {
	if rest == "" {
		return -1
	}
	seg, tail := cutSegment(rest)
	if tail != "" {
		// A deeper greedy variable still has a segment to take.
		if r := n.descend(seg, tail, m, ps, true); r >= 0 {
			return r
		}
	}
	if n.greedy != nil {
		if r := n.greedy.lookup(m); r >= 0 {
			ps.list = append(ps.list, Param{Value: rest})
			return r
		}
	}
	return -1
}

func cutSegment(rest string) (seg, tail string) {
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}

// Param is one path parameter: $request.path.<Name>.
type Param struct {
	Name  string
	Value string
}

// Params holds the path parameters of a match. Reuse one per request (from a
// sync.Pool) to keep matching allocation-free.
type Params struct{ list []Param }

// Reset empties p, keeping its capacity and dropping references to the last
// request's strings.
func (p *Params) Reset() {
	clear(p.list)
	p.list = p.list[:0]
}

// Len returns the number of parameters.
func (p *Params) Len() int { return len(p.list) }

// At returns the i'th parameter in path order.
func (p *Params) At(i int) Param { return p.list[i] }

// Get returns the value of the named parameter, or "" if there is none.
func (p *Params) Get(name string) string {
	v, _ := p.Lookup(name)
	return v
}

// Lookup returns the value of the named parameter and whether it exists.
func (p *Params) Lookup(name string) (string, bool) {
	for _, kv := range p.list {
		if kv.Name == name {
			return kv.Value, true
		}
	}
	return "", false
}
