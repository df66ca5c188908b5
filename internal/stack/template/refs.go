package template

import "strings"

// checkReferences verifies, for every branch of the template whatever the
// conditions turn out to be, that each name a function or DependsOn points
// at exists and is of the right kind, and that each function is one Portolan
// evaluates. The shapes of function arguments are checked when Plan
// evaluates them.
func (t *Template) checkReferences(p *problems) {
	for _, name := range sortedKeys(t.Conditions) {
		t.walk(t.Conditions[name], child("Conditions", name), true, p)
	}
	for _, id := range sortedKeys(t.Resources) {
		r := t.Resources[id]
		path := child("Resources", id)
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				p.add(child(path, "Condition"), "condition %q is not defined in Conditions", r.Condition)
			}
		}
		for i, d := range r.DependsOn {
			if _, ok := t.Resources[d]; !ok {
				p.add(index(child(path, "DependsOn"), i), "DependsOn names %q, which is not a resource in this template", d)
			}
		}
		if r.Properties != nil {
			t.walk(r.Properties, child(path, "Properties"), false, p)
		}
	}
	for _, name := range sortedKeys(t.Outputs) {
		o := t.Outputs[name]
		path := child("Outputs", name)
		if o.Condition != "" {
			if _, ok := t.Conditions[o.Condition]; !ok {
				p.add(child(path, "Condition"), "condition %q is not defined in Conditions", o.Condition)
			}
		}
		t.walk(o.Value, child(path, "Value"), false, p)
		if o.ExportName != nil {
			t.walk(o.ExportName, child(path, "Export.Name"), false, p)
		}
	}
}

// walk checks the functions in v. inCondition is true inside the Conditions
// section, where resources may not be referenced and the condition functions
// are allowed.
func (t *Template) walk(v any, path string, inCondition bool, p *problems) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			t.walk(e, index(path, i), inCondition, p)
		}
		return
	case map[string]any:
		if k, mixed := hasFunctionKey(x); mixed {
			p.add(child(path, k), "%s must be the only key of its mapping", k)
			return
		}
		name, arg, ok := intrinsic(x)
		if !ok && inCondition && len(x) == 1 {
			if c, isCond := x["Condition"]; isCond {
				t.checkConditionName(c, child(path, "Condition"), p)
				return
			}
		}
		if !ok {
			for _, k := range sortedKeys(x) {
				t.walk(x[k], child(path, k), inCondition, p)
			}
			return
		}
		t.checkFunction(name, arg, child(path, name), inCondition, p)
	}
}

