package awstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

// maxGeneratedLength bounds the strings CheckConstraints sends: a member
// whose maximum length is larger (a policy document of megabytes) gets no
// too-long case.
const maxGeneratedLength = 1 << 18

// ConstraintCase is one input CheckConstraints sends: Member of an
// operation given Value, which breaks Rule ("enum", "min length", "max
// length", "min", "max") of the model.
type ConstraintCase struct {
	Member string
	Rule   string
	Value  any
}

// ConstraintCases are the cases for one top-level member of an input: a
// value outside its enum; for a string, one shorter than its minimum
// length (if that is above zero) and one longer than its maximum; for a
// number, one below its minimum and one above its maximum. Only top-level
// members are covered: they are where AWS's framework validation and a
// product's first checks meet, and a nested member needs a valid parent
// built around it. Values a Go field of type ft cannot hold are left out.
func ConstraintCases(member string, s Shape, ft reflect.Type) []ConstraintCase {
	base := ft
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	var cases []ConstraintCase
	switch {
	case base.Kind() == reflect.String && len(s.Enum) > 0:
		cases = append(cases, ConstraintCase{member, "enum", badEnumValue(s.Enum)})
	case base.Kind() == reflect.String:
		if n, ok := bound(s.Min); ok && n > 0 {
			cases = append(cases, ConstraintCase{member, "min length", strings.Repeat("a", int(n-1))})
		}
		if n, ok := bound(s.Max); ok && n < maxGeneratedLength {
			cases = append(cases, ConstraintCase{member, "max length", strings.Repeat("a", int(n+1))})
		}
	case base.Kind() >= reflect.Int && base.Kind() <= reflect.Int64:
		probe := reflect.New(base).Elem()
		if n, ok := bound(s.Min); ok && !probe.OverflowInt(n-1) && n-1 < n {
			cases = append(cases, ConstraintCase{member, "min", n - 1})
		}
		if n, ok := bound(s.Max); ok && !probe.OverflowInt(n+1) && n+1 > n {
			cases = append(cases, ConstraintCase{member, "max", n + 1})
		}
	}
	return cases
}

// bound reads a model's min or max as an integer; fractional bounds
// (doubles) are not generated.
func bound(n *json.Number) (int64, bool) {
	if n == nil {
		return 0, false
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	return v, err == nil
}

// badEnumValue is a value none of values matches, even ignoring case.
func badEnumValue(values []string) string {
	bad := "NOT_A_VALID_VALUE"
	for i := 0; ; i++ {
		clash := false
		for _, v := range values {
			clash = clash || strings.EqualFold(v, bad)
		}
		if !clash {
			return bad
		}
		bad = fmt.Sprintf("NOT_A_VALID_VALUE_%d", i)
	}
}

// set stores c.Value in the field f (a string, a number, or a pointer to
// one).
func (c ConstraintCase) set(f reflect.Value) {
	target := f
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		f.Set(p)
		target = p.Elem()
	}
	switch v := c.Value.(type) {
	case string:
		target.SetString(v)
	case int64:
		target.SetInt(v)
	}
}

// field is the Go field of input struct s for the model's member name
// (the SDK capitalises the model's names: logGroupName is LogGroupName).
func field(s reflect.Value, member string) (reflect.Value, bool) {
	f := s.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, member) })
	return f, f.IsValid() && f.CanSet()
}

// Given are the values CheckConstraints puts in its inputs besides the
// member under test, so that a case is refused for that member and not for
// a filler: a key "Member" sets that member wherever Fill set it (the id
// of a real resource in place of "x"); a key "Operation.Member" sets it in
// that operation's input whether required or not (the log group that
// DescribeLogStreams needs, a valid ARN).
type Given map[string]any

func (g Given) set(in reflect.Value, op string) {
	s := in.Elem()
	// The keys of every operation first, so that an operation's own win.
	for key, v := range g {
		if f := s.FieldByName(key); !strings.Contains(key, ".") && f.IsValid() && f.CanSet() && !f.IsZero() {
			assign(f, v)
		}
	}
	for key, v := range g {
		if o, name, ok := strings.Cut(key, "."); ok && o == op {
			if f := s.FieldByName(name); f.IsValid() && f.CanSet() {
				assign(f, v)
			}
		}
	}
}

// assign sets f to v: a string also fills a *string or a string-kinded
// field (an SDK enum); other values must be assignable to f. A list or a
// structure is copied, one level deep, since a nested case changes it.
func assign(f reflect.Value, v any) {
	val := reflect.ValueOf(v)
	switch {
	case val.Kind() == reflect.Slice:
		c := reflect.MakeSlice(val.Type(), val.Len(), val.Len())
		reflect.Copy(c, val)
		val = c
	case val.Kind() == reflect.Pointer && val.Elem().Kind() == reflect.Struct:
		c := reflect.New(val.Type().Elem())
		c.Elem().Set(val.Elem())
		val = c
	}
	switch {
	case val.Kind() == reflect.String && f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String:
		p := reflect.New(f.Type().Elem())
		p.Elem().SetString(val.String())
		f.Set(p)
	case val.Kind() == reflect.String && f.Kind() == reflect.String:
		f.SetString(val.String())
	case val.Type().AssignableTo(f.Type()):
		f.Set(val)
	}
}

