package resourcetree

import (
	"fmt"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/apigw/router"
)

// Methods a REST API resource may hold, in slot order. ANY is last: the
// fallback slot of every method set.
var methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

const (
	numMethods = len(methods)
	methodAny  = numMethods - 1
)

// methodIndex maps a request method to its slot, or -1 when only ANY can
// serve it (TRACE, a lower-case "get"...). ANY is not a request method.
func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "POST":
		return 1
	case "PUT":
		return 2
	case "PATCH":
		return 3
	case "DELETE":
		return 4
	case "HEAD":
		return 5
	case "OPTIONS":
		return 6
	}
	return -1
}

// Resource is one deployed resource: its path and the caller's value for
// each of its methods (keyed GET, POST, ..., ANY).
type Resource[T any] struct {
	Path    string
	Methods map[string]T
}

// Tree selects resources and methods for requests. Build one per deployed
// stage; it is never modified afterwards, so any number of goroutines may
// call Match at once.
type Tree[T any] struct {
	root      *node
	resources []resourceInfo
	values    []T
}

type resourceInfo struct {
	path  string
	names []string // variable names in path order
	// methods holds 1 + the index in values per slot (0: none).
	methods [numMethods]int32
}

// node is one position of the resource tree. Each edge takes exactly one
// path segment, so a node is only ever reached with the same number of
// segments consumed: a match visits each node at most once.
type node struct {
	resource int32            // the resource ending here, or -1
	lits     []litEdge        // literal children, sorted by label
	litIndex map[string]*node // the same, when there are many
	param    *node            // the {name} child
	greedy   int32            // the resource of the {name+} child, or -1
}

type litEdge struct {
	label string
	child *node
}

// Above this many literal children a map lookup beats a linear scan.
const linearLits = 8

func newNode() *node { return &node{resource: -1, greedy: -1} }

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

// PathError says why Build refused a resource path.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string { return "resource path " + e.Path + ": " + e.Reason }

// Build makes a tree of resources. It refuses a malformed path, a method
// outside the list, and two resources of the same shape (the same path,
// variable names aside), which the control plane never lets exist.
func Build[T any](resources []Resource[T]) (*Tree[T], error) {
	t := &Tree[T]{root: newNode()}
	for _, r := range resources {
		segs, err := parse(r.Path)
		if err != nil {
			return nil, err
		}
		idx := int32(len(t.resources))
		info := resourceInfo{path: r.Path}
		n := t.root
		for i, s := range segs {
			switch {
			case s.greedy:
				if i != len(segs)-1 {
					return nil, &PathError{r.Path, "a greedy path variable must be the last part"}
				}
				if n.greedy >= 0 {
					return nil, &PathError{r.Path, "another greedy resource has the same parent: " + t.resources[n.greedy].path}
				}
				n.greedy = idx
				info.names = append(info.names, s.text)
				n = nil
			case s.variable:
				if n.param == nil {
					n.param = newNode()
				}
				n = n.param
				info.names = append(info.names, s.text)
			default:
				c := n.child(s.text)
				if c == nil {
					c = newNode()
					n.lits = append(n.lits, litEdge{label: s.text, child: c})
				}
				n = c
			}
		}
		if n != nil {
			if n.resource >= 0 {
				return nil, &PathError{r.Path, "it selects the same requests as " + t.resources[n.resource].path}
			}
			n.resource = idx
		}
		// A stable order of values, whatever the map's iteration order.
		names := make([]string, 0, len(r.Methods))
		for m := range r.Methods {
			names = append(names, m)
		}
		slices.Sort(names)
		for _, m := range names {
			slot := slices.Index(methods[:], m)
			if slot < 0 {
				return nil, &PathError{r.Path, fmt.Sprintf("unknown method %q", m)}
			}
			t.values = append(t.values, r.Methods[m])
			info.methods[slot] = int32(len(t.values))
		}
		t.resources = append(t.resources, info)
	}
	t.root.finish()
	return t, nil
}

func (n *node) finish() {
	slices.SortFunc(n.lits, func(a, b litEdge) int { return strings.Compare(a.label, b.label) })
	if len(n.lits) > linearLits {
		n.litIndex = make(map[string]*node, len(n.lits))
	}
	for _, e := range n.lits {
		e.child.finish()
		if n.litIndex != nil {
			n.litIndex[e.label] = e.child
		}
	}
	if n.param != nil {
		n.param.finish()
	}
}

type segment struct {
	text             string // the literal, or the variable's name
	variable, greedy bool
}

// parse splits a resource path ("/", "/pets/{id}", "/{proxy+}").
func parse(path string) ([]segment, error) {
	if path == "" || path[0] != '/' {
		return nil, &PathError{path, "it must start with '/'"}
	}
	if path == "/" {
		return nil, nil
	}
	var segs []segment
	for rest := path[1:]; ; {
		part, tail, more := strings.Cut(rest, "/")
		switch {
		case part == "":
			return nil, &PathError{path, "it has an empty part"}
		case strings.ContainsAny(part, "{}"):
			name := strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}")
			if len(part) < 3 || part[0] != '{' || part[len(part)-1] != '}' || strings.ContainsAny(name, "{}") {
				return nil, &PathError{path, "a path variable is a whole part written {name} or {name+}"}
			}
			s := segment{text: name, variable: true}
			if n, ok := strings.CutSuffix(name, "+"); ok {
				s = segment{text: n, greedy: true}
			}
			if s.text == "" {
				return nil, &PathError{path, "a path variable needs a name"}
			}
			segs = append(segs, s)
		default:
			segs = append(segs, segment{text: part})
		}
		if !more {
			return segs, nil
		}
		rest = tail
	}
}

// Len returns the number of resources.
func (t *Tree[T]) Len() int { return len(t.resources) }

// Match selects the resource for path and the method on it for method:
// the request's own method, else ANY. It returns false when no resource
// matches or the resource has neither method: the gateway then answers
// 403 Missing Authentication Token. ps receives the path parameters and
// the matched resource's path (also when the method is missing).
//
// ps is reset first; pass a pooled *Params to match without allocating.
func (t *Tree[T]) Match(method string, p router.Path, ps *Params) (T, bool) {
	var zero T
	ps.Reset()
	r := t.root.match(p.String()[1:], ps)
	if r < 0 {
		ps.list = ps.list[:0]
		return zero, false
	}
	info := &t.resources[r]
	ps.resource = info.path
	for i := range ps.list {
		ps.list[i].Name = info.names[i]
	}
	v := int32(0)
	if m := methodIndex(method); m >= 0 {
		v = info.methods[m]
	}
	if v == 0 {
		v = info.methods[methodAny]
	}
	if v == 0 {
		return zero, false
	}
	return t.values[v-1], true
}

// match finds the resource for rest (the path after its leading '/', ""
// for the root below n): literal child, then {name} child, then the
// greedy child, each tried only if the one before cannot match.
func (n *node) match(rest string, ps *Params) int32 {
	if rest == "" {
		return n.resource
	}
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i+1:]
	}
	if c := n.child(seg); c != nil {
		if r := c.match(tail, ps); r >= 0 {
			return r
		}
	}
	if c := n.param; c != nil {
		ps.list = append(ps.list, Param{raw: seg})
		if r := c.match(tail, ps); r >= 0 {
			return r
		}
		ps.list = ps.list[:len(ps.list)-1]
	}
	if n.greedy >= 0 {
		ps.list = append(ps.list, Param{raw: rest})
		return n.greedy
	}
	return -1
}

// Walk calls fn with every method's value.
func (t *Tree[T]) Walk(fn func(T)) {
	for _, v := range t.values {
		fn(v)
	}
}