func (t *Template) checkFunction(name string, arg any, path string, inCondition bool, p *problems) {
	if why, ok := unsupportedFunctions[name]; ok {
		p.add(path, "%s is not supported: %s", name, why)
		return
	}
	if conditionFunctions[name] {
		if !inCondition {
			p.add(path, "%s is allowed only in the Conditions section (use Fn::If with a named condition here)", name)
			return
		}
	} else if !valueFunctions[name] {
		p.add(path, "unknown intrinsic function %s", name)
		return
	}
	switch name {
	case "Ref":
		target, ok := arg.(string)
		if !ok {
			p.add(path, "Ref takes a logical id or pseudo parameter name, not %s", describe(arg))
			return
		}
		t.checkRef(target, path, inCondition, p)
		return
	case "Fn::GetAtt":
		res, attr, ok := getAttArgs(arg)
		if !ok {
			p.add(path, "Fn::GetAtt takes [LogicalId, AttributeName] (attribute names computed by functions are not supported)")
			return
		}
		t.checkGetAtt(res, attr, path, inCondition, p)
		return
	case "Fn::Sub":
		s, vars, ok := subArgs(arg)
		if !ok {
			p.add(path, "Fn::Sub takes a string or [string, {Var: value, ...}]")
			return
		}
		for _, part := range parseSub(s) {
			if !part.variable {
				continue
			}
			if _, local := vars[part.text]; local {
				continue
			}
			t.checkSubVariable(part.text, path, inCondition, p)
		}
		for _, k := range sortedKeys(vars) {
			t.walk(vars[k], child(index(path, 1), k), inCondition, p)
		}
		return
	case "Fn::If":
		if l, ok := arg.([]any); ok && len(l) == 3 {
			t.checkConditionName(l[0], index(path, 0), p)
			t.walk(l[1], index(path, 1), inCondition, p)
			t.walk(l[2], index(path, 2), inCondition, p)
		} else {
			p.add(path, "Fn::If takes [ConditionName, valueIfTrue, valueIfFalse]")
		}
		return
	case "Fn::FindInMap":
		if l, ok := arg.([]any); ok && len(l) == 3 {
			if m, literal := l[0].(string); literal {
				if _, exists := t.Mappings[m]; !exists {
					p.add(index(path, 0), "mapping %q is not defined in Mappings", m)
				}
			}
		} else {
			p.add(path, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
			return
		}
	}
	// The remaining functions take nested values or conditions; check those.
	if inCondition && (name == "Fn::Not" || name == "Fn::And" || name == "Fn::Or") {
		if l, ok := arg.([]any); ok {
			for i, c := range l {
				t.walk(c, index(path, i), true, p)
			}
			return
		}
	}
	t.walk(arg, path, inCondition, p)
}

func (t *Template) checkConditionName(v any, path string, p *problems) {
	name, ok := v.(string)
	if !ok {
		p.add(path, "a condition name must be a string, not %s", describe(v))
		return
	}
	if _, ok := t.Conditions[name]; !ok {
		p.add(path, "condition %q is not defined in Conditions", name)
	}
}

func (t *Template) checkRef(target, path string, inCondition bool, p *problems) {
	if pseudoParameters[target] {
		return
	}
	if _, ok := t.Parameters[target]; ok {
		return
	}
	if _, ok := t.Resources[target]; ok {
		if inCondition {
			p.add(path, "conditions can use parameters and pseudo parameters only, not resource %q", target)
		}
		return
	}
	p.add(path, "Ref to %q, which is not a parameter, resource or pseudo parameter of this template", target)
}

func (t *Template) checkGetAtt(res, attr, path string, inCondition bool, p *problems) {
	if _, ok := t.Resources[res]; !ok {
		if _, isParam := t.Parameters[res]; isParam {
			p.add(path, "Fn::GetAtt %s.%s: %s is a parameter; only resources have attributes", res, attr, res)
			return
		}
		p.add(path, "Fn::GetAtt %s.%s: %q is not a resource in this template", res, attr, res)
		return
	}
	if inCondition {
		p.add(path, "conditions can use parameters and pseudo parameters only, not resource %q", res)
	}
}

// checkSubVariable checks a ${Name} or ${Resource.Attribute} variable that
// the Fn::Sub variable map does not define.
func (t *Template) checkSubVariable(name, path string, inCondition bool, p *problems) {
	if pseudoParameters[name] {
		return
	}
	if _, ok := t.Parameters[name]; ok {
		return
	}
	if _, ok := t.Resources[name]; ok {
		if inCondition {
			p.add(path, "conditions can use parameters and pseudo parameters only, not resource %q", name)
		}
		return
	}
	if res, attr, found := cutAttr(name); found {
		if _, ok := t.Resources[res]; ok {
			t.checkGetAtt(res, attr, path, inCondition, p)
			return
		}
	}
	p.add(path, "Fn::Sub variable ${%s} is not a parameter, resource, resource attribute, pseudo parameter or entry of the variable map", name)
}

// cutAttr splits "Resource.Attribute" at the first dot (attribute names may
// contain dots, logical ids may not).
func cutAttr(name string) (res, attr string, ok bool) {
	res, attr, ok = strings.Cut(name, ".")
	return res, attr, ok && res != "" && attr != ""
}
