package dns

import (
	"log/slog"
	"net/netip"
	"slices"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/store"
)

// staticTTL is the TTL of the records other sources publish: 60 seconds,
// what Route 53 gives the alias records of a load balancer's DNS name.
const staticTTL = 60

// Record is one address record a source besides Cloud Map publishes: an A
// record at Name (an AAAA record for an IPv6 address). Name is plain text
// like a Cloud Map name, compared without regard to case.
type Record struct {
	Name string
	Addr netip.Addr
}

// Records is a source of records besides Cloud Map (load balancers' DNS
// names; Route 53 hosted zones next). The server follows it with the Cloud
// Map view and rebuilds its table whenever either publishes.
type Records interface {
	store.Source
	// Records are the records to serve now and the store revision they
	// reflect; the server rebuilds when the revision changes.
	Records() ([]Record, int64)
}

// addRecords puts records into t, each name answered authoritatively as
// a zone of its own: names around it (its parent, e.g.
// elb.us-east-1.amazonaws.com) stay outside our zones and are forwarded,
// while other types at the name are NODATA and names below it NXDOMAIN,
// with the name's own SOA. Cloud Map keeps any name it already has.
func (t *table) addRecords(recs []Record, revs []int64, log *slog.Logger) {
	t.recordsRevs = revs
	serial := uint32(t.revision)
	if len(revs) > 0 {
		serial = uint32(max(t.revision, slices.Max(revs)))
	}
	own := map[string]bool{} // names these records made zones of
	for _, r := range recs {
		wire, ok := appendLabels(nil, r.Name)
		wire = append(wire, 0)
		if !ok || len(wire) == 1 || len(wire) > maxNameLen || !r.Addr.IsValid() {
			log.Warn("dns record is not a DNS name and an address; it is not served", "name", r.Name, "addr", r.Addr)
			continue
		}
		key := string(lower(wire))
		n := t.names[key]
		switch {
		case n == nil:
			apex := presentation(wire)
			z := &zone{apexLen: len(wire), soa: soaRecord(apex, wire, staticTTL, serial)}
			n = &node{zone: z, sets: []rrset{{rrtype: dns.TypeSOA, healthy: []group{{answer: z.soa}}}}}
			t.names[key] = n
			own[key] = true
		case !own[key]:
			log.Debug("dns name already served from Cloud Map; ignoring a record", "name", r.Name)
			continue
		}
		rec := addrRecord(nil, presentation(wire), staticTTL, r.Addr.Unmap())
		rrtype := rec.rr.Header().Rrtype
		if s := n.set(rrtype); s != nil {
			s.healthy = append(s.healthy, group{answer: rec})
		} else {
			// limit 0: every address, in order, as a load balancer's name
			// answers with the addresses of all its zones.
			n.sets = append(n.sets, rrset{rrtype: rrtype, healthy: []group{{answer: rec}}})
		}
	}
}
