package cognito

import (
	"regexp"
	"strings"
)

// filterPattern is ListUsers' Filter: `attribute = "value"` (exact) or
// `attribute ^= "value"` (prefix), on the attributes AWS lets a filter
// name.
var filterPattern = regexp.MustCompile(`^\s*([a-z_:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

var filterable = map[string]bool{"username": true, "email": true, "phone_number": true, "name": true, "given_name": true,
	"family_name": true, "preferred_username": true, "cognito:user_status": true, "status": true, "sub": true}

// parseFilter compiles a filter into a predicate; "" matches everyone.
func parseFilter(f string) (func(u *userRecord) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(*userRecord) bool { return true }, nil
	}
	m := filterPattern.FindStringSubmatch(f)
	if m == nil || !filterable[m[1]] {
		return nil, invalidParameter("Error while parsing filter.")
	}
	attr, prefix := m[1], m[2] == "^="
	want := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[3])
	return func(u *userRecord) bool {
		var got string
		switch attr {
		case "username":
			got = u.Username
		case "cognito:user_status":
			got = u.Status
		case "status":
			got = "Disabled"
			if u.Enabled {
				got = "Enabled"
			}
		default:
			got = u.attr(attr)
		}
		if prefix {
			return strings.HasPrefix(strings.ToLower(got), strings.ToLower(want))
		}
		return got == want
	}, nil
}
