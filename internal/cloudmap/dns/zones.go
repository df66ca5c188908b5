package dns

import (
	"log/slog"
	"strings"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/store"
)

// Zones is a source of hosted zones served beside Cloud Map's namespaces
// (Route 53's). The server follows it with the Cloud Map view and rebuilds
// its table whenever either publishes.
type Zones interface {
	store.Source
	// Zones are the zones to serve now, oldest first (of two zones with
	// the same name the first is served), and the store revision they
	// reflect.
	Zones() ([]*Zone, int64)
}

// Zone is one hosted zone: its apex and every record set in it, the apex
// SOA and NS included. A source hands the same *RRSet again for a set
// that did not change, so that the next build reuses its compiled form.
type Zone struct {
	Name string // the apex, a fully qualified presentation name
	Sets []*RRSet
}

// RRSet is one record set (a Route 53 ResourceRecordSet).
type RRSet struct {
	Name string // fully qualified presentation name, inside the zone
	Type uint16
	// Records are the values, each with Name as owner and the set's TTL.
	// An alias set has none.
	Records []dns.RR
	// AliasTarget, when set, is the name whose records of Type this set
	// answers with, wherever they come from (another set of a Route 53
	// zone, a load balancer's name); they are looked up when the table is
	// built, and the table is rebuilt whenever any source changes, so an
	// alias follows its target.
	AliasTarget string
	// Routing among the sets sharing Name and Type: Weight for weighted
	// sets (nil otherwise), Failover "PRIMARY" or "SECONDARY", MultiValue
	// for multivalue answer sets. A set with none of them is simple.
	Weight     *int64
	Failover   string
	MultiValue bool
}

// ownerKey is the table key of a presentation name, or false for a name
// the table cannot hold.
func ownerKey(name string) (string, bool) {
	var buf [maxNameLen]byte
	n, err := dns.PackDomainName(dns.Fqdn(name), buf[:], 0, nil, false)
	if err != nil {
		return "", false
	}
	return string(lower(buf[:n])), true
}

// compileRR turns a value into a table record: its wire body (type, class,
// TTL, RDATA with no name compressed) and the RR for the full path.
func compileRR(rr dns.RR) (record, bool) {
	c := dns.Copy(rr)
	c.Header().Name = "." // a one-byte owner, cut off below
	buf := make([]byte, 1+10+dns.Len(c))
	n, err := dns.PackRR(c, buf, 0, nil, false)
	if err != nil || n < 11 {
		return record{}, false
	}
	return record{body: buf[1:n:n], rr: rr}, true
}

// zoneSet is what one (name, type) of the hosted zones compiles to before
// its aliases are resolved: the sets there, each with its compiled
// values, assembled into one rrset by resolve.
type zoneSet struct {
	node   *node
	rrtype uint16
	parts  []zonePart
	state  uint8 // 0 pending, 1 being resolved (an alias loop), 2 done
}

type zonePart struct {
	set    *RRSet
	values []group
	alias  string // the target's table key, for an alias set
	limit  int    // the target's, for an alias set
}

type zoneSetKey struct {
	name   string
	rrtype uint16
}

