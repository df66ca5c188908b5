package dataplane

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/elbv2"
)

// DNSRecords serves the load balancers' DNS names from the DNS server
// (its Config.Records): each DNSName resolves to its load balancer's
// address, as Route 53 resolves it in AWS.
type DNSRecords struct{ View *elbv2.View }

// Changed is the view's: the DNS server rebuilds when it publishes.
func (r DNSRecords) Changed() <-chan struct{} { return r.View.Changed() }

// Records are one A record per load balancer, at the snapshot's revision.
func (r DNSRecords) Records() ([]dns.Record, int64) {
	snap := r.View.Snapshot()
	if snap == nil {
		return nil, 0
	}
	recs := make([]dns.Record, 0, len(snap.LoadBalancers))
	for _, lb := range snap.LoadBalancers {
		addr, err := netip.ParseAddr(lb.Address)
		if err != nil || lb.DNSName == "" {
			continue
		}
		recs = append(recs, dns.Record{Name: lb.DNSName, Addr: addr})
	}
	// A stable order, so that the same snapshot compiles the same table.
	slices.SortFunc(recs, func(a, b dns.Record) int { return strings.Compare(a.Name, b.Name) })
	return recs, snap.Revision
}
