package template

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// paramKind is how a parameter's value is checked and what Ref returns.
type paramKind int

const (
	kindString     paramKind = iota // Ref gives the string
	kindNumber                      // checked as a number; Ref gives the string, as CloudFormation does
	kindList                        // comma-separated; Ref gives a list of strings
	kindNumberList                  // comma-separated numbers; Ref gives a list of strings
)

const ssmValuePrefix = "AWS::SSM::Parameter::Value<"

// parameterKind classifies a parameter Type. The AWS-specific types
// (AWS::EC2::VPC::Id, List<AWS::EC2::Subnet::Id> ...) are taken as plain
// strings and lists: there is no EC2 to check them against. SSM parameter
// types are taken as the value itself, not looked up (Plan notes it).
func parameterKind(typ string) (paramKind, error) {
	switch {
	case typ == "String":
		return kindString, nil
	case typ == "Number":
		return kindNumber, nil
	case typ == "List<Number>":
		return kindNumberList, nil
	case typ == "CommaDelimitedList":
		return kindList, nil
	case strings.HasPrefix(typ, ssmValuePrefix) && strings.HasSuffix(typ, ">"):
		inner := strings.TrimSuffix(strings.TrimPrefix(typ, ssmValuePrefix), ">")
		if inner == "CommaDelimitedList" || strings.HasPrefix(inner, "List<") {
			return kindList, nil
		}
		return kindString, nil
	case strings.HasPrefix(typ, "List<AWS::") && strings.HasSuffix(typ, ">"):
		return kindList, nil
	case strings.HasPrefix(typ, "AWS::") && !strings.ContainsAny(typ, "<>"):
		return kindString, nil
	}
	return 0, fmt.Errorf("unknown parameter type %q (String, Number, List<Number>, CommaDelimitedList or an AWS-specific type)", typ)
}

// resolveParameters picks each parameter's value (override, else default),
// checks it against the parameter's constraints and returns what Ref gives
// for it and the values as text.
func (t *Template) resolveParameters(overrides map[string]string, p *problems) (refs map[string]any, values map[string]string) {
	for _, name := range sortedKeys(overrides) {
		if _, ok := t.Parameters[name]; !ok {
			p.add("Parameters", "parameter override %s: the template has no parameter named %q", name, name)
		}
	}
	refs = make(map[string]any, len(t.Parameters))
	values = make(map[string]string, len(t.Parameters))
	for _, name := range sortedKeys(t.Parameters) {
		param := t.Parameters[name]
		path := child("Parameters", name)
		val, given := overrides[name]
		if !given {
			if param.Default == nil {
				p.add(path, "parameter %s needs a value: it has no Default and no override was given (%s=VALUE)", name, name)
				continue
			}
			val = *param.Default
		}
		ref, err := param.value(val)
		if err != nil {
			p.add(path, "parameter %s: %v", name, err)
			continue
		}
		refs[name] = ref
		values[name] = val
	}
	return refs, values
}

// value checks a parameter value and returns what Ref gives for it.
func (param *Parameter) value(s string) (any, error) {
	kind, err := parameterKind(param.Type)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindString:
		return s, param.checkString(s)
	case kindNumber:
		return s, param.checkNumber(s)
	}
	// CloudFormation trims the members of a comma-delimited list, so
	// "a, b" is ["a", "b"]. An empty value is an empty list.
	items := []any{}
	if s != "" {
		for _, e := range strings.Split(s, ",") {
			e = strings.TrimSpace(e)
			var err error
			if kind == kindNumberList {
				err = param.checkNumber(e)
			} else {
				err = param.checkString(e)
			}
			if err != nil {
				return nil, err
			}
			items = append(items, e)
		}
	}
	return items, nil
}

// show renders a value for an error message, hiding NoEcho values.
func (param *Parameter) show(s string) string {
	if param.NoEcho {
		return "(NoEcho value)"
	}
	return strconv.Quote(s)
}

// violation words a failed constraint, preferring the template's own
// ConstraintDescription as CloudFormation does.
func (param *Parameter) violation(s, format string, args ...any) error {
	if param.ConstraintDescription != "" {
		return fmt.Errorf("value %s does not satisfy the constraint: %s", param.show(s), param.ConstraintDescription)
	}
	return fmt.Errorf("value %s %s", param.show(s), fmt.Sprintf(format, args...))
}

func (param *Parameter) checkString(s string) error {
	if len(param.AllowedValues) > 0 && !slices.Contains(param.AllowedValues, s) {
		return param.violation(s, "is not one of the AllowedValues %q", param.AllowedValues)
	}
	if param.pattern != nil && !param.pattern.MatchString(s) {
		return param.violation(s, "does not match AllowedPattern %s", param.AllowedPattern)
	}
	n := utf8.RuneCountInString(s)
	if param.MinLength != nil && n < *param.MinLength {
		return param.violation(s, "is shorter than MinLength %d", *param.MinLength)
	}
	if param.MaxLength != nil && n > *param.MaxLength {
		return param.violation(s, "is longer than MaxLength %d", *param.MaxLength)
	}
	return nil
}

func (param *Parameter) checkNumber(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("value %s is not a number", param.show(s))
	}
	if len(param.AllowedValues) > 0 {
		// Compare as numbers so that "5" and "5.0" are the same value.
		found := false
		for _, a := range param.AllowedValues {
			if af, err := strconv.ParseFloat(a, 64); (err == nil && af == f) || a == s {
				found = true
				break
			}
		}
		if !found {
			return param.violation(s, "is not one of the AllowedValues %q", param.AllowedValues)
		}
	}
	if param.MinValue != nil && f < *param.MinValue {
		return param.violation(s, "is less than MinValue %s", formatFloat(*param.MinValue))
	}
	if param.MaxValue != nil && f > *param.MaxValue {
		return param.violation(s, "is greater than MaxValue %s", formatFloat(*param.MaxValue))
	}
	return nil
}
