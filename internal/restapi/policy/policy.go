package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// InvalidDocumentMessage is how API Gateway words a policy it refuses
// (BadRequestException); the control plane follows it with the
// ParseError's detail.
const InvalidDocumentMessage = "Invalid policy document. Please check the policy syntax and try again."

// ParseError says what is wrong with a policy document and where: Path is
// the element ("Statement[1].Effect"), empty for the document itself.
type ParseError struct {
	Path string
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errorf(path, format string, args ...any) *ParseError {
	return &ParseError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Policy is a parsed resource policy, ready to evaluate. It is immutable:
// one Policy serves every request of a deployment concurrently.
type Policy struct {
	statements []statement
}

type statement struct {
	sid        string
	deny       bool
	principals principalSet
	actions    actionSet
	resources  resourceSet
	conditions []condition
}

// shorthandPrefix starts a resource written relative to the policy's own
// API: "execute-api:/stage/GET/pets" is apiARN + "/stage/GET/pets".
const shorthandPrefix = "execute-api:/"

// Parse reads a resource policy document (the JSON string a RestApi's
// `policy` holds). apiARN is "arn:aws:execute-api:REGION:ACCOUNT:APIID":
// resources written as "execute-api:/stage/METHOD/path" are that API's.
func Parse(doc string, apiARN string) (*Policy, error) {
	return parse(doc, apiARN, ResourcePolicy)
}

// Form is which of a statement's elements a kind of policy document must
// have: IAM refuses a Principal in an identity policy, and a trust policy
// (a role's AssumeRolePolicyDocument) needs one but no Resource.
type Form struct {
	Principal, Resource Presence
}

// Presence says whether an element (or its Not… twin) may appear.
type Presence int

const (
	Required Presence = iota
	Optional
	Forbidden
)

// The kinds of policy documents IAM and API Gateway read.
var (
	ResourcePolicy = Form{Principal: Required, Resource: Required}
	IdentityPolicy = Form{Principal: Forbidden, Resource: Required}
	TrustPolicy    = Form{Principal: Required, Resource: Optional}
)

// Check reads doc in the IAM policy grammar for its form and reports the
// first fault, as a *ParseError; IAM stores the documents it checks.
func Check(doc string, form Form) error {
	_, err := parse(doc, "", form)
	return err
}

func parse(doc string, apiARN string, form Form) (*Policy, error) {
	top, err := object([]byte(doc), "")
	if err != nil {
		return nil, err
	}
	for name := range top {
		switch name {
		case "Version", "Id", "Statement":
		default:
			return nil, errorf(name, "unknown policy element")
		}
	}
	if raw, ok := top["Version"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != "2012-10-17" && v != "2008-10-17") {
			return nil, errorf("Version", "must be \"2012-10-17\" or \"2008-10-17\"")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, errorf("", "the policy has no Statement")
	}
	raws, err := oneOrMany(raw, "Statement")
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 {
		return nil, errorf("Statement", "is empty")
	}
	p := &Policy{statements: make([]statement, 0, len(raws))}
	for i, r := range raws {
		path := "Statement"
		if raw[0] == '[' {
			path = fmt.Sprintf("Statement[%d]", i)
		}
		s, err := parseStatement(r, path, apiARN, form)
		if err != nil {
			return nil, err
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage, path, apiARN string, form Form) (statement, error) {
	var s statement
	fields, err := object(raw, path)
	if err != nil {
		return s, err
	}
	for name := range fields {
		switch name {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		default:
			return s, errorf(path+"."+name, "unknown statement element")
		}
	}
	if raw, ok := fields["Sid"]; ok {
		if json.Unmarshal(raw, &s.sid) != nil {
			return s, errorf(path+".Sid", "must be a string")
		}
	}
	var effect string
	if json.Unmarshal(fields["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
		return s, errorf(path+".Effect", "must be \"Allow\" or \"Deny\"")
	}
	s.deny = effect == "Deny"

	name, raw, err := element(fields, path, "Principal", "NotPrincipal", form.Principal)
	if err != nil {
		return s, err
	}
	if raw != nil {
		if s.principals, err = parsePrincipal(raw, path+"."+name); err != nil {
			return s, err
		}
		s.principals.not = name == "NotPrincipal"
	}

	if name, raw, err = either(fields, path, "Action", "NotAction"); err != nil {
		return s, err
	}
	if s.actions, err = parseActions(raw, path+"."+name); err != nil {
		return s, err
	}
	s.actions.not = name == "NotAction"

	if name, raw, err = element(fields, path, "Resource", "NotResource", form.Resource); err != nil {
		return s, err
	}
	if raw != nil {
		if s.resources, err = parseResources(raw, path+"."+name, apiARN); err != nil {
			return s, err
		}
		s.resources.not = name == "NotResource"
	}

	if raw, ok := fields["Condition"]; ok {
		if s.conditions, err = parseConditions(raw, path+".Condition"); err != nil {
			return s, err
		}
	}
	return s, nil
}

// either returns the one element of a pair a statement must have exactly
// one of (Action or NotAction…).
func either(fields map[string]json.RawMessage, path, name, notName string) (string, json.RawMessage, error) {
	raw, has := fields[name]
	notRaw, hasNot := fields[notName]
	switch {
	case has && hasNot:
		return "", nil, errorf(path, "has both %s and %s", name, notName)
	case has:
		return name, raw, nil
	case hasNot:
		return notName, notRaw, nil
	}
	return "", nil, errorf(path, "has neither %s nor %s", name, notName)
}

// element is either's answer for a pair whose presence form decides: nil
// raw when an Optional pair is absent.
func element(fields map[string]json.RawMessage, path, name, notName string, p Presence) (string, json.RawMessage, error) {
	_, has := fields[name]
	_, hasNot := fields[notName]
	switch {
	case p == Forbidden && has:
		return "", nil, errorf(path, "has prohibited field %s", name)
	case p == Forbidden && hasNot:
		return "", nil, errorf(path, "has prohibited field %s", notName)
	case p == Forbidden, p == Optional && !has && !hasNot:
		return "", nil, nil
	}
	return either(fields, path, name, notName)
}

// object decodes a JSON object into its members; anything else is a
// ParseError at path.
func object(raw []byte, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		if path == "" {
			return nil, errorf("", "the policy is not a JSON object")
		}
		return nil, errorf(path, "must be a JSON object")
	}
	return m, nil
}

// oneOrMany reads an element IAM lets be one value or an array of them.
func oneOrMany(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil, errorf(path, "is not valid JSON")
		}
		return list, nil
	}
	return []json.RawMessage{raw}, nil
}

// stringList reads an element that is a string or an array of strings.
func stringList(raw json.RawMessage, path string) ([]string, error) {
	raws, err := oneOrMany(raw, path)
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 {
		return nil, errorf(path, "is empty")
	}
	out := make([]string, len(raws))
	for i, r := range raws {
		if json.Unmarshal(r, &out[i]) != nil || bytes.TrimSpace(r)[0] != '"' {
			return nil, errorf(path, "must be a string or an array of strings")
		}
		if strings.TrimSpace(out[i]) == "" {
			return nil, errorf(path, "has an empty value")
		}
	}
	return out, nil
}
