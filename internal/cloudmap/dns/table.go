package dns

import (
	"cmp"
	"encoding/binary"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/cloudmap"
)

// Record constants. Route 53 gives a hosted zone an NS record with TTL
// 172800 and an SOA of "1 7200 900 1209600 86400" (spec §B); we keep its
// numbers so that caches behave as they do against AWS, but name servers
// of our own since there is no awsdns here.
const (
	multivalueMax = 8 // MULTIVALUE: at most 8 values per answer
	nsTTL         = 172800
	soaRefresh    = 7200
	soaRetry      = 900
	soaExpire     = 1209600
	soaMinimum    = 86400
	nsHost        = "ns1.portolan.internal."
	maxNameLen    = 255 // wire length of a name, root label included
)

// table is the compiled zone data of one cloudmap.Snapshot. It is never
// modified once built: queries read it with no lock while the next one is
// being built.
type table struct {
	revision int64 // of the Cloud Map snapshots: the newest
	// viewRevs are the revisions of the Cloud Map views' snapshots the
	// table was built with, in order.
	viewRevs []int64
	// recordsRevs are the revisions of Config.Records' sources the table
	// was built with, in order.
	recordsRevs []int64
	// zonesRevs are the revisions of Config.Zones' sources, in order, and
	// zoneCache what their record sets compiled to: a source hands the
	// same *RRSet for a set that did not change, so the next build
	// reuses it.
	zonesRevs []int64
	zoneCache map[*RRSet][]group
	// rules are Config.Rules' forwarding rules by domain key, and
	// rulesRevs their sources' revisions.
	rules     map[string][]string
	rulesRevs []int64
	// names holds every name that exists in some zone (owners of records
	// and the empty non-terminals above them), keyed by the lower-case
	// wire form of the name.
	names map[string]*node
	// cache maps the view's ServiceStates to what they compiled to. The view
	// keeps the same *ServiceState for a service that did not change, so the
	// next build recompiles only the services that did.
	cache map[*cloudmap.ServiceState]*compiled
}

// namespaces are every snapshot's namespaces.
func namespaces(snaps []*cloudmap.Snapshot) []*cloudmap.NamespaceState {
	var all []*cloudmap.NamespaceState
	for _, snap := range snaps {
		all = append(all, snap.Namespaces()...)
	}
	return all
}

type zone struct {
	apexLen int    // wire length of the apex name
	soa     record // for the authority section of negative answers
	// wildcards is set when the zone has a name whose first label is "*"
	// (hosted zones may): only then does a name that does not exist look
	// for one.
	wildcards bool
	// stats are the zone's query counters (nil: metrics off), set when a
	// table holding it is built.
	stats atomic.Pointer[zoneStats]
}

// node is one owner name: the record sets there, each ready to be picked.
type node struct {
	zone *zone
	sets []rrset
}

// rrset is the records of one type at one name, as candidates to pick from.
type rrset struct {
	rrtype uint16
	// limit is how many groups one answer carries: 8 for MULTIVALUE, 1 for
	// WEIGHTED, 0 for "every group, in order" (SOA, NS, SRV targets).
	limit int
	// healthy are the candidates; fallback is used when there are none
	// (both routing policies fail open to unhealthy instances).
	healthy, fallback []group
}

// group is one value of an answer (one instance's record) and the records
// the additional section carries with it (the A/AAAA of an SRV target).
type group struct {
	answer record
	extra  []record
}

// record is one resource record twice: in wire format for the fast path,
// and as a dns.RR for the full path.
//
// The wire form is position-independent: its owner is prefix (zero or more
// labels) followed by a compression pointer, which the encoder points at
// the query name (offset 12 in every reply) or at the zone apex inside it;
// names in body are never compressed. Answers and additional records
// therefore copy three byte slices and nothing else.
type record struct {
	prefix []byte
	body   []byte // TYPE CLASS TTL RDLENGTH RDATA
	rr     dns.RR
	// srvTarget marks an SRV record, whose target name is the owner of
	// its group's additional records.
	srvTarget bool
}

func (r *record) wireLen() int { return len(r.prefix) + 2 + len(r.body) }

func (n *node) set(t uint16) *rrset {
	for i := range n.sets {
		if n.sets[i].rrtype == t {
			return &n.sets[i]
		}
	}
	return nil
}

