package template

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Template is a parsed, structurally valid CloudFormation template. Values
// that may hold intrinsic functions (resource properties, output values,
// conditions) are kept as long-form value trees; Plan evaluates them.
type Template struct {
	AWSTemplateFormatVersion string
	Description              string
	Parameters               map[string]*Parameter
	Mappings                 map[string]map[string]map[string]any
	Conditions               map[string]any
	Resources                map[string]*Resource
	Outputs                  map[string]*Output

	// Notes lists parts of the template Portolan accepted but does not act
	// on (the Rules section, an AllowedPattern Go cannot compile); a deploy
	// command shows them so that nothing is ignored silently.
	Notes []string

	pos positions
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Type                  string
	Description           string
	Default               *string // nil when the template gives none; "" is a valid default
	AllowedValues         []string
	AllowedPattern        string
	ConstraintDescription string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64
	NoEcho                bool

	pattern *regexp.Regexp // AllowedPattern, anchored; nil when absent or not compilable
}

// Resource is one entry of the Resources section.
type Resource struct {
	Type                string
	Properties          map[string]any // long form; nil when the template gives none
	DependsOn           []string
	Condition           string
	DeletionPolicy      string
	UpdateReplacePolicy string
	// Metadata, CreationPolicy and UpdatePolicy are kept as written: they
	// are not evaluated and create no dependencies.
	Metadata       map[string]any
	CreationPolicy any
	UpdatePolicy   any
}

// Output is one entry of the Outputs section.
type Output struct {
	Value       any
	Description string
	Condition   string
	ExportName  any // Export.Name, long form; nil without an Export
}

// logicalID is the shape CloudFormation allows for the names of parameters,
// conditions, mappings, resources and outputs.
var logicalID = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)

// Parse reads a YAML or JSON template, converts YAML short forms (!Ref,
// !GetAtt, !Sub ...) to the long form, and checks what does not depend on
// parameter values: the sections and their fields, the names every Ref,
// Fn::GetAtt, Fn::Sub variable, Fn::If, Condition and DependsOn points to,
// and that every intrinsic function is one Portolan evaluates. All problems
// found come back together.
func Parse(data []byte) (*Template, error) {
	root, ps, err := decode(data)
	if err != nil {
		return nil, err
	}
	top, ok := root.(map[string]any)
	if !ok {
		at := ps[""]
		return nil, &Error{Line: at.line, Column: at.col, Msg: "a template must be a mapping of sections (Resources, Parameters, ...)"}
	}
	t := &Template{pos: ps}
	p := &problems{pos: ps}
	t.build(top, p)
	if !p.empty() {
		return nil, p.err()
	}
	t.checkReferences(p)
	if !p.empty() {
		return nil, p.err()
	}
	return t, nil
}

func (t *Template) build(top map[string]any, p *problems) {
	for _, k := range sortedKeys(top) {
		switch k {
		case "AWSTemplateFormatVersion":
			s, ok := scalarString(top[k])
			if !ok || s != "2010-09-09" {
				p.add(k, "AWSTemplateFormatVersion must be \"2010-09-09\", the only version CloudFormation defines")
			}
			t.AWSTemplateFormatVersion = s
		case "Description":
			s, ok := top[k].(string)
			if !ok {
				p.add(k, "Description must be a string")
			}
			t.Description = s
		case "Metadata":
			// Free-form; nothing to evaluate.
		case "Transform":
			if !isEmpty(top[k]) {
				p.add(k, "Transform (%v) is not supported: Portolan deploys plain CloudFormation; expand macros and AWS::Serverless first", describe(top[k]))
			}
		case "Rules":
			t.Notes = append(t.Notes, "the Rules section is not evaluated: Portolan does not check template rules")
		case "Parameters":
			t.buildParameters(top[k], p)
		case "Mappings":
			t.buildMappings(top[k], p)
		case "Conditions":
			m, ok := mapping(top[k], k, p)
			if ok {
				for _, name := range sortedKeys(m) {
					if !logicalID.MatchString(name) {
						p.add(child(k, name), "condition name %q must be alphanumeric", name)
					}
				}
				t.Conditions = m
			}
		case "Resources":
			t.buildResources(top[k], p)
		case "Outputs":
			t.buildOutputs(top[k], p)
		default:
			p.add(k, "unknown template section %q (valid: AWSTemplateFormatVersion, Description, Metadata, Parameters, Rules, Mappings, Conditions, Transform, Resources, Outputs)", k)
		}
	}
	switch r, present := top["Resources"]; {
	case !present:
		p.add("", "a template needs a Resources section")
	case isEmpty(r) || (isMap(r) && len(r.(map[string]any)) == 0):
		p.add("Resources", "a template needs at least one resource")
	}
	for name := range t.Parameters {
		if _, clash := t.Resources[name]; clash {
			p.add(child("Resources", name), "logical id %q is used by both a parameter and a resource", name)
		}
	}
}

