package proxy

import (
	"net/netip"
	"sync/atomic"
)

// flowCounter counts one target's connections through one listener and
// group: what NewFlowCount and ActiveFlowCount are made from, and the
// console's rates on a Network Load Balancer's edges. A connection holds
// its target's counter from the route, so counting is two atomic adds
// and no lookup. It fills a cache line of its own: targets' counters side
// by side would make the cores serving them contend.
type flowCounter struct {
	established atomic.Uint64 // connections made to the target
	active      atomic.Int64  // of which still open
	gen         uint64        // the Proxy's last Update that routed to it (Proxy.mu)
	_           [40]byte
}

// flowCounterFor returns the counter of key, made on first use and marked
// as routed to by the current Update. p.mu is held.
func (p *Proxy) flowCounterFor(key lifeKey) *flowCounter {
	c := p.flows[key]
	if c == nil {
		c = new(flowCounter)
		p.flows[key] = c
	}
	c.gen = p.gen
	return c
}

// pruneFlows forgets the counters of targets the current Update does not
// route to and that have no connection open (a draining target keeps its
// counter while its connections last). p.mu is held.
func (p *Proxy) pruneFlows() {
	for key, c := range p.flows {
		if c.gen != p.gen && c.active.Load() == 0 {
			delete(p.flows, key)
		}
	}
}

// FlowCount is one target's connections through one listener and group:
// New counts every connection made to it since it began to take them,
// Active those still open.
type FlowCount struct {
	Listener    netip.AddrPort
	TargetGroup string // the group's ID (its ARN)
	Target      string // the target's key in its group
	New         uint64
	Active      int64
}

// FlowCounts reads every target's counters.
func (p *Proxy) FlowCounts() []FlowCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]FlowCount, 0, len(p.flows))
	for k, c := range p.flows {
		out = append(out, FlowCount{Listener: k.listener, TargetGroup: k.targetGroupID, Target: k.targetKey,
			New: c.established.Load(), Active: c.active.Load()})
	}
	return out
}
