package route53

import (
	"cmp"
	"log/slog"
	"slices"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// Snapshot is an immutable picture of every hosted zone at one store
// revision: what the operations list and the DNS server serves.
type Snapshot struct {
	Revision int64
	zones    map[string]*ZoneState // by bare id (Z…)
	// byAge are the zones oldest first, as the DNS server takes them (of
	// two zones with one name, the older is served).
	byAge []*ZoneState
	dns   []*dns.Zone // aligned with byAge
}

// ZoneState is one hosted zone and its record sets.
type ZoneState struct {
	rec     *zoneRecord
	created int64 // the zone key's CreateRevision
	// Sets are in ListResourceRecordSets order.
	Sets []*SetState
	dns  *dns.Zone
}

// SetState is one record set, with what the DNS server serves for it.
type SetState struct {
	ResourceRecordSet
	order setOrder
	dns   *dns.RRSet
}

// setOrder is where a set sorts: by name with its labels reversed, then
// type, then set identifier.
type setOrder struct{ name, typ, id string }

func compareOrder(a, b setOrder) int {
	return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
}

// Zone returns the zone with the bare id, or nil.
func (s *Snapshot) Zone(id string) *ZoneState { return s.zones[id] }

// HostedZone is the zone's API shape.
func (z *ZoneState) HostedZone() HostedZone {
	h := z.rec.HostedZone
	h.ResourceRecordSetCount = int64(len(z.Sets))
	return h
}

// View is the read side of Route 53's snapshots.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return newBuilder(log) }, log)
}

type builder struct {
	log     *slog.Logger
	zones   map[string]*zoneRecord
	created map[string]int64
	sets    map[string]map[string]*SetState // zone id → rrset key → set
	dirty   map[string]bool                 // zones whose state to rebuild
}

func newBuilder(log *slog.Logger) *builder {
	return &builder{log: log, zones: map[string]*zoneRecord{}, created: map[string]int64{},
		sets: map[string]map[string]*SetState{}, dirty: map[string]bool{}}
}

func (b *builder) Apply(ev store.Event) {
	rest := strings.TrimPrefix(ev.KV.Key, keyPrefix)
	kind, rest, _ := strings.Cut(rest, "/")
	del := ev.Type == store.EventDelete
	switch kind {
	case "zone":
		b.dirty[rest] = true
		if del {
			delete(b.zones, rest)
			delete(b.created, rest)
			return
		}
		if rec := store.DecodeJSON[zoneRecord](ev.KV.Value); rec != nil {
			b.zones[rest], b.created[rest] = rec, ev.KV.CreateRevision
		}
	case "rrset":
		zoneID, key, _ := strings.Cut(rest, "/")
		b.dirty[zoneID] = true
		if del {
			delete(b.sets[zoneID], key)
			return
		}
		rec := store.DecodeJSON[ResourceRecordSet](ev.KV.Value)
		if rec == nil {
			return
		}
		if b.sets[zoneID] == nil {
			b.sets[zoneID] = map[string]*SetState{}
		}
		b.sets[zoneID][key] = newSetState(rec, b.log)
	}
}

// newSetState compiles a stored set for the DNS server, once per change.
func newSetState(rec *ResourceRecordSet, log *slog.Logger) *SetState {
	s := &SetState{ResourceRecordSet: *rec, order: setOrder{sortKey(rec.Name), rec.Type, rec.SetIdentifier}}
	name, p := parseName(rec.Name)
	rrtype, ok := recordTypes[rec.Type]
	if p != nil || !ok {
		log.Warn("stored record set cannot be served", "name", rec.Name, "type", rec.Type)
		return s
	}
	d := &dns.RRSet{Name: name.presentation(), Type: rrtype, Weight: rec.Weight, Failover: rec.Failover,
		MultiValue: rec.MultiValueAnswer != nil && *rec.MultiValueAnswer}
	if a := rec.AliasTarget; a != nil {
		if target, p := parseName(a.DNSName); p == nil {
			d.AliasTarget = target.presentation()
		}
	} else if rec.TTL != nil {
		for _, v := range rec.ResourceRecords {
			rr, p := parseValue(d.Name, rrtype, uint32(*rec.TTL), v.Value)
			if p != nil {
				log.Warn("stored record cannot be served", "name", rec.Name, "type", rec.Type, "value", v.Value)
				continue
			}
			d.Records = append(d.Records, rr)
		}
	}
	s.dns = d
	return s
}

func (b *builder) Build(prev *Snapshot, rev int64) *Snapshot {
	s := &Snapshot{Revision: rev, zones: make(map[string]*ZoneState, len(b.zones))}
	for id, rec := range b.zones {
		if old := prevZone(prev, id); old != nil && !b.dirty[id] {
			s.zones[id] = old
			continue
		}
		z := &ZoneState{rec: rec, created: b.created[id]}
		for _, set := range b.sets[id] {
			z.Sets = append(z.Sets, set)
		}
		slices.SortFunc(z.Sets, func(a, b *SetState) int { return compareOrder(a.order, b.order) })
		z.dns = &dns.Zone{Name: mdns.Fqdn(presentationOf(rec.Name))}
		for _, set := range z.Sets {
			if set.dns != nil {
				z.dns.Sets = append(z.dns.Sets, set.dns)
			}
		}
		s.zones[id] = z
	}
	for _, z := range s.zones {
		s.byAge = append(s.byAge, z)
	}
	slices.SortFunc(s.byAge, func(a, b *ZoneState) int {
		return cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.rec.Id, b.rec.Id))
	})
	for _, z := range s.byAge {
		s.dns = append(s.dns, z.dns)
	}
	clear(b.dirty)
	return s
}

func prevZone(prev *Snapshot, id string) *ZoneState {
	if prev == nil {
		return nil
	}
	return prev.zones[id]
}

// presentationOf is a stored name in the DNS server's text form.
func presentationOf(stored string) string {
	n, p := parseName(stored)
	if p != nil {
		return stored
	}
	return n.presentation()
}
