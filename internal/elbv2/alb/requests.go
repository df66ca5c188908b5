package alb

import (
	"net/netip"
	"sync/atomic"
)

// groupKey names a target group as one listener forwards to it.
type groupKey struct {
	listener netip.AddrPort
	group    string
}

// groupCounters are a forwarded group's counters, kept across snapshots
// for as long as the listener forwards to the group.
type groupCounters struct {
	next     atomic.Uint64 // round robin
	requests atomic.Uint64 // requests forwarded, for RequestCountPerTarget
}

// RequestCount is how many requests one listener has forwarded to one
// target group since it began to (a counter: the metrics publisher takes
// differences).
type RequestCount struct {
	Listener    netip.AddrPort
	TargetGroup string // the group's ID (its ARN)
	Requests    uint64
}

// RequestCounts reads every listener's and group's counter.
func (a *ALB) RequestCounts() []RequestCount {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]RequestCount, 0, len(a.counters))
	for k, c := range a.counters {
		out = append(out, RequestCount{Listener: k.listener, TargetGroup: k.group, Requests: c.requests.Load()})
	}
	return out
}