// find returns the node of the lower-case wire name key. For a name that
// does not exist it returns a nil node and the zone the name would be in,
// or no zone at all when the name is outside every namespace.
func (t *table) find(key []byte) (*node, *zone) {
	if n := t.names[string(key)]; n != nil {
		return n, n.zone
	}
	// The closest existing ancestor belongs to the closest enclosing zone:
	// every apex exists, and a closer apex would be a closer ancestor.
	for off := 0; off < len(key) && key[off] != 0; off += 1 + int(key[off]) {
		suffix := key[off+1+int(key[off]):]
		if n := t.names[string(suffix)]; n != nil {
			if n.zone.wildcards {
				// RFC 4592: the wildcard at the closest encloser answers
				// for the name, owned by the name asked.
				var wild [maxNameLen + 2]byte
				w := append(append(wild[:0], 1, '*'), suffix...)
				if wn := t.names[string(w)]; wn != nil && len(w) <= maxNameLen {
					return wn, wn.zone
				}
			}
			return nil, n.zone
		}
	}
	return nil, nil
}

// rng is the source of the random picks; each goroutine that answers
// queries owns one, so picking takes no lock.
type rng interface{ IntN(n int) int }

// pick chooses the groups that answer one query: the candidates and, in
// idx (reused storage), the chosen positions in the order to answer them.
func (s *rrset) pick(r rng, idx []int) ([]group, []int) {
	c := s.healthy
	if len(c) == 0 {
		c = s.fallback
	}
	idx = idx[:0]
	n := len(c)
	if s.limit == 0 || s.limit >= n {
		for i := range n {
			idx = append(idx, i)
		}
		if s.limit == 0 {
			return c, idx
		}
	} else {
		// Floyd's algorithm: limit distinct indexes in limit draws.
		for j := n - s.limit; j < n; j++ {
			k := r.IntN(j + 1)
			if slices.Contains(idx, k) {
				k = j
			}
			idx = append(idx, k)
		}
	}
	// Random order too, so that clients that use the first value spread.
	for i := len(idx) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return c, idx
}

// compiled is what one service contributes to the table.
type compiled struct {
	apex    string // lower-case wire apex it was compiled under
	entries []entry
}

type entry struct {
	key  string // lower-case wire owner name
	sets []rrset
}

// buildTable compiles snaps (Cloud Map views' snapshots). prev (may be
// nil) lends the services that did not change.
func buildTable(snaps []*cloudmap.Snapshot, prev *table, log *slog.Logger) *table {
	var revision int64
	for _, snap := range snaps {
		revision = max(revision, snap.Revision)
	}
	t := &table{
		revision: revision,
		names:    map[string]*node{},
		cache:    map[*cloudmap.ServiceState]*compiled{},
	}
	type dnsNamespace struct {
		state *cloudmap.NamespaceState
		apex  []byte
		key   string
	}
	var nss []dnsNamespace
	for _, ns := range namespaces(snaps) {
		if ns.Type != cloudmap.NamespaceDNSPrivate && ns.Type != cloudmap.NamespaceDNSPublic {
			continue
		}
		apex, ok := appendLabels(nil, ns.Name)
		apex = append(apex, 0)
		if !ok || len(apex) > maxNameLen {
			log.Warn("namespace name is not a DNS name; it gets no zone", "namespaceId", ns.Id, "name", ns.Name)
			continue
		}
		nss = append(nss, dnsNamespace{ns, apex, string(lower(apex))})
	}
	// Private namespaces in different VPCs may share a name; here there is
	// one network, so they share one zone, and the oldest namespace's SOA
	// and services win any conflict.
	slices.SortStableFunc(nss, func(a, b dnsNamespace) int {
		return cmp.Or(a.state.CreateDate.Time().Compare(b.state.CreateDate.Time()), strings.Compare(a.state.Id, b.state.Id))
	})
	zones := map[string]*zone{}
	serial := uint32(revision)
	for _, ns := range nss {
		if zones[ns.key] != nil {
			continue
		}
		z := &zone{apexLen: len(ns.apex)}
		apexName := presentation(ns.apex)
		z.soa = soaRecord(apexName, ns.apex, uint32(clampTTL(ns.state.SOATTL())), serial)
		zones[ns.key] = z
		t.names[ns.key] = &node{zone: z, sets: []rrset{
			{rrtype: dns.TypeSOA, healthy: []group{{answer: z.soa}}},
			{rrtype: dns.TypeNS, healthy: []group{{answer: nsRecord(apexName)}}},
		}}
	}
	for _, ns := range nss {
		z := zones[ns.key]
		names := make([]string, 0, len(ns.state.Services))
		for name := range ns.state.Services {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			svc := ns.state.Services[name]
			var c *compiled
			if prev != nil {
				if old := prev.cache[svc]; old != nil && old.apex == ns.key {
					c = old
				}
			}
			if c == nil {
				c = compileService(svc, ns.apex, log)
				c.apex = ns.key
			}
			t.cache[svc] = c
			for _, e := range c.entries {
				t.add(zones, z, e, log)
			}
		}
	}
	return t
}

