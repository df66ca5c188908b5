package template

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// resources is how evaluation reaches the resources of the stack: what Ref
// returns for one (its physical id) and what Fn::GetAtt returns. Plan
// answers with placeholders and notes the dependencies; a Resolver answers
// with what the deployer recorded.
type resources interface {
	ref(id, path string) (any, error)
	getAtt(id, attr, path string) (any, error)
}

// evaluator evaluates intrinsic functions over the value tree.
type evaluator struct {
	t      *Template
	cfg    Config
	params map[string]any  // what Ref returns for each parameter
	conds  map[string]bool // evaluated conditions
	res    resources

	// condBusy holds the conditions being evaluated, to catch a condition
	// that refers to itself. Set only while Plan evaluates conditions.
	condBusy map[string]bool
	// imports collects the export names Fn::ImportValue reads (Plan.Imports).
	imports map[string]bool
}

func (e *evaluator) errorf(path, format string, args ...any) error {
	return e.t.pos.errorf(path, format, args...)
}

// eval returns v with every function replaced by its value. Mappings and
// lists are rebuilt, never shared with the template, and drop the entries
// that evaluate to AWS::NoValue. The result may be noValue (v itself was
// Ref AWS::NoValue, or an Fn::If chose it) or, during Plan, unknown.
func (e *evaluator) eval(v any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if name, arg, ok := intrinsic(x); ok {
			return e.call(name, arg, child(path, name))
		}
		if k, mixed := hasFunctionKey(x); mixed {
			return nil, e.errorf(child(path, k), "%s must be the only key of its mapping", k)
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			r, err := e.eval(x[k], child(path, k))
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, el := range x {
			r, err := e.eval(el, index(path, i))
			if err != nil {
				return nil, err
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *evaluator) call(name string, arg any, path string) (any, error) {
	switch name {
	case "Ref":
		target, ok := arg.(string)
		if !ok {
			return nil, e.errorf(path, "Ref takes a logical id or pseudo parameter name, not %s", describe(arg))
		}
		return e.ref(target, path)
	case "Fn::GetAtt":
		res, attr, ok := getAttArgs(arg)
		if !ok {
			return nil, e.errorf(path, "Fn::GetAtt takes [LogicalId, AttributeName]")
		}
		if _, ok := e.t.Resources[res]; !ok {
			return nil, e.errorf(path, "Fn::GetAtt %s.%s: %q is not a resource in this template", res, attr, res)
		}
		return e.res.getAtt(res, attr, path)
	case "Fn::Sub":
		return e.sub(arg, path)
	case "Fn::Join":
		return e.join(arg, path)
	case "Fn::Select":
		return e.selectFn(arg, path)
	case "Fn::Split":
		return e.split(arg, path)
	case "Fn::GetAZs":
		return e.getAZs(arg, path)
	case "Fn::FindInMap":
		return e.findInMap(arg, path)
	case "Fn::Base64":
		s, known, err := e.evalString(arg, path, "Fn::Base64 encodes a string, not %s")
		if err != nil || !known {
			return unknownOrError(err)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::If":
		return e.fnIf(arg, path)
	case "Fn::ImportValue":
		return e.importValue(arg, path)
	}
	if why, ok := unsupportedFunctions[name]; ok {
		return nil, e.errorf(path, "%s is not supported: %s", name, why)
	}
	if conditionFunctions[name] {
		return nil, e.errorf(path, "%s is allowed only in the Conditions section", name)
	}
	return nil, e.errorf(path, "unknown intrinsic function %s", name)
}

// ref is Ref: a pseudo parameter, a parameter or a resource's physical id.
func (e *evaluator) ref(target, path string) (any, error) {
	switch target {
	case pseudoRegion:
		return e.cfg.Region, nil
	case pseudoAccountID:
		return e.cfg.AccountID, nil
	case pseudoStackName:
		return e.cfg.StackName, nil
	case pseudoStackID:
		return e.cfg.StackID, nil
	case pseudoPartition:
		p, _ := partition(e.cfg.Region)
		return p, nil
	case pseudoURLSuffix:
		_, s := partition(e.cfg.Region)
		return s, nil
	case pseudoNoValue:
		return noValue{}, nil
	case pseudoNotificationARNs:
		// Portolan has no SNS notifications for stacks.
		return []any{}, nil
	}
	if v, ok := e.params[target]; ok {
		if l, isList := v.([]any); isList {
			return append([]any{}, l...), nil
		}
		return v, nil
	}
	if _, ok := e.t.Resources[target]; ok {
		return e.res.ref(target, path)
	}
	return nil, e.errorf(path, "Ref to %q, which is not a parameter, resource or pseudo parameter of this template", target)
}

func (e *evaluator) sub(arg any, path string) (any, error) {
	s, vars, ok := subArgs(arg)
	if !ok {
		return nil, e.errorf(path, "Fn::Sub takes a string or [string, {Var: value, ...}]")
	}
	local := make(map[string]any, len(vars))
	for _, k := range sortedKeys(vars) {
		vp := child(index(path, 1), k)
		v, err := e.eval(vars[k], vp)
		if err != nil {
			return nil, err
		}
		local[k] = v
	}
	var b stringParts
	// Every variable is evaluated even once one is unknown: Plan learns the
	// dependencies from these calls.
	for _, part := range parseSub(s) {
		if !part.variable {
			b.add(part.text)
			continue
		}
		v, ok := local[part.text]
		if !ok {
			var err error
			if v, err = e.subVariable(part.text, path); err != nil {
				return nil, err
			}
		}
		if !b.add(v) {
			return nil, e.errorf(path, "Fn::Sub variable ${%s} is %s; only strings can be substituted", part.text, describe(v))
		}
	}
	return b.joined(""), nil
}

// subVariable resolves ${Name} (as Ref) or ${Resource.Attribute} (as
// Fn::GetAtt).
func (e *evaluator) subVariable(name, path string) (any, error) {
	if pseudoParameters[name] {
		return e.ref(name, path)
	}
	if _, ok := e.params[name]; ok {
		return e.ref(name, path)
	}
	if _, ok := e.t.Resources[name]; ok {
		return e.res.ref(name, path)
	}
	if res, attr, ok := cutAttr(name); ok {
		if _, isRes := e.t.Resources[res]; isRes {
			return e.res.getAtt(res, attr, path)
		}
	}
	return nil, e.errorf(path, "Fn::Sub variable ${%s} is not a parameter, resource, resource attribute, pseudo parameter or entry of the variable map", name)
}

func (e *evaluator) join(arg any, path string) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, e.errorf(path, "Fn::Join takes [delimiter, [values...]]")
	}
	delim, ok := l[0].(string)
	if !ok {
		return nil, e.errorf(index(path, 0), "the Fn::Join delimiter must be a literal string, not %s", describe(l[0]))
	}
	v, err := e.eval(l[1], index(path, 1))
	if err != nil {
		return nil, err
	}
	if _, ok := v.(unknown); ok {
		return unknown{}, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, e.errorf(index(path, 1), "Fn::Join needs a list of values, not %s", describe(v))
	}
	parts := stringParts{list: make([]string, 0, len(items))}
	for i, it := range items {
		if !parts.add(it) {
			return nil, e.errorf(index(index(path, 1), i), "Fn::Join can join strings only; element %d is %s", i, describe(it))
		}
	}
	return parts.joined(delim), nil
}

func (e *evaluator) selectFn(arg any, path string) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, e.errorf(path, "Fn::Select takes [index, [values...]]")
	}
	iv, err := e.eval(l[0], index(path, 0))
	if err != nil {
		return nil, err
	}
	lv, err := e.eval(l[1], index(path, 1))
	if err != nil {
		return nil, err
	}
	_, unknownIndex := iv.(unknown)
	var i int
	if !unknownIndex {
		if i, err = selectIndex(iv); err != nil {
			return nil, e.errorf(index(path, 0), "%v", err)
		}
	}
	if _, ok := lv.(unknown); ok {
		return unknown{}, nil
	}
	items, ok := lv.([]any)
	if !ok {
		return nil, e.errorf(index(path, 1), "Fn::Select needs a list, not %s", describe(lv))
	}
	if unknownIndex {
		return unknown{}, nil
	}
	if i >= len(items) {
		return nil, e.errorf(path, "Fn::Select index %d is out of range: the list has %d elements", i, len(items))
	}
	if items[i] == nil {
		return nil, e.errorf(path, "Fn::Select picked a null element (index %d)", i)
	}
	return items[i], nil
}

