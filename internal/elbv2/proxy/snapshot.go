package proxy

import (
	"net/netip"
	"time"
)

// Snapshot is the desired state of every NLB listener this proxy serves.
// It is immutable once passed to Update.
type Snapshot struct {
	Listeners []Listener
}

// Listener is one TCP listener of a load balancer, forwarding to its
// target groups.
type Listener struct {
	Address  netip.AddrPort // the load balancer's address and the listener's Port
	Protocol string         // "TCP"; other protocols are refused by Update
	// TargetGroups are the forward action's groups. Each connection goes
	// to one group, chosen by Weight (all zero: equal weights).
	TargetGroups []TargetGroup
}

// TargetGroup is a target group as one listener forwards to it.
type TargetGroup struct {
	ID     string
	Weight int
	// DeregistrationDelay is how long a draining target's connections may
	// continue before they are closed (deregistration_delay.timeout_seconds).
	DeregistrationDelay time.Duration
	// KeepUnhealthyConnections keeps the open connections of a target that
	// turns unhealthy. By default (AWS's, the attribute
	// target_health_state.unhealthy.connection_termination.enabled = true)
	// they are reset, unless the group is failing open.
	KeepUnhealthyConnections bool
	Targets                  []Target
}

// Target is one registered target with its current health.
type Target struct {
	Key     string         // the target's identity in its group: "ip:port" or "id:port"
	Address netip.AddrPort // where connections go
	State   TargetState
}

// TargetState is AWS's TargetHealth State.
type TargetState string

// The target states the proxy tells apart; any other state is treated as
// unhealthy (used only when the group fails open).
const (
	StateInitial   TargetState = "initial"
	StateHealthy   TargetState = "healthy"
	StateUnhealthy TargetState = "unhealthy"
	StateDraining  TargetState = "draining"
)