// CheckConstraints calls every operation of client once per case of
// ConstraintCases for each member of its input in model, and for each
// member of a structure at the top (or of the first element of a list of
// structures there), the required members filled (Fill, then given, and
// the model's required members of the structure that holds the case),
// and wants one of codes (the service's validation errors) and no change
// to the store (revision reads its revision). Deeper members are left
// out: each level needs a valid parent built around the case, and the
// first level is where the services' checks are. Members that travel in
// the URL's path are skipped (a client cannot send them empty, and a
// wrong one names no resource), as are operations the server does not
// serve. It returns the number of cases checked.
func CheckConstraints(t *testing.T, client any, model *Model, revision func() int64, given Given, codes ...string) int {
	t.Helper()
	ctx := context.Background()
	checked := 0
	baseline := os.Getenv("PORTOLAN_TEST_BASELINE") != ""
	perOp := map[string]int{}
	for _, op := range Operations(t, client) {
		shape := model.Input(op.Name)
		if shape == nil {
			continue
		}
		cases := 0
		for _, tg := range targets(model, *shape, op.NewInput().Elem().Type()) {
			in := op.NewInput()
			Fill(in, op.Required)
			given.set(in, op.Name)
			tg.c.set(tg.locate(model, in.Elem()))
			label := fmt.Sprintf("%s with %s breaking its %s rule (%s)", op.Name, tg.path, tg.c.Rule, short(tg.c.Value))
			if expectRefused(ctx, t, op, in, label, revision, codes) {
				cases++
			}
		}
		checked += cases
		perOp[op.Name] = cases
	}
	if baseline {
		// After every case: the calls change the store.
		for _, op := range Operations(t, client) {
			if perOp[op.Name] > 0 {
				logBaseline(ctx, t, op, given, perOp[op.Name], codes)
			}
		}
	}
	return checked
}

// A target is one case and the member it goes in: a top-level member, or
// member nested of the structure (or list of structures) top.
type target struct {
	top, nested string
	holder      Shape // the structure that holds nested
	path        string
	c           ConstraintCase
}

// targets are the cases of an input shape whose Go struct type is typ, in
// the order of the members' names.
func targets(model *Model, shape Shape, typ reflect.Type) []target {
	var out []target
	for _, name := range sortedMembers(shape) {
		m := shape.Members[name]
		f, ok := typ.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) })
		if m.Location == "uri" || !ok || !f.IsExported() {
			continue
		}
		for _, c := range ConstraintCases(name, model.Shapes[m.Shape], f.Type) {
			out = append(out, target{top: name, path: name, c: c})
		}
		holder, elem, path := model.Shapes[m.Shape], f.Type, name
		if holder.Type == "list" && holder.Member != nil && elem.Kind() == reflect.Slice {
			holder, elem, path = model.Shapes[holder.Member.Shape], elem.Elem(), name+"[0]"
		}
		if elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if holder.Type != "structure" || elem.Kind() != reflect.Struct {
			continue
		}
		for _, inner := range sortedMembers(holder) {
			nf, ok := elem.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, inner) })
			if !ok || !nf.IsExported() {
				continue
			}
			for _, c := range ConstraintCases(inner, model.Shapes[holder.Members[inner].Shape], nf.Type) {
				out = append(out, target{top: name, nested: inner, holder: holder, path: path + "." + inner, c: c})
			}
		}
	}
	return out
}

func sortedMembers(s Shape) []string {
	names := make([]string, 0, len(s.Members))
	for name := range s.Members {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// locate is the field of input struct s the case goes in, with the
// structure that holds a nested member made (if given did not make it)
// and its required members filled.
func (tg target) locate(model *Model, s reflect.Value) reflect.Value {
	f, _ := field(s, tg.top)
	if tg.nested == "" {
		return f
	}
	var holder reflect.Value
	switch {
	case f.Kind() == reflect.Slice:
		if f.Len() == 0 {
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		}
		holder = f.Index(0)
	case f.Kind() == reflect.Pointer:
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		holder = f.Elem()
	default:
		holder = f
	}
	if holder.Kind() == reflect.Pointer { // a list of pointers to structures
		if holder.IsNil() {
			holder.Set(reflect.New(holder.Type().Elem()))
		}
		holder = holder.Elem()
	}
	for _, name := range tg.holder.Required {
		if r, ok := field(holder, name); ok && r.IsZero() {
			r.Set(sample(r.Type()))
		}
	}
	nf, _ := field(holder, tg.nested)
	return nf
}

// logBaseline sends op with only its required members, as filled for its
// cases, and logs it if it is refused with a validation error: its cases
// pass whatever the member under test holds. A diagnostic for widening
// given, on with PORTOLAN_TEST_BASELINE.
func logBaseline(ctx context.Context, t *testing.T, op Operation, given Given, cases int, codes []string) {
	in := op.NewInput()
	Fill(in, op.Required)
	given.set(in, op.Name)
	var api smithy.APIError
	if err := op.Call(ctx, in); errors.As(err, &api) && slices.Contains(codes, api.ErrorCode()) {
		t.Logf("%d cases of %s inconclusive: with only its required members it is refused: %s", cases, op.Name, api.ErrorMessage())
	}
}

// short is a value as a failure message shows it: long strings cut.
func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 20 {
		return fmt.Sprintf("%s… (%d characters)", s[:20], len(s))
	}
	return fmt.Sprintf("%q", s)
}