func (t *Template) buildParameters(v any, p *problems) {
	m, ok := mapping(v, "Parameters", p)
	if !ok {
		return
	}
	t.Parameters = make(map[string]*Parameter, len(m))
	eachEntry(m, "Parameters", "parameter name", p, func(name, path string, body map[string]any) {
		param := &Parameter{}
		for _, k := range sortedKeys(body) {
			fp := child(path, k)
			val := body[k]
			switch k {
			case "Type":
				param.Type, _ = val.(string)
			case "Description":
				param.Description = stringField(val, fp, p)
			case "ConstraintDescription":
				param.ConstraintDescription = stringField(val, fp, p)
			case "Default":
				s, ok := scalarOrList(val)
				if !ok {
					p.add(fp, "Default must be a string, a number or a list of them")
				}
				param.Default = &s
			case "AllowedValues":
				l, ok := val.([]any)
				if !ok {
					p.add(fp, "AllowedValues must be a list")
					continue
				}
				for i, e := range l {
					s, ok := scalarString(e)
					if !ok {
						p.add(index(fp, i), "AllowedValues entries must be strings or numbers")
					}
					param.AllowedValues = append(param.AllowedValues, s)
				}
			case "AllowedPattern":
				param.AllowedPattern = stringField(val, fp, p)
				// CloudFormation patterns are Java regular expressions; the
				// common subset compiles in Go. One that does not is noted
				// and not enforced rather than making the template unusable.
				re, err := regexp.Compile("^(?:" + param.AllowedPattern + ")$")
				if err != nil {
					t.Notes = append(t.Notes, fmt.Sprintf("parameter %s: AllowedPattern %q is not enforced (%v)", name, param.AllowedPattern, err))
				}
				param.pattern = re
			case "MinLength", "MaxLength":
				n, ok := intField(val)
				if !ok || n < 0 {
					p.add(fp, "%s must be a non-negative integer", k)
					continue
				}
				if k == "MinLength" {
					param.MinLength = &n
				} else {
					param.MaxLength = &n
				}
			case "MinValue", "MaxValue":
				f, ok := numberField(val)
				if !ok {
					p.add(fp, "%s must be a number", k)
					continue
				}
				if k == "MinValue" {
					param.MinValue = &f
				} else {
					param.MaxValue = &f
				}
			case "NoEcho":
				s, _ := scalarString(val)
				switch s {
				case "true":
					param.NoEcho = true
				case "false":
				default:
					p.add(fp, "NoEcho must be true or false")
				}
			default:
				p.add(fp, "unknown parameter attribute %q", k)
			}
		}
		if param.Type == "" {
			p.add(child(path, "Type"), "parameter %s needs a Type", name)
		} else if _, err := parameterKind(param.Type); err != nil {
			p.add(child(path, "Type"), "%v", err)
		}
		t.Parameters[name] = param
	})
}

func (t *Template) buildMappings(v any, p *problems) {
	m, ok := mapping(v, "Mappings", p)
	if !ok {
		return
	}
	t.Mappings = make(map[string]map[string]map[string]any, len(m))
	for _, name := range sortedKeys(m) {
		path := child("Mappings", name)
		if !logicalID.MatchString(name) {
			p.add(path, "mapping name %q must be alphanumeric", name)
		}
		top, ok := mapping(m[name], path, p)
		if !ok {
			continue
		}
		mm := make(map[string]map[string]any, len(top))
		for _, k1 := range sortedKeys(top) {
			second, ok := mapping(top[k1], child(path, k1), p)
			if !ok {
				continue
			}
			for _, k2 := range sortedKeys(second) {
				if !isLiteral(second[k2]) {
					p.add(child(child(path, k1), k2), "mapping values must be strings, numbers or lists of them")
				}
			}
			mm[k1] = second
		}
		t.Mappings[name] = mm
	}
}

// isLiteral reports whether v is a scalar or a list of scalars: what a
// mapping value may be.
func isLiteral(v any) bool {
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if _, ok := scalarString(e); !ok {
				return false
			}
		}
		return true
	}
	_, ok := scalarString(v)
	return ok
}

var (
	deletionPolicies      = map[string]bool{"Delete": true, "Retain": true, "RetainExceptOnCreate": true, "Snapshot": true}
	updateReplacePolicies = map[string]bool{"Delete": true, "Retain": true, "Snapshot": true}
)