// add puts e's record sets at e's name in zone z.
func (t *table) add(zones map[string]*zone, z *zone, e entry, log *slog.Logger) {
	// A name inside a nested namespace belongs to that namespace's zone.
	for off := 0; off < len(e.key) && e.key[off] != 0; off += 1 + int(e.key[off]) {
		if owner := zones[e.key[off:]]; owner != nil {
			if owner != z {
				return
			}
			break
		}
	}
	n := t.names[e.key]
	if n == nil {
		n = &node{zone: z}
		t.names[e.key] = n
		// Names between the owner and the apex exist without records
		// (empty non-terminals): NODATA there, not NXDOMAIN.
		for off := 1 + int(e.key[0]); off < len(e.key) && e.key[off] != 0; off += 1 + int(e.key[off]) {
			if t.names[e.key[off:]] != nil {
				break
			}
			t.names[e.key[off:]] = &node{zone: z}
		}
	}
	for _, s := range e.sets {
		switch existing := n.set(s.rrtype); {
		case existing != nil && existing.limit == 0 && s.limit == 0:
			// Instance ids that differ only in case share an SRV target
			// name: it holds the addresses of both.
			existing.healthy = append(slices.Clip(existing.healthy), s.healthy...)
		case existing != nil, s.rrtype == dns.TypeCNAME && len(n.sets) > 0, n.set(dns.TypeCNAME) != nil:
			// A CNAME excludes every other record at its name; the first
			// service to claim a name keeps it.
			log.Debug("dns name already has records; ignoring a conflicting record set", "name", presentation([]byte(e.key)), "type", dns.TypeToString[s.rrtype])
		default:
			n.sets = append(n.sets, s)
		}
	}
}

