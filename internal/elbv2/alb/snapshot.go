package alb

import (
	"net/netip"
	"time"
)

// Snapshot is the desired state of every ALB listener served. It is
// immutable once passed to Update.
type Snapshot struct {
	Listeners []Listener
}

// Listener is one HTTP listener of an Application Load Balancer.
type Listener struct {
	Address netip.AddrPort // the load balancer's address and the listener's Port
	// IdleTimeout is the load balancer's idle_timeout.timeout_seconds: a
	// target that sends nothing for that long gets the client a 504.
	IdleTimeout time.Duration
	// Rules in priority order, the default rule (no conditions) last.
	Rules []Rule
	// TLS, for an HTTPS listener, is the certificate it serves; nil for
	// an HTTP one.
	TLS *KeyPair
}

// KeyPair is a certificate (chain) and its private key, PEM encoded.
type KeyPair struct {
	CertificatePEM, PrivateKeyPEM []byte
}

// Rule is a set of conditions, all of which must match, and the action
// taken when they do.
type Rule struct {
	Conditions []Condition
	Action     Action
}

// Condition fields, as AWS names them.
const (
	FieldPathPattern       = "path-pattern"
	FieldHostHeader        = "host-header"
	FieldHTTPHeader        = "http-header"
	FieldHTTPRequestMethod = "http-request-method"
	FieldQueryString       = "query-string"
	FieldSourceIP          = "source-ip"
)

// Condition is one rule condition: it matches when any of its values does.
type Condition struct {
	Field string
	// Values are the patterns (path, host, header value), methods or CIDRs.
	Values []string
	// HeaderName is the http-header condition's header.
	HeaderName string
	// Query are the query-string condition's key/value patterns.
	Query []QueryPair
}

// QueryPair is one query-string pattern; an empty Key matches any key.
type QueryPair struct {
	Key, Value string
}

// Action types.
const (
	ActionForward       = "forward"
	ActionFixedResponse = "fixed-response"
	ActionRedirect      = "redirect"
)

// Action is a rule's terminal action.
type Action struct {
	Type string
	// Forward are the groups of a forward action with their weights.
	Forward []WeightedGroup
	// GroupStickiness, when positive, keeps a client on the group it was
	// first sent to for that long (TargetGroupStickinessConfig; cookie AWSALBTG).
	GroupStickiness time.Duration
	FixedResponse   *FixedResponse
	Redirect        *Redirect
}

// WeightedGroup is a target group of a forward action.
type WeightedGroup struct {
	Weight int
	Group  TargetGroup
}

// FixedResponse is a fixed-response action's answer.
type FixedResponse struct {
	StatusCode  int
	ContentType string
	Body        string
}

// Redirect is a redirect action; empty components keep the request's own
// ("#{protocol}", "#{host}", "#{port}", "/#{path}", "#{query}").
type Redirect struct {
	Protocol, Host, Port, Path, Query string
	StatusCode                        int // 301 or 302
}

// TargetGroup is a target group as a forward action sends to it.
type TargetGroup struct {
	ID string
	// Stickiness, when positive, keeps a client on one target for that
	// long (stickiness.type lb_cookie; cookie AWSALB).
	Stickiness time.Duration
	Targets    []Target
}

// Target is one registered target with its current health.
type Target struct {
	Key     string // the target's identity in its group: "ip:port"
	Address netip.AddrPort
	State   TargetState
}

// TargetState is AWS's TargetHealth State.
type TargetState string

// The states the balancer tells apart; any other is treated as unhealthy.
const (
	StateInitial   TargetState = "initial"
	StateHealthy   TargetState = "healthy"
	StateUnhealthy TargetState = "unhealthy"
	StateDraining  TargetState = "draining"
)
