package template

import (
	"math"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue evaluates to: the map entry or list
// element holding it is dropped, as if the template had not written it.
type noValue struct{}

// unknown stands for a value that exists only once resources are created (a
// physical id, an attribute). Plan evaluates every property with resources
// standing as unknown, so that the errors that do not depend on them (a bad
// Fn::Select index, a missing mapping key, a list where a string belongs)
// surface before anything is created. Functions given an unknown argument
// return unknown.
type unknown struct{}

// intrinsic reports whether m is an intrinsic function call: a mapping with
// the single key Ref or Fn::*. The key Condition is a function only where a
// condition is expected; elsewhere it is an ordinary property name.
func intrinsic(m map[string]any) (name string, arg any, ok bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// hasFunctionKey reports a mapping that mixes a function key with others,
// which CloudFormation rejects and which is almost always a typo.
func hasFunctionKey(m map[string]any) (string, bool) {
	if len(m) < 2 {
		return "", false
	}
	for _, k := range sortedKeys(m) {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, true
		}
	}
	return "", false
}

// unsupportedFunctions are real CloudFormation functions that Portolan does
// not evaluate, with the reason shown to the user.
var unsupportedFunctions = map[string]string{
	"Fn::Cidr":         "Fn::Cidr is not supported; write the CIDR blocks out",
	"Fn::Transform":    "macros are not supported",
	"Fn::Length":       "Fn::Length needs the AWS::LanguageExtensions transform, which is not supported",
	"Fn::ToJsonString": "Fn::ToJsonString needs the AWS::LanguageExtensions transform, which is not supported",
	"Fn::ForEach":      "Fn::ForEach needs the AWS::LanguageExtensions transform, which is not supported",
}

// valueFunctions are the functions that produce property values.
var valueFunctions = map[string]bool{
	"Ref": true, "Fn::GetAtt": true, "Fn::Sub": true, "Fn::Join": true, "Fn::Select": true,
	"Fn::Split": true, "Fn::If": true, "Fn::GetAZs": true, "Fn::FindInMap": true, "Fn::Base64": true,
	"Fn::ImportValue": true,
}

// conditionFunctions are allowed only in the Conditions section (and nested
// in each other there).
var conditionFunctions = map[string]bool{"Fn::Equals": true, "Fn::Not": true, "Fn::And": true, "Fn::Or": true}

// Pseudo parameters (Ref AWS::Region ...).
const (
	pseudoRegion           = "AWS::Region"
	pseudoAccountID        = "AWS::AccountId"
	pseudoStackName        = "AWS::StackName"
	pseudoStackID          = "AWS::StackId"
	pseudoPartition        = "AWS::Partition"
	pseudoURLSuffix        = "AWS::URLSuffix"
	pseudoNoValue          = "AWS::NoValue"
	pseudoNotificationARNs = "AWS::NotificationARNs"
)

var pseudoParameters = map[string]bool{
	pseudoRegion: true, pseudoAccountID: true, pseudoStackName: true, pseudoStackID: true,
	pseudoPartition: true, pseudoURLSuffix: true, pseudoNoValue: true, pseudoNotificationARNs: true,
}

// partition returns the partition and URL suffix a region belongs to.
func partition(region string) (name, urlSuffix string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", "amazonaws.com"
	}
	return "aws", "amazonaws.com"
}

// scalarString renders a scalar the way CloudFormation passes it on as
// text: strings as they are, numbers in their shortest decimal form, booleans
// as true/false. Lists, mappings, null and placeholders are not scalars.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return formatFloat(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// subPart is a piece of an Fn::Sub string: literal text or a variable.
type subPart struct {
	text     string
	variable bool
}

// parseSub splits an Fn::Sub string into literal text and ${Name}
// variables. "${!Name}" is the escape for a literal "${Name}"; a "${" with
// no closing brace is literal text.
func parseSub(s string) []subPart {
	var parts []subPart
	var lit strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			break
		}
		lit.WriteString(s[:i])
		name := s[i+2 : i+2+end]
		s = s[i+3+end:]
		if strings.HasPrefix(name, "!") {
			lit.WriteString("${" + name[1:] + "}")
			continue
		}
		if lit.Len() > 0 {
			parts = append(parts, subPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, subPart{text: name, variable: true})
	}
	lit.WriteString(s)
	if lit.Len() > 0 {
		parts = append(parts, subPart{text: lit.String()})
	}
	return parts
}

// subArgs splits the argument of Fn::Sub into its string and variable map.
func subArgs(arg any) (string, map[string]any, bool) {
	switch a := arg.(type) {
	case string:
		return a, nil, true
	case []any:
		if len(a) != 2 {
			return "", nil, false
		}
		s, ok := a[0].(string)
		if !ok {
			return "", nil, false
		}
		if a[1] == nil {
			return s, nil, true
		}
		vars, ok := a[1].(map[string]any)
		return s, vars, ok
	}
	return "", nil, false
}

// getAttArgs splits the argument of Fn::GetAtt. The list form is the
// standard one; "Resource.Attribute" is accepted too because hand-written
// JSON templates use it.
func getAttArgs(arg any) (resource, attr string, ok bool) {
	switch a := arg.(type) {
	case []any:
		if len(a) != 2 {
			return "", "", false
		}
		r, ok1 := a[0].(string)
		at, ok2 := a[1].(string)
		return r, at, ok1 && ok2 && r != "" && at != ""
	case string:
		r, at, found := strings.Cut(a, ".")
		return r, at, found && r != "" && at != ""
	}
	return "", "", false
}