// compileService turns one Cloud Map service into record sets: one value
// per instance at <service>.<namespace>, and for SRV the A/AAAA of each
// target <instanceId>.<service>.<namespace>.
func compileService(svc *cloudmap.ServiceState, apex []byte, log *slog.Logger) *compiled {
	c := &compiled{}
	if svc.DnsConfig == nil || svc.Type == cloudmap.ServiceTypeHTTP {
		return c // an HTTP service is API-only: no records
	}
	owner := apex
	if svc.Name != "." { // "." names the namespace apex itself
		labels, ok := appendLabels(nil, svc.Name)
		if !ok || len(labels)+len(apex) > maxNameLen {
			log.Warn("service name is not a DNS name; it gets no records", "serviceId", svc.Id, "name", svc.Name)
			return c
		}
		owner = append(labels, apex...)
	}
	ownerName := presentation(owner)
	limit := multivalueMax
	if svc.DnsConfig.RoutingPolicy == cloudmap.RoutingWeighted {
		limit = 1
	}
	checked := svc.HasHealthCheck()
	targets := map[string]*entry{}
	var targetOrder []string
	var sets []rrset
	for _, dr := range svc.DnsConfig.DnsRecords {
		if dr.TTL == nil {
			continue
		}
		ttl := uint32(clampTTL(*dr.TTL))
		set := rrset{limit: limit}
		for _, is := range svc.Instances {
			var g group
			switch dr.Type {
			case cloudmap.RecordA:
				if !is.IPv4.Is4() {
					continue
				}
				set.rrtype = dns.TypeA
				g.answer = addrRecord(nil, ownerName, ttl, is.IPv4)
			case cloudmap.RecordAAAA:
				if !is.IPv6.Is6() || is.IPv6.Is4In6() {
					continue
				}
				set.rrtype = dns.TypeAAAA
				g.answer = addrRecord(nil, ownerName, ttl, is.IPv6)
			case cloudmap.RecordCNAME:
				set.rrtype = dns.TypeCNAME
				target := dns.Fqdn(is.Attributes[cloudmap.AttrCNAME])
				wire := make([]byte, maxNameLen)
				n, err := dns.PackDomainName(target, wire, 0, nil, false)
				if _, ok := dns.IsDomainName(target); !ok || err != nil || target == "." {
					log.Warn("AWS_INSTANCE_CNAME is not a domain name; the instance gets no record", "serviceId", svc.Id, "instanceId", is.Id)
					continue
				}
				g.answer = cnameRecord(ownerName, ttl, wire[:n])
			case cloudmap.RecordSRV:
				set.rrtype = dns.TypeSRV
				if _, ok := is.Attributes[cloudmap.AttrPort]; !ok {
					continue
				}
				idLabels, ok := appendLabels(nil, is.Id)
				if !ok || len(idLabels)+len(owner) > maxNameLen {
					log.Warn("instance id is not a DNS label; the instance gets no SRV record", "serviceId", svc.Id, "instanceId", is.Id)
					continue
				}
				target := append(slices.Clip(idLabels), owner...)
				targetName := presentation(target)
				g.answer = srvRecord(ownerName, ttl, is.Port, target, targetName)
				key := string(lower(target))
				te := targets[key]
				if te == nil {
					te = &entry{key: key}
					targets[key] = te
					targetOrder = append(targetOrder, key)
				}
				for _, a := range []netip.Addr{is.IPv4, is.IPv6} {
					if !a.IsValid() {
						continue
					}
					g.extra = append(g.extra, addrRecord(idLabels, targetName, ttl, a))
					addTargetAddr(te, addrRecord(nil, targetName, ttl, a))
				}
			default:
				continue
			}
			if !checked || is.Health != cloudmap.Unhealthy {
				set.healthy = append(set.healthy, g)
			} else {
				set.fallback = append(set.fallback, g)
			}
		}
		if len(set.healthy)+len(set.fallback) > 0 {
			sets = append(sets, set)
		}
	}
	// A service without instances has no records, so its name does not
	// exist (NXDOMAIN), as in Route 53.
	if len(sets) > 0 {
		c.entries = append(c.entries, entry{key: string(lower(owner)), sets: sets})
	}
	for _, k := range targetOrder {
		c.entries = append(c.entries, *targets[k])
	}
	return c
}

func addTargetAddr(e *entry, r record) {
	t := r.rr.Header().Rrtype
	for i := range e.sets {
		if e.sets[i].rrtype == t {
			e.sets[i].healthy = append(e.sets[i].healthy, group{answer: r})
			return
		}
	}
	e.sets = append(e.sets, rrset{rrtype: t, healthy: []group{{answer: r}}})
}

// appendLabels appends the wire labels of a dotted Cloud Map name. Cloud Map
// names are plain text, not DNS presentation format, so every byte but the
// dot is taken literally. It reports false for an empty or too long label.
func appendLabels(dst []byte, dotted string) ([]byte, bool) {
	dotted = strings.TrimSuffix(dotted, ".")
	if dotted == "" {
		return dst, true
	}
	for label := range strings.SplitSeq(dotted, ".") {
		if len(label) == 0 || len(label) > 63 {
			return nil, false
		}
		dst = append(dst, byte(len(label)))
		dst = append(dst, label...)
	}
	return dst, true
}