// addZones puts the hosted zones into t after Cloud Map's namespaces and
// the static records: each zone that does not share its apex with a zone
// already there, with every record set whose name is not inside a more
// specific zone (the most specific zone answers for a name, as a
// delegation would send a resolver there). Alias sets are resolved last,
// against the complete table.
func (t *table) addZones(zs []*Zone, revs []int64, prev *table, log *slog.Logger) {
	t.zonesRevs = revs
	t.zoneCache = map[*RRSet][]group{}
	type served struct {
		z    *Zone
		key  string
		zone *zone
	}
	var zones []served
	for _, z := range zs {
		key, ok := ownerKey(z.Name)
		if !ok {
			log.Warn("hosted zone name is not a DNS name; it is not served", "zone", z.Name)
			continue
		}
		if n := t.names[key]; n != nil && n.zone.apexLen == len(key) {
			log.Debug("a zone of the same name is already served; not serving a hosted zone", "zone", z.Name)
			continue
		}
		soa := apexSOA(z, key, t, prev, log)
		if soa == nil {
			log.Warn("hosted zone has no usable SOA record; it is not served", "zone", z.Name)
			continue
		}
		zn := &zone{apexLen: len(key), soa: *soa}
		t.takeOver(key)
		t.names[key] = &node{zone: zn}
		zones = append(zones, served{z, key, zn})
	}
	pending := map[zoneSetKey]*zoneSet{}
	var order []*zoneSet
	for _, s := range zones {
		for _, set := range s.z.Sets {
			key, ok := ownerKey(set.Name)
			if !ok || t.closestApex(key) != s.zone {
				continue // not a name, or inside a more specific zone
			}
			part := zonePart{set: set}
			if set.AliasTarget != "" {
				if part.alias, ok = ownerKey(set.AliasTarget); !ok {
					continue
				}
			} else {
				part.values = t.compileSet(set, prev, log)
			}
			if strings.HasPrefix(key, "\x01*") {
				s.zone.wildcards = true
			}
			k := zoneSetKey{key, set.Type}
			p := pending[k]
			if p == nil {
				p = &zoneSet{node: t.ensureNode(key, s.zone), rrtype: set.Type}
				pending[k] = p
				order = append(order, p)
			}
			p.parts = append(p.parts, part)
		}
	}
	for _, p := range order {
		t.resolve(p, pending)
	}
}

// apexSOA is the compiled SOA record of zone z (apex key), or nil.
func apexSOA(z *Zone, key string, t, prev *table, log *slog.Logger) *record {
	for _, set := range z.Sets {
		if set.Type != dns.TypeSOA || len(set.Records) != 1 {
			continue
		}
		if k, ok := ownerKey(set.Name); ok && k == key {
			if g := t.compileSet(set, prev, log); len(g) == 1 {
				return &g[0].answer
			}
		}
	}
	return nil
}

// compileSet compiles a set's values, or lends them from prev when the
// source handed the same set again.
func (t *table) compileSet(set *RRSet, prev *table, log *slog.Logger) []group {
	if g, ok := t.zoneCache[set]; ok {
		return g
	}
	if prev != nil {
		if g, ok := prev.zoneCache[set]; ok {
			t.zoneCache[set] = g
			return g
		}
	}
	groups := make([]group, 0, len(set.Records))
	for _, rr := range set.Records {
		rec, ok := compileRR(rr)
		if !ok || rr.Header().Rrtype != set.Type {
			log.Warn("record cannot be served", "name", set.Name, "record", rr.String())
			continue
		}
		groups = append(groups, group{answer: rec})
	}
	t.zoneCache[set] = groups
	return groups
}

// takeOver removes the names at and below apex that a less specific zone
// holds, for the zone at apex that claims them; names of zones more
// specific still stay theirs.
func (t *table) takeOver(apex string) {
	if n := t.names[apex]; n == nil {
		return
	}
	for key, n := range t.names {
		if n.zone.apexLen >= len(apex) {
			continue
		}
		for off := 0; off < len(key) && key[off] != 0; off += 1 + int(key[off]) {
			if len(key)-off < len(apex) {
				break
			}
			if key[off:] == apex {
				delete(t.names, key)
				break
			}
		}
	}
}

// closestApex is the zone whose apex is key or the closest ancestor of
// key that is an apex, or nil.
func (t *table) closestApex(key string) *zone {
	for off := 0; off < len(key); off += 1 + int(key[off]) {
		if n := t.names[key[off:]]; n != nil && n.zone.apexLen == len(key)-off {
			return n.zone
		}
		if key[off] == 0 {
			break
		}
	}
	return nil
}

// ensureNode returns the node of key in zone z, creating it and the empty
// non-terminals between it and the apex (NODATA there, not NXDOMAIN).
func (t *table) ensureNode(key string, z *zone) *node {
	if n := t.names[key]; n != nil {
		return n
	}
	n := &node{zone: z}
	t.names[key] = n
	for off := 1 + int(key[0]); off < len(key) && key[off] != 0; off += 1 + int(key[off]) {
		if t.names[key[off:]] != nil {
			break
		}
		t.names[key[off:]] = &node{zone: z}
	}
	return n
}

