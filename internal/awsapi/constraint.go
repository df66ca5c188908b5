package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A Constraint is one top-level member's rule from an AWS API model: a
// length for a string, a range for a number, a value set for an enum.
// AWS checks these in its request framework, before the operation runs,
// so a request that breaks one is refused before anything is looked up.
// A service keeps a table of them per operation and checks the raw
// request, which tells a member sent empty from one left out.
type Constraint struct {
	Member   string
	Min, Max int64    // a string's length or a number's value; NoLimit where the model has none
	Number   bool     // the member is a number: Min and Max bound its value
	Enum     []string // the value set of an enum member
}

// NoLimit is a Constraint's Min or Max where the model sets none.
const NoLimit = -1

// Length is the rule of a string member of min to max characters.
func Length(member string, min, max int64) Constraint {
	return Constraint{Member: member, Min: min, Max: max}
}

// Range is the rule of a number member from min to max.
func Range(member string, min, max int64) Constraint {
	return Constraint{Member: member, Min: min, Max: max, Number: true}
}

// Enum is the rule of an enum member.
func Enum(member string, values ...string) Constraint {
	return Constraint{Member: member, Min: NoLimit, Max: NoLimit, Enum: values}
}

// Violations are AWS's clauses ("Value 'x' at 'member' failed to satisfy
// constraint: ...") for the members of members that break rules, in the
// rules' order. Members left out, null, or of another type than the rule
// expects (the decoder's SerializationException) break no rule here.
//
// A rule's Member may name a member of a structure ("runtimePlatform.
// cpuArchitecture") or of every element of a list of structures
// ("placementConstraints[].type"); its clause names the place as AWS does
// ("placementConstraints.1.member.type").
func Violations(members map[string]json.RawMessage, rules []Constraint) []string {
	var clauses []string
	for _, c := range rules {
		for _, v := range lookup(members, c.Member, "") {
			if clause := c.violation(v.at, v.raw); clause != "" {
				clauses = append(clauses, clause)
			}
		}
	}
	return clauses
}

// placed is a member's value and where AWS says it is.
type placed struct {
	at  string
	raw json.RawMessage
}

// lookup finds the values path names in members; prefix is the place of
// members itself.
func lookup(members map[string]json.RawMessage, path, prefix string) []placed {
	head, rest, nested := strings.Cut(path, ".")
	name, list := strings.CutSuffix(head, "[]")
	raw, ok := members[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	at := prefix + name
	if !nested {
		return []placed{{at, raw}}
	}
	if !list {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) != nil {
			return nil
		}
		return lookup(inner, rest, at+".")
	}
	var elems []map[string]json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil
	}
	var out []placed
	for i, e := range elems {
		out = append(out, lookup(e, rest, fmt.Sprintf("%s.%d.member.", at, i+1))...)
	}
	return out
}

// JSONViolations is Violations for a JSON request body; a body that is
// not an object breaks no rule here (the decoder answers it).
func JSONViolations(body []byte, rules []Constraint) []string {
	var members map[string]json.RawMessage
	if len(rules) == 0 || json.Unmarshal(body, &members) != nil {
		return nil
	}
	return Violations(members, rules)
}

// ValidationMessage is AWS's message for broken constraints: "N validation
// error(s) detected: " and the clauses joined by "; ".
func ValidationMessage(clauses []string) string {
	noun := "error"
	if len(clauses) > 1 {
		noun = "errors"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(clauses), noun, strings.Join(clauses, "; "))
}

func (c Constraint) violation(at string, raw json.RawMessage) string {
	if c.Number {
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			return ""
		}
		switch {
		case c.Min != NoLimit && n < c.Min:
			return fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, at, c.Min)
		case c.Max != NoLimit && n > c.Max:
			return fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, at, c.Max)
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	// AWS counts characters, not bytes.
	n := int64(utf8.RuneCountInString(s))
	switch {
	case c.Enum != nil && !slices.Contains(c.Enum, s):
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", s, at, strings.Join(c.Enum, ", "))
	case c.Min != NoLimit && n < c.Min:
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", s, at, c.Min)
	case c.Max != NoLimit && n > c.Max:
		return fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", s, at, c.Max)
	}
	return ""
}

// Checked is h behind rules: a request that breaks any is refused with
// refuse(the broken rules' clauses, every one named, as AWS does) before
// h looks anything up.
func Checked(rules []Constraint, h Handler, refuse func(clauses []string) error) Handler {
	if len(rules) == 0 {
		return h
	}
	return func(ctx context.Context, body []byte) (any, error) {
		if clauses := JSONViolations(body, rules); len(clauses) > 0 {
			return nil, refuse(clauses)
		}
		return h(ctx, body)
	}
}
