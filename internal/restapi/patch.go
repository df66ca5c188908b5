package restapi

import (
	"strconv"
	"strings"
)

// Every v1 Update* call takes patchOperations: op (add, remove, replace,
// move, copy, test), a JSON Pointer path into the resource ("/name",
// "/variables/color", "/~1pets/GET/throttling/rateLimit": "~1" is "/",
// "~0" is "~") and a string value. Each resource lists the paths it
// accepts in a patch table; a call applies its operations to a copy of the
// record and writes it only when all of them apply, so a bad operation
// changes nothing.

// PatchOperation is one change of an Update* call.
type PatchOperation struct {
	Op    string  `json:"op"`
	Path  string  `json:"path"`
	Value *string `json:"value,omitempty"`
	From  string  `json:"from,omitempty"`
}

// PatchInput is the body of every Update* call.
type PatchInput struct {
	PatchOperations []PatchOperation `json:"patchOperations,omitempty"`
}

// maxPatchPath bounds a path: AWS's longest (usage plan method throttles)
// are far shorter.
const maxPatchPath = 1024

// parsePatchPath splits a JSON Pointer into its unescaped segments:
// "/a~1b/c" → ["a/b", "c"]. "/" alone is one empty segment.
func parsePatchPath(p string) ([]string, error) {
	if p == "" || p[0] != '/' || len(p) > maxPatchPath {
		return nil, badRequest("Invalid patch path '%s'", p)
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if !strings.Contains(s, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			if s[j] != '~' {
				b.WriteByte(s[j])
				continue
			}
			if j+1 >= len(s) || (s[j+1] != '0' && s[j+1] != '1') {
				return nil, badRequest("Invalid patch path '%s': '~' must be followed by 0 or 1", p)
			}
			b.WriteByte("~/"[s[j+1]-'0'])
			j++
		}
		segs[i] = b.String()
	}
	return segs, nil
}

// patchRule is one path a resource accepts: its pattern (literal segments,
// "{}" for any one segment, handed to apply as an argument), the ops
// allowed on it (space-separated) and how to apply one.
type patchRule[T any] struct {
	pattern string
	ops     string
	apply   func(rec *T, op *PatchOperation, args []string) error
}

// applyPatch applies ops to rec in order. The caller hands in a copy and
// writes it only on success.
func applyPatch[T any](rec *T, ops []PatchOperation, rules []patchRule[T]) error {
	if len(ops) == 0 {
		return badRequest("Invalid patch operations: none specified")
	}
	for i := range ops {
		op := &ops[i]
		switch op.Op {
		case "add", "remove", "replace":
		case "move", "copy", "test":
			return badRequest("Invalid patch operation specified: '%s' is not supported here; use add, remove or replace", op.Op)
		default:
			return badRequest("Invalid patch operation specified: '%s'. Must be one of: [add, remove, replace, move, copy, test]", op.Op)
		}
		segs, err := parsePatchPath(op.Path)
		if err != nil {
			return err
		}
		rule, args := matchPatchRule(rules, op.Op, segs)
		if rule == nil {
			return badRequest("Invalid patch path '%s' specified for op '%s'. Must be one of: [%s]", op.Path, op.Op, patchPaths(rules, op.Op))
		}
		if op.Op != "remove" && op.Value == nil && !strings.Contains(rule.ops, "novalue") {
			return badRequest("Invalid patch operation: op '%s' on '%s' needs a value", op.Op, op.Path)
		}
		if err := rule.apply(rec, op, args); err != nil {
			return err
		}
	}
	return nil
}

func matchPatchRule[T any](rules []patchRule[T], op string, segs []string) (*patchRule[T], []string) {
	for i := range rules {
		r := &rules[i]
		if !hasWord(r.ops, op) {
			continue
		}
		pat := strings.Split(r.pattern[1:], "/")
		if len(pat) != len(segs) {
			continue
		}
		var args []string
		ok := true
		for j, p := range pat {
			switch {
			case p == "{}" && segs[j] != "":
				args = append(args, segs[j])
			case p != segs[j]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return r, args
		}
	}
	return nil, nil
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

func patchPaths[T any](rules []patchRule[T], op string) string {
	var out []string
	for _, r := range rules {
		if hasWord(r.ops, op) {
			out = append(out, r.pattern)
		}
	}
	return strings.Join(out, ", ")
}

// The value parsers below word their errors as AWS's patch validation does.

func (op *PatchOperation) str() string {
	if op.Value == nil {
		return ""
	}
	return *op.Value
}

func (op *PatchOperation) boolValue() (bool, error) {
	switch strings.ToLower(op.str()) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badRequest("Invalid value '%s' for %s: must be true or false", op.str(), op.Path)
}

func (op *PatchOperation) intValue(lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(op.str(), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("Invalid value '%s' for %s: must be an integer between %d and %d", op.str(), op.Path, lo, hi)
	}
	return n, nil
}

func (op *PatchOperation) floatValue(lo, hi float64) (float64, error) {
	f, err := strconv.ParseFloat(op.str(), 64)
	if err != nil || f != f || f < lo || f > hi {
		return 0, badRequest("Invalid value '%s' for %s: must be a number between %g and %g", op.str(), op.Path, lo, hi)
	}
	return f, nil
}

// setString is the rule body of a plain string member: replace sets it,
// remove (where allowed) clears it.
func setString[T any](field func(*T) *string) func(*T, *PatchOperation, []string) error {
	return func(rec *T, op *PatchOperation, _ []string) error {
		*field(rec) = op.str()
		if op.Op == "remove" {
			*field(rec) = ""
		}
		return nil
	}
}

// setMapEntry is the rule body of a string map member addressed by key
// ("/variables/{}"): add and replace set the entry, remove deletes it.
func setMapEntry[T any](field func(*T) *map[string]string, check func(key, value string) error) func(*T, *PatchOperation, []string) error {
	return func(rec *T, op *PatchOperation, args []string) error {
		m := field(rec)
		if op.Op == "remove" {
			delete(*m, args[0])
			return nil
		}
		if check != nil {
			if err := check(args[0], op.str()); err != nil {
				return err
			}
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[args[0]] = op.str()
		return nil
	}
}