// selectIndex reads an Fn::Select index, which templates write as a
// number or as a string ("1" in AWS's own examples).
func selectIndex(v any) (int, error) {
	var i int64
	switch x := v.(type) {
	case int64:
		i = x
	case float64:
		if x != float64(int64(x)) {
			return 0, fmt.Errorf("Fn::Select index %s is not an integer", formatFloat(x))
		}
		i = int64(x)
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("Fn::Select index %q is not an integer", x)
		}
		i = n
	default:
		return 0, fmt.Errorf("Fn::Select index must be an integer, not %s", describe(v))
	}
	if i < 0 || i > 1<<31 {
		return 0, fmt.Errorf("Fn::Select index %d is out of range", i)
	}
	return int(i), nil
}

func (e *evaluator) split(arg any, path string) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 2 {
		return nil, e.errorf(path, "Fn::Split takes [delimiter, string]")
	}
	delim, ok := l[0].(string)
	if !ok || delim == "" {
		return nil, e.errorf(index(path, 0), "the Fn::Split delimiter must be a non-empty literal string")
	}
	s, known, err := e.evalString(l[1], index(path, 1), "Fn::Split splits a string, not %s")
	if err != nil || !known {
		return unknownOrError(err)
	}
	parts := strings.Split(s, delim)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// getAZs returns three availability zones, <region>a to <region>c: the
