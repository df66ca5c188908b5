package proxy

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// route is one listener's immutable routing table, built by Update.
type route struct {
	groups []groupRoute // only groups that can take a connection
	total  uint64       // sum of the groups' weights
}

type groupRoute struct {
	upTo    uint64 // cumulative weight: this group takes hashes below upTo
	targets []routeTarget
}

type routeTarget struct {
	address string // dialled as is: formatted once here, not per connection
	life    *life
	flows   *flowCounter
}

// buildRoute picks, per group, the targets a new connection may go to.
// partsOf gives each target the life its connections end with and the
// counter they count on.
func buildRoute(l *Listener, partsOf func(tg *TargetGroup, t *Target) (*life, *flowCounter)) *route {
	allZero := true
	for i := range l.TargetGroups {
		if l.TargetGroups[i].Weight > 0 {
			allZero = false
		}
	}
	r := &route{}
	for i := range l.TargetGroups {
		tg := &l.TargetGroups[i]
		weight := uint64(max(tg.Weight, 0))
		if allZero {
			weight = 1
		}
		eligible := eligibleTargets(tg.Targets)
		if weight == 0 || len(eligible) == 0 {
			continue
		}
		g := groupRoute{targets: make([]routeTarget, 0, len(eligible))}
		for _, t := range eligible {
			lf, flows := partsOf(tg, t)
			g.targets = append(g.targets, routeTarget{address: t.Address.String(), life: lf, flows: flows})
		}
		r.total += weight
		g.upTo = r.total
		r.groups = append(r.groups, g)
	}
	return r
}

// eligibleTargets are the healthy targets, or, when none is healthy, every
// target not draining: an NLB fails open rather than drop traffic, and a
// target still in its initial health checks gets traffic only then.
func eligibleTargets(targets []Target) []*Target {
	var healthy, open []*Target
	for i := range targets {
		switch t := &targets[i]; t.State {
		case StateHealthy:
			healthy = append(healthy, t)
		case StateDraining:
		default:
			open = append(open, t)
		}
	}
	if len(healthy) > 0 {
		return healthy
	}
	return open
}

// pick chooses the target of a flow; nil when there is none.
func (r *route) pick(flow uint64) *routeTarget {
	if r == nil || r.total == 0 {
		return nil
	}
	g := &r.groups[0]
	if len(r.groups) > 1 {
		w := scale(flow, r.total)
		for i := range r.groups {
			if w < r.groups[i].upTo {
				g = &r.groups[i]
				break
			}
		}
		flow = mix(flow) // fresh bits for the target within the group
	}
	return &g.targets[scale(flow, uint64(len(g.targets)))]
}

// flowHash hashes a client's address and port: the same flow always maps
// to the same target while the table is unchanged.
func flowHash(client netip.AddrPort) uint64 {
	a := client.Addr().As16()
	hi := binary.BigEndian.Uint64(a[:8])
	lo := binary.BigEndian.Uint64(a[8:])
	return mix(hi ^ mix(lo^uint64(client.Port())<<48))
}

// mix is splitmix64's finalizer: every input bit moves every output bit.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// scale maps a 64-bit hash uniformly onto [0, n).
func scale(h, n uint64) uint64 {
	hi, _ := bits.Mul64(h, n)
	return hi
}