// lower returns a copy of a wire name with ASCII letters in lower case, as
// DNS compares names. Length bytes are at most 63, so they are never
// mistaken for letters.
func lower(name []byte) []byte {
	out := make([]byte, len(name))
	for i, c := range name {
		out[i] = lowerByte(c)
	}
	return out
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// presentation is the text form of a wire name (escaped as dns.RR wants).
func presentation(wire []byte) string {
	s, _, err := dns.UnpackDomainName(wire, 0)
	if err != nil {
		return "."
	}
	return s
}

func clampTTL(ttl int64) int64 { return min(max(ttl, 0), 1<<31-1) }

func body(rrtype uint16, ttl uint32, rdata ...[]byte) []byte {
	n := 0
	for _, d := range rdata {
		n += len(d)
	}
	b := make([]byte, 10, 10+n)
	binary.BigEndian.PutUint16(b[0:], rrtype)
	binary.BigEndian.PutUint16(b[2:], dns.ClassINET)
	binary.BigEndian.PutUint32(b[4:], ttl)
	binary.BigEndian.PutUint16(b[8:], uint16(n))
	for _, d := range rdata {
		b = append(b, d...)
	}
	return b
}

func hdr(name string, rrtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}

func addrRecord(prefix []byte, owner string, ttl uint32, a netip.Addr) record {
	if a.Is4() {
		return record{prefix: prefix, body: body(dns.TypeA, ttl, a.AsSlice()), rr: &dns.A{Hdr: hdr(owner, dns.TypeA, ttl), A: a.AsSlice()}}
	}
	return record{prefix: prefix, body: body(dns.TypeAAAA, ttl, a.AsSlice()), rr: &dns.AAAA{Hdr: hdr(owner, dns.TypeAAAA, ttl), AAAA: a.AsSlice()}}
}

// srvRecord is "1 1 <port> <instanceId>.<service>.<namespace>.": priority
// and weight are fixed at 1 (spec §B). The target is written out in full:
// RFC 2782 forbids compressing it (Knot and miekg/dns do not either).
func srvRecord(owner string, ttl uint32, port uint16, targetWire []byte, target string) record {
	fixed := []byte{0, 1, 0, 1, byte(port >> 8), byte(port)}
	return record{
		srvTarget: true,
		body:      body(dns.TypeSRV, ttl, fixed, targetWire),
		rr:        &dns.SRV{Hdr: hdr(owner, dns.TypeSRV, ttl), Priority: 1, Weight: 1, Port: port, Target: target},
	}
}

func cnameRecord(owner string, ttl uint32, target []byte) record {
	return record{body: body(dns.TypeCNAME, ttl, target), rr: &dns.CNAME{Hdr: hdr(owner, dns.TypeCNAME, ttl), Target: presentation(target)}}
}

func nsRecord(apex string) record {
	wire := make([]byte, maxNameLen)
	n, _ := dns.PackDomainName(nsHost, wire, 0, nil, false)
	return record{body: body(dns.TypeNS, nsTTL, wire[:n]), rr: &dns.NS{Hdr: hdr(apex, dns.TypeNS, nsTTL), Ns: nsHost}}
}

// soaRecord is the apex SOA. Its TTL is the namespace's SOA TTL, which
// Cloud Map documents as the TTL for negative caching (spec §B).
func soaRecord(apex string, apexWire []byte, ttl, serial uint32) record {
	mname := make([]byte, maxNameLen)
	n, _ := dns.PackDomainName(nsHost, mname, 0, nil, false)
	rname := append([]byte{10}, "hostmaster"...)
	rname = append(rname, apexWire...)
	if len(rname) > maxNameLen {
		rname = []byte("\x0ahostmaster\x00")
	}
	var nums [20]byte
	for i, v := range []uint32{serial, soaRefresh, soaRetry, soaExpire, soaMinimum} {
		binary.BigEndian.PutUint32(nums[4*i:], v)
	}
	return record{
		body: body(dns.TypeSOA, ttl, mname[:n], rname, nums[:]),
		rr: &dns.SOA{Hdr: hdr(apex, dns.TypeSOA, ttl), Ns: nsHost, Mbox: presentation(rname),
			Serial: serial, Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, Minttl: soaMinimum},
	}
}

// NamespaceApex is what the server answers at a DNS namespace's apex, in
// presentation format: the SOA value and TTL (serial: the Cloud Map
// snapshot's revision) and the NS value and TTL. Route 53 lists them as
// the records of the namespace's hosted zone.
func NamespaceApex(ns *cloudmap.NamespaceState, revision int64) (soa string, soaTTL uint32, nameServer string, nsTTL uint32) {
	apex, _ := appendLabels(nil, ns.Name)
	apex = append(apex, 0)
	rr := soaRecord(presentation(apex), apex, uint32(clampTTL(ns.SOATTL())), uint32(revision)).rr
	return strings.TrimPrefix(rr.String(), rr.Header().String()), rr.Header().Ttl, nsHost, nsTTL
}