// resolve assembles p into an rrset at its node, after the alias targets
// it depends on: a set of the hosted zones being the target of another is
// resolved first, and a loop of aliases resolves to nothing.
func (t *table) resolve(p *zoneSet, pending map[zoneSetKey]*zoneSet) {
	if p.state != 0 {
		return
	}
	p.state = 1
	for i := range p.parts {
		part := &p.parts[i]
		if part.alias == "" {
			continue
		}
		target := part.alias
		if t.names[target] == nil && strings.HasPrefix(target, "\x09dualstack") {
			// An ELB alias names dualstack.<the load balancer's name>.
			target = target[10:]
		}
		if q := pending[zoneSetKey{target, p.rrtype}]; q != nil {
			if q.state == 1 {
				continue // an alias loop
			}
			t.resolve(q, pending)
		}
		n := t.names[target]
		if n == nil {
			continue
		}
		if s := n.set(p.rrtype); s != nil {
			// The target's healthy values (all of them when none is), as
			// a query of the target would pick from.
			vals := s.healthy
			if len(vals) == 0 {
				vals = s.fallback
			}
			part.values = append(part.values, vals...)
			part.limit = s.limit
		}
	}
	p.state = 2
	s := assemble(p.rrtype, p.parts)
	if len(p.parts) == 1 && p.parts[0].alias != "" && s.limit == 0 {
		// A simple alias answers as its target does (8 values of a
		// MULTIVALUE Cloud Map service, one of a WEIGHTED one).
		s.limit = p.parts[0].limit
	}
	if len(s.healthy) == 0 {
		return // an alias with no target yet: the name exists, NODATA
	}
	switch {
	case p.node.set(p.rrtype) != nil,
		p.rrtype == dns.TypeCNAME && len(p.node.sets) > 0,
		p.node.set(dns.TypeCNAME) != nil:
		return // the control plane refuses such conflicts; never serve both
	}
	p.node.sets = append(p.node.sets, s)
}

// assemble makes the rrset that answers for a (name, type) from its sets,
// by their routing policy. There are no health checks here, so every
// value counts as healthy: failover answers with PRIMARY (SECONDARY only
// when there is none); weighted picks one value with probability in
// proportion to its set's weight (sets of weight 0 only when all are 0);
// multivalue answers up to 8 values at random; a simple set answers every
// value.
func assemble(rrtype uint16, parts []zonePart) rrset {
	s := rrset{rrtype: rrtype}
	first := parts[0].set
	switch {
	case first.Failover != "":
		for _, want := range []string{"PRIMARY", "SECONDARY"} {
			for _, p := range parts {
				if p.set.Failover == want {
					s.healthy = append(s.healthy, p.values...)
				}
			}
			if len(s.healthy) > 0 {
				break
			}
		}
	case first.Weight != nil:
		s.limit = 1
		s.healthy = weighted(parts)
	case first.MultiValue:
		s.limit = multivalueMax
		for _, p := range parts {
			s.healthy = append(s.healthy, p.values...)
		}
	default:
		for _, p := range parts {
			s.healthy = append(s.healthy, p.values...)
		}
	}
	return s
}

// maxWeightedCandidates bounds how many times values are repeated to
// stand for their weights, so a zone with many large weights cannot make
// a table of millions of entries (weights are then scaled down).
const maxWeightedCandidates = 4096

// weighted repeats each value of a weighted set in proportion to the
// set's weight (divided by the weights' greatest common divisor), so that
// a uniform pick of one candidate is a weighted pick: the query path
// picks as it always does.
func weighted(parts []zonePart) []group {
	g, total := int64(0), int64(0)
	for _, p := range parts {
		if w := *p.set.Weight; w > 0 {
			g = gcd(g, w)
			total += w * int64(len(p.values))
		}
	}
	if g == 0 { // every weight is 0: all equally likely
		var out []group
		for _, p := range parts {
			out = append(out, p.values...)
		}
		return out
	}
	scale := max(1, total/g/maxWeightedCandidates)
	var out []group
	for _, p := range parts {
		reps := *p.set.Weight / g / scale
		if *p.set.Weight > 0 {
			reps = max(reps, 1)
		}
		for range reps {
			out = append(out, p.values...)
		}
	}
	return out
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