// shape of every region's first zones and all a local emulation needs.
func (e *evaluator) getAZs(arg any, path string) (any, error) {
	v, err := e.eval(arg, path)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(unknown); ok {
		return unknown{}, nil
	}
	region, ok := v.(string)
	if !ok {
		return nil, e.errorf(path, "Fn::GetAZs takes a region name or \"\", not %s", describe(v))
	}
	if region == "" {
		region = e.cfg.Region
	}
	return []any{region + "a", region + "b", region + "c"}, nil
}

func (e *evaluator) findInMap(arg any, path string) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return nil, e.errorf(path, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
	}
	var parts stringParts
	for i, a := range l {
		v, err := e.eval(a, index(path, i))
		if err != nil {
			return nil, err
		}
		if !parts.add(v) {
			return nil, e.errorf(index(path, i), "Fn::FindInMap keys must be strings, not %s", describe(v))
		}
	}
	if parts.unknown {
		return unknown{}, nil
	}
	keys := parts.list
	m, ok := e.t.Mappings[keys[0]]
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: mapping %q is not defined in Mappings", keys[0])
	}
	top, ok := m[keys[1]]
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
	}
	v, ok := top[keys[2]]
	if !ok {
		return nil, e.errorf(path, "Fn::FindInMap: mapping %s.%s has no key %q", keys[0], keys[1], keys[2])
	}
	if l, isList := v.([]any); isList {
		return append([]any{}, l...), nil
	}
	return v, nil
}

// evalString evaluates v to a string (or number). known is false when the
// value is not known until deployment; notString formats the error for a
// value of another kind, given its description.
func (e *evaluator) evalString(v any, path, notString string) (s string, known bool, err error) {
	val, err := e.eval(v, path)
	if err != nil {
		return "", false, err
	}
	if _, ok := val.(unknown); ok {
		return "", false, nil
	}
	s, ok := scalarString(val)
	if !ok {
		return "", false, e.errorf(path, notString, describe(val))
	}
	return s, true, nil
}

// unknownOrError is the result of an intrinsic whose argument failed (err)
// or is not known until deployment (err == nil).
func unknownOrError(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return unknown{}, nil
}

// stringParts gathers the strings an intrinsic builds its result from
// (Fn::Sub, Fn::Join, Fn::FindInMap). A part not known until deployment
// makes the result unknown, but the later parts are still checked, so a plan
// reports their errors too.
type stringParts struct {
	list    []string
	unknown bool
}

