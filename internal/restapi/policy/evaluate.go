package policy

// Request is what a policy is asked about: one call of one method.
type Request struct {
	Principal string // the caller's ARN; "*" for anonymous callers (no SigV4)
	Action    string // "execute-api:Invoke"
	// Resource is arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/METHOD/path
	// with the path's leading slash dropped (…/prod/GET/pets, …/prod/GET/).
	Resource string
	// Context holds the request's condition keys ("aws:SourceVpce",
	// "aws:SourceVpc", "aws:SourceIp", …). Leave out a key the request
	// does not have (aws:SourceVpce on the public host): an absent key and
	// an empty one differ in IAM.
	Context map[string]string
}

// Decision is the outcome of evaluating a policy.
type Decision int

const (
	// NoMatch: no statement allows the request (an implicit deny). It is
	// the zero value, so a forgotten decision denies.
	NoMatch Decision = iota
	// Allow: a statement allows the request and none denies it.
	Allow
	// Deny: a statement denies the request explicitly.
	Deny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NoMatch"
}

// Evaluate decides the request: an explicit Deny wins, else Allow if any
// statement allows, else NoMatch. A nil policy allows nothing. It
// allocates nothing.
func (p *Policy) Evaluate(r *Request) Decision {
	if p == nil {
		return NoMatch
	}
	allowed := false
	for i := range p.statements {
		s := &p.statements[i]
		if allowed && !s.deny {
			continue // once allowed, only a Deny can change the answer
		}
		if !s.applies(r) {
			continue
		}
		if s.deny {
			return Deny
		}
		allowed = true
	}
	if allowed {
		return Allow
	}
	return NoMatch
}

// applies reports whether every element of the statement matches the
// request; conditions, the dearest, come last.
func (s *statement) applies(r *Request) bool {
	if s.principals.matches(r.Principal) == s.principals.not {
		return false
	}
	if s.actions.matches(r.Action) == s.actions.not {
		return false
	}
	if s.resources.matches(r.Resource) == s.resources.not {
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].holds(r.Context) {
			return false
		}
	}
	return true
}

// Message is the body text API Gateway answers (403) when d is not Allow:
// "User: anonymous is not authorized to perform: execute-api:Invoke on
// resource: arn:…" with " with an explicit deny" after an explicit Deny.
func (d Decision) Message(r *Request) string {
	user := r.Principal
	if user == "*" || user == "" {
		user = "anonymous"
	}
	msg := "User: " + user + " is not authorized to perform: " + r.Action + " on resource: " + r.Resource
	if d == Deny {
		msg += " with an explicit deny"
	}
	return msg
}