func (t *Template) buildResources(v any, p *problems) {
	m, ok := mapping(v, "Resources", p)
	if !ok {
		return
	}
	t.Resources = make(map[string]*Resource, len(m))
	eachEntry(m, "Resources", "logical id", p, func(id, path string, body map[string]any) {
		r := &Resource{}
		for _, k := range sortedKeys(body) {
			fp := child(path, k)
			val := body[k]
			switch k {
			case "Type":
				r.Type, _ = val.(string)
			case "Properties":
				if val == nil {
					continue
				}
				props, ok := val.(map[string]any)
				if !ok {
					p.add(fp, "Properties must be a mapping")
					continue
				}
				r.Properties = props
			case "DependsOn":
				switch d := val.(type) {
				case string:
					r.DependsOn = []string{d}
				case []any:
					for i, e := range d {
						s, ok := e.(string)
						if !ok {
							p.add(index(fp, i), "DependsOn entries must be logical ids")
							continue
						}
						r.DependsOn = append(r.DependsOn, s)
					}
				default:
					p.add(fp, "DependsOn must be a logical id or a list of them")
				}
			case "Condition":
				r.Condition = stringField(val, fp, p)
			case "DeletionPolicy":
				r.DeletionPolicy = stringField(val, fp, p)
				if !deletionPolicies[r.DeletionPolicy] {
					p.add(fp, "DeletionPolicy %q is not Delete, Retain, RetainExceptOnCreate or Snapshot", r.DeletionPolicy)
				}
			case "UpdateReplacePolicy":
				r.UpdateReplacePolicy = stringField(val, fp, p)
				if !updateReplacePolicies[r.UpdateReplacePolicy] {
					p.add(fp, "UpdateReplacePolicy %q is not Delete, Retain or Snapshot", r.UpdateReplacePolicy)
				}
			case "Metadata":
				if val == nil {
					continue
				}
				md, ok := val.(map[string]any)
				if !ok {
					p.add(fp, "Metadata must be a mapping")
				}
				r.Metadata = md
			case "CreationPolicy":
				r.CreationPolicy = val
			case "UpdatePolicy":
				r.UpdatePolicy = val
			default:
				p.add(fp, "unknown resource attribute %q (valid: Type, Properties, DependsOn, Condition, DeletionPolicy, UpdateReplacePolicy, Metadata, CreationPolicy, UpdatePolicy)", k)
			}
		}
		if r.Type == "" {
			p.add(child(path, "Type"), "resource %s needs a Type (a string such as AWS::ECS::Service)", id)
		} else if !strings.Contains(r.Type, "::") {
			p.add(child(path, "Type"), "resource type %q is not of the form Vendor::Service::Resource", r.Type)
		}
		t.Resources[id] = r
	})
}

func (t *Template) buildOutputs(v any, p *problems) {
	m, ok := mapping(v, "Outputs", p)
	if !ok {
		return
	}
	t.Outputs = make(map[string]*Output, len(m))
	eachEntry(m, "Outputs", "output name", p, func(name, path string, body map[string]any) {
		o := &Output{}
		hasValue := false
		for _, k := range sortedKeys(body) {
			fp := child(path, k)
			switch k {
			case "Value":
				o.Value, hasValue = body[k], true
			case "Description":
				o.Description = stringField(body[k], fp, p)
			case "Condition":
				o.Condition = stringField(body[k], fp, p)
			case "Export":
				exp, ok := mapping(body[k], fp, p)
				if !ok {
					continue
				}
				for _, ek := range sortedKeys(exp) {
					if ek != "Name" {
						p.add(child(fp, ek), "unknown Export attribute %q (only Name)", ek)
					}
				}
				name, ok := exp["Name"]
				if !ok || name == nil {
					p.add(fp, "Export needs a Name")
				}
				o.ExportName = name
			default:
				p.add(fp, "unknown output attribute %q (valid: Value, Description, Condition, Export)", k)
			}
		}
		if !hasValue || o.Value == nil {
			p.add(path, "output %s needs a Value", name)
		}
		t.Outputs[name] = o
	})
}

// eachEntry calls each, in name order, for every entry of a section of
// named mappings (Parameters, Resources, Outputs) whose name is a logical id
// and whose body is a mapping; the others are reported and skipped. noun
// names the entry's name in the report ("parameter name", "logical id").
func eachEntry(section map[string]any, sectionName, noun string, p *problems, each func(name, path string, body map[string]any)) {
	for _, name := range sortedKeys(section) {
		path := child(sectionName, name)
		if !logicalID.MatchString(name) {
			p.add(path, "%s %q must be alphanumeric", noun, name)
			continue
		}
		body, ok := mapping(section[name], path, p)
		if !ok {
			continue
		}
		each(name, path, body)
	}
}

// ---- small field readers ----

func mapping(v any, path string, p *problems) (map[string]any, bool) {
	if v == nil {
		return map[string]any{}, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.add(path, "must be a mapping, not %s", describe(v))
	}
	return m, ok
}

func stringField(v any, path string, p *problems) string {
	s, ok := v.(string)
	if !ok {
		p.add(path, "must be a string, not %s", describe(v))
	}
	return s
}

func intField(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		if n >= 0 && n <= 1<<31 {
			return int(n), true
		}
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

func numberField(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// scalarOrList renders a parameter Default: YAML lets a list parameter's
// default be written as a list, which means the same as the comma-joined text.
func scalarOrList(v any) (string, bool) {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			s, ok := scalarString(e)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), true
	}
	return scalarString(v)
}

func isMap(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

// describe names a value's kind for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		if name, _, ok := intrinsic(x); ok {
			return name
		}
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return strconv.Quote(x)
	case unknown:
		return "a value known only at deploy time"
	case noValue:
		return "AWS::NoValue"
	}
	return fmt.Sprintf("%v", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
