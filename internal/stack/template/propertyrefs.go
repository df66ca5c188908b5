package template

// PropertyReferences says, for each top-level property of a resource, which
// resources and parameters its template expression names (through Ref,
// Fn::GetAtt and Fn::Sub variables, in every branch of Fn::If). A change
// set uses it to explain a change that comes from elsewhere: a referenced
// resource that is replaced, or a parameter given a new value.
type PropertyReferences struct {
	Resources  map[string][]string // property -> logical ids, sorted
	Parameters map[string][]string // property -> parameter names, sorted
}

// References returns the PropertyReferences of a resource of the template.
func (t *Template) References(logicalID string) PropertyReferences {
	refs := PropertyReferences{Resources: map[string][]string{}, Parameters: map[string][]string{}}
	r, ok := t.Resources[logicalID]
	if !ok {
		return refs
	}
	for _, prop := range sortedKeys(r.Properties) {
		res, params := map[string]bool{}, map[string]bool{}
		t.collectNames(r.Properties[prop], res, params)
		if len(res) > 0 {
			refs.Resources[prop] = sortedKeys(res)
		}
		if len(params) > 0 {
			refs.Parameters[prop] = sortedKeys(params)
		}
	}
	return refs
}

func (t *Template) collectNames(v any, res, params map[string]bool) {
	note := func(name string) {
		if _, ok := t.Resources[name]; ok {
			res[name] = true
		} else if _, ok := t.Parameters[name]; ok {
			params[name] = true
		}
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			t.collectNames(e, res, params)
		}
	case map[string]any:
		name, arg, isFunc := intrinsic(x)
		switch {
		case !isFunc:
			for _, e := range x {
				t.collectNames(e, res, params)
			}
		case name == "Ref":
			if s, ok := arg.(string); ok {
				note(s)
			}
		case name == "Fn::GetAtt":
			if r, _, ok := getAttArgs(arg); ok {
				note(r)
			}
		case name == "Fn::Sub":
			s, vars, ok := subArgs(arg)
			if !ok {
				return
			}
			for _, part := range parseSub(s) {
				if _, local := vars[part.text]; !part.variable || local {
					continue
				}
				if r, _, isAttr := cutAttr(part.text); isAttr {
					note(r)
				} else {
					note(part.text)
				}
			}
			for _, e := range vars {
				t.collectNames(e, res, params)
			}
		default:
			t.collectNames(arg, res, params)
		}
	}
}