// add appends v as a string; false when v is known but neither a string
// nor a number.
func (sp *stringParts) add(v any) bool {
	if _, ok := v.(unknown); ok {
		sp.unknown = true
		sp.list = append(sp.list, "")
		return true
	}
	s, ok := scalarString(v)
	if !ok {
		return false
	}
	sp.list = append(sp.list, s)
	return true
}

// joined is the parts joined by sep, or unknown when any part is.
func (sp *stringParts) joined(sep string) any {
	if sp.unknown {
		return unknown{}
	}
	return strings.Join(sp.list, sep)
}

func (e *evaluator) fnIf(arg any, path string) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return nil, e.errorf(path, "Fn::If takes [ConditionName, valueIfTrue, valueIfFalse]")
	}
	name, ok := l[0].(string)
	if !ok {
		return nil, e.errorf(index(path, 0), "Fn::If needs a condition name, not %s", describe(l[0]))
	}
	cond, err := e.condition(name, index(path, 0))
	if err != nil {
		return nil, err
	}
	// Only the chosen branch is evaluated, so only it creates dependencies:
	// the other may name a resource its condition leaves out.
	if cond {
		return e.eval(l[1], index(path, 1))
	}
	return e.eval(l[2], index(path, 2))
}

// condition returns the value of a named condition, evaluating it (and the
// conditions it uses) the first time during Plan.
func (e *evaluator) condition(name, path string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	body, ok := e.t.Conditions[name]
	if !ok {
		return false, e.errorf(path, "condition %q is not defined in Conditions", name)
	}
	if e.condBusy == nil {
		return false, e.errorf(path, "condition %q was not evaluated by Plan", name)
	}
	if e.condBusy[name] {
		return false, e.errorf(child("Conditions", name), "condition %s depends on itself", name)
	}
	e.condBusy[name] = true
	defer delete(e.condBusy, name)
	v, err := e.condExpr(body, child("Conditions", name))
	if err != nil {
		return false, err
	}
	e.conds[name] = v
	return v, nil
}

func (e *evaluator) condExpr(v any, path string) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false, e.errorf(path, "a condition must be one of Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
	}
	var name string
	var arg any
	for k, a := range m {
		name, arg = k, a
	}
	fp := child(path, name)
	switch name {
	case "Condition":
		c, ok := arg.(string)
		if !ok {
			return false, e.errorf(fp, "Condition takes a condition name, not %s", describe(arg))
		}
		return e.condition(c, fp)
	case "Fn::Equals":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return false, e.errorf(fp, "Fn::Equals takes [value1, value2]")
		}
		var vals [2]any
		for i := range l {
			v, err := e.eval(l[i], index(fp, i))
			if err != nil {
				return false, err
			}
			if _, ok := v.(noValue); ok {
				return false, e.errorf(index(fp, i), "AWS::NoValue cannot be compared")
			}
			vals[i] = v
		}
		return valuesEqual(vals[0], vals[1]), nil
	case "Fn::Not":
		l, ok := arg.([]any)
		if !ok || len(l) != 1 {
			return false, e.errorf(fp, "Fn::Not takes [condition]")
		}
		c, err := e.condExpr(l[0], index(fp, 0))
		return !c, err
	case "Fn::And", "Fn::Or":
		l, ok := arg.([]any)
		if !ok || len(l) < 2 || len(l) > 10 {
			return false, e.errorf(fp, "%s takes a list of 2 to 10 conditions", name)
		}
		// Every operand is evaluated, not short-circuited, so that an
		// error anywhere in a condition is reported whatever the values.
		result := name == "Fn::And"
		for i, c := range l {
			b, err := e.condExpr(c, index(fp, i))
			if err != nil {
				return false, err
			}
			if name == "Fn::And" {
				result = result && b
			} else {
				result = result || b
			}
		}
		return result, nil
	}
	return false, e.errorf(fp, "%s is not a condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition)", name)
}

// noResources answers for the Conditions section, which may not use
// resources (Parse already rejects that; this keeps evaluation honest).
type noResources struct{ t *Template }

func (n noResources) ref(id, path string) (any, error) {
	return nil, n.t.pos.errorf(path, "conditions can use parameters and pseudo parameters only, not resource %q", id)
}

func (n noResources) getAtt(id, _, path string) (any, error) {
	return n.ref(id, path)
}
