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
	// gen is the ALB's last Update that routed to the group, and targets
	// the group's targets' counters by target key, kept while a route
	// sends to the target. Both are read and written under ALB.mu only (a
	// request holds its target's counter from its route).
	gen     uint64
	targets map[string]*targetCounter
}

// targetCounter counts the requests sent to one target of one listener's
// group. It fills a cache line of its own: two targets' counters side by
// side would make cores that serve different targets contend.
type targetCounter struct {
	requests atomic.Uint64
	gen      uint64 // the ALB's last Update that routed to it (ALB.mu)
	_        [48]byte
}

// target returns the counter of the target key, made on first use and
// marked used by the group's Update. ALB.mu is held.
func (c *groupCounters) target(key string) *targetCounter {
	t := c.targets[key]
	if t == nil {
		if c.targets == nil {
			c.targets = map[string]*targetCounter{}
		}
		t = new(targetCounter)
		c.targets[key] = t
	}
	t.gen = c.gen
	return t
}

// pruneTargets forgets the counters of targets the group's last Update
// did not route to. ALB.mu is held.
func (c *groupCounters) pruneTargets() {
	for key, t := range c.targets {
		if t.gen != c.gen {
			delete(c.targets, key)
		}
	}
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

// TargetRequestCount is how many requests one listener has sent to one
// target of a group since the target began to take them (the console's
// rate on a target group → target edge).
type TargetRequestCount struct {
	Listener    netip.AddrPort
	TargetGroup string // the group's ID (its ARN)
	Target      string // the target's key in its group, "ip:port"
	Requests    uint64
}

// TargetRequestCounts reads every target's counter.
func (a *ALB) TargetRequestCounts() []TargetRequestCount {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []TargetRequestCount
	for k, c := range a.counters {
		for key, t := range c.targets {
			out = append(out, TargetRequestCount{Listener: k.listener, TargetGroup: k.group, Target: key, Requests: t.requests.Load()})
		}
	}
	return out
}
