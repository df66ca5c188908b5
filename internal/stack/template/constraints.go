package template

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckParameters checks the parameter values a stack operation was given
// (values absent from the map take their Default) as CloudFormation does
// before the operation starts, and answers in CloudFormation's words:
// "Parameters: [Env] must have values", "Parameter 'Env' must be one of
// AllowedValues". Plan checks the same constraints in its own words.
func (t *Template) CheckParameters(values map[string]string) error {
	var unknown, missing []string
	for _, name := range sortedKeys(values) {
		if _, ok := t.Parameters[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return &Error{Msg: "Parameters: [" + strings.Join(unknown, ", ") + "] do not exist in the template"}
	}
	for _, name := range sortedKeys(t.Parameters) {
		if _, given := values[name]; !given && t.Parameters[name].Default == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return &Error{Msg: "Parameters: [" + strings.Join(missing, ", ") + "] must have values"}
	}
	for _, name := range sortedKeys(t.Parameters) {
		param := t.Parameters[name]
		v, given := values[name]
		if !given {
			v = *param.Default
		}
		if err := param.checkAWS(name, v); err != nil {
			return err
		}
	}
	return nil
}

// checkAWS checks one value; a list type checks each of its members.
func (param *Parameter) checkAWS(name, v string) error {
	kind, err := parameterKind(param.Type)
	if err != nil {
		return &Error{Msg: "Unrecognized parameter type: " + param.Type}
	}
	items := []string{v}
	if kind == kindList || kind == kindNumberList {
		items = nil
		if v != "" {
			for _, e := range strings.Split(v, ",") {
				items = append(items, strings.TrimSpace(e))
			}
		}
	}
	for _, item := range items {
		why := param.constraintAWS(kind, item)
		if why == "" {
			continue
		}
		if param.ConstraintDescription != "" {
			return &Error{Msg: "Parameter '" + name + "' failed to satisfy constraint: " + param.ConstraintDescription}
		}
		return &Error{Msg: "Parameter '" + name + "' " + why}
	}
	return nil
}

// constraintAWS returns how a value breaks the parameter's constraints, in
// CloudFormation's words, or "".
func (param *Parameter) constraintAWS(kind paramKind, s string) string {
	if kind == kindNumber || kind == kindNumberList {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return "must be a number"
		}
		if len(param.AllowedValues) > 0 && !slices.ContainsFunc(param.AllowedValues, func(a string) bool {
			af, err := strconv.ParseFloat(a, 64)
			return a == s || (err == nil && af == f)
		}) {
			return "must be one of AllowedValues"
		}
		if param.MinValue != nil && f < *param.MinValue {
			return "must be a number not less than " + formatFloat(*param.MinValue)
		}
		if param.MaxValue != nil && f > *param.MaxValue {
			return "must be a number not greater than " + formatFloat(*param.MaxValue)
		}
		return ""
	}
	if len(param.AllowedValues) > 0 && !slices.Contains(param.AllowedValues, s) {
		return "must be one of AllowedValues"
	}
	if param.pattern != nil && !param.pattern.MatchString(s) {
		return "must match pattern " + param.AllowedPattern
	}
	n := utf8.RuneCountInString(s)
	if param.MinLength != nil && n < *param.MinLength {
		return fmt.Sprintf("must contain at least %d characters", *param.MinLength)
	}
	if param.MaxLength != nil && n > *param.MaxLength {
		return fmt.Sprintf("must contain at most %d characters", *param.MaxLength)
	}
	return ""
}
