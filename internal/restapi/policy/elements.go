package policy

import (
	"encoding/json"
	"strings"
)

// principalSet is a statement's Principal (or NotPrincipal, with not set).
type principalSet struct {
	not      bool
	any      bool     // "*" or {"AWS": "*"}: everyone, anonymous callers too
	arns     []string // exact principals
	accounts []string // "123456789012" or its root ARN: any principal of that account
}

func parsePrincipal(raw json.RawMessage, path string) (principalSet, error) {
	var ps principalSet
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return ps, errorf(path, "a principal written as a string must be \"*\"; name others as {\"AWS\": ...}")
		}
		ps.any = true
		return ps, nil
	}
	byType, err := object(raw, path)
	if err != nil {
		return ps, errorf(path, "must be \"*\" or an object such as {\"AWS\": [...]}")
	}
	if len(byType) == 0 {
		return ps, errorf(path, "names no principal")
	}
	for typ, raw := range byType {
		ids, err := stringList(raw, path+"."+typ)
		if err != nil {
			return ps, err
		}
		switch typ {
		case "AWS":
			for _, id := range ids {
				if err := ps.addAWS(id, path+".AWS"); err != nil {
					return ps, err
				}
			}
		case "Service", "Federated", "CanonicalUser":
			// Never the caller of an API request here, but valid IAM:
			// kept so that a NotPrincipal naming only them still applies.
			ps.arns = append(ps.arns, ids...)
		default:
			return ps, errorf(path+"."+typ, "unknown principal type")
		}
	}
	return ps, nil
}

func (ps *principalSet) addAWS(id, path string) error {
	switch {
	case id == "*":
		ps.any = true
	case isAccountID(id):
		ps.accounts = append(ps.accounts, id)
	case strings.HasPrefix(id, "arn:"):
		a, ok := splitARN(id)
		if !ok || a[2] == "" {
			return errorf(path, "invalid principal %q", id)
		}
		if a[2] == "iam" && a[5] == "root" {
			ps.accounts = append(ps.accounts, a[4])
			return nil
		}
		ps.arns = append(ps.arns, id)
	default:
		return errorf(path, "invalid principal %q: not \"*\", an account id or an ARN", id)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// matches reports whether principal (an ARN, or "*" for an anonymous
// caller) is in the set, before NotPrincipal's negation.
func (ps *principalSet) matches(principal string) bool {
	if ps.any {
		return true
	}
	for _, a := range ps.arns {
		if a == principal {
			return true
		}
	}
	if len(ps.accounts) > 0 {
		if a, ok := splitARN(principal); ok {
			for _, acct := range ps.accounts {
				if a[4] == acct {
					return true
				}
			}
		}
	}
	return false
}

// actionSet is a statement's Action (or NotAction): "service:pattern"
// globs, matched without regard to case as IAM matches action names.
type actionSet struct {
	not      bool
	patterns []string
}

func parseActions(raw json.RawMessage, path string) (actionSet, error) {
	list, err := stringList(raw, path)
	if err != nil {
		return actionSet{}, err
	}
	for _, a := range list {
		if a == "*" {
			continue
		}
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || strings.ContainsAny(svc, "*?") {
			return actionSet{}, errorf(path, "invalid action %q: write \"service:Action\", such as \"execute-api:Invoke\"", a)
		}
	}
	return actionSet{patterns: list}, nil
}

func (as *actionSet) matches(action string) bool {
	for _, p := range as.patterns {
		if glob(p, action, true) {
			return true
		}
	}
	return false
}

// resourceSet is a statement's Resource (or NotResource): ARN patterns,
// each already split into its six parts, or "*".
type resourceSet struct {
	not      bool
	any      bool
	patterns []arnParts
}

func parseResources(raw json.RawMessage, path, apiARN string) (resourceSet, error) {
	list, err := stringList(raw, path)
	if err != nil {
		return resourceSet{}, err
	}
	var rs resourceSet
	for _, r := range list {
		switch {
		case r == "*":
			rs.any = true
			continue
		case strings.HasPrefix(r, shorthandPrefix):
			// API Gateway's shorthand for this API's own resources.
			r = apiARN + r[len(shorthandPrefix)-1:]
		case strings.HasPrefix(r, "execute-api:"):
			return rs, errorf(path, "invalid resource %q: the short form is \"execute-api:/stage/METHOD/path\"", r)
		}
		a, ok := splitARN(r)
		if !ok {
			return rs, errorf(path, "invalid resource %q: not an ARN, \"*\" or \"execute-api:/...\"", r)
		}
		rs.patterns = append(rs.patterns, a)
	}
	return rs, nil
}

func (rs *resourceSet) matches(resource string) bool {
	if rs.any {
		return true
	}
	a, ok := splitARN(resource)
	if !ok {
		return false
	}
	for i := range rs.patterns {
		if arnMatch(&rs.patterns[i], &a) {
			return true
		}
	}
	return false
}
