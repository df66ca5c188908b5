package elbv2

import (
	"net/netip"
)

// ListenerAddresses answers where listeners accept traffic, for data planes
// outside this package that send through a load balancer (the HTTP API
// gateway's private integrations). It reads the View and is a store.Source,
// so a consumer can follow it with store.Join.
type ListenerAddresses struct{ view *View }

// ListenerAddresses returns the read side of listeners' addresses.
func (c *Control) ListenerAddresses() ListenerAddresses { return ListenerAddresses{c.View()} }

// Changed returns a channel closed when the view next publishes.
func (l ListenerAddresses) Changed() <-chan struct{} { return l.view.Changed() }

// Revision is the store revision ListenerAddress answers from; ok is
// false before the view's first snapshot.
func (l ListenerAddresses) Revision() (rev int64, ok bool) {
	if s := l.view.Snapshot(); s != nil {
		return s.Revision, true
	}
	return 0, false
}

// ListenerAddress is the address and port on which the listener arn takes
// traffic: its load balancer's address and the listener's port. It reports
// false for a listener (or load balancer) that does not exist, or whose load
// balancer has no address.
func (l ListenerAddresses) ListenerAddress(arn string) (netip.AddrPort, bool) {
	s := l.view.Snapshot()
	lbArn, ok := loadBalancerARNOfListener(arn)
	if s == nil || !ok {
		return netip.AddrPort{}, false
	}
	lb := s.LoadBalancers[lbArn]
	if lb == nil {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(lb.Address)
	if err != nil {
		return netip.AddrPort{}, false
	}
	for _, ln := range lb.Listeners {
		if ln.ARN == arn && ln.Port > 0 && ln.Port <= 65535 {
			return netip.AddrPortFrom(addr, uint16(ln.Port)), true
		}
	}
	return netip.AddrPort{}, false
}
