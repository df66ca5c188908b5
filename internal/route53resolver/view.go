package route53resolver

import (
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// Snapshot is every endpoint, rule and association at one revision,
// sorted by id.
type Snapshot struct {
	Revision     int64
	Endpoints    []*endpointRecord
	Rules        []*ruleRecord
	Associations []*ResolverRuleAssociation
}

// View is the read side of Route 53 Resolver's snapshots.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return &builder{} }, log)
}

type builder struct {
	endpoints map[string]*endpointRecord
	rules     map[string]*ruleRecord
	assocs    map[string]*ResolverRuleAssociation
}

func (b *builder) Apply(ev store.Event) {
	if b.endpoints == nil {
		b.endpoints, b.rules, b.assocs = map[string]*endpointRecord{}, map[string]*ruleRecord{}, map[string]*ResolverRuleAssociation{}
	}
	kind, id, _ := strings.Cut(strings.TrimPrefix(ev.KV.Key, keyPrefix), "/")
	del := ev.Type == store.EventDelete
	switch kind {
	case "endpoint":
		setOrDelete(b.endpoints, id, del, ev.KV.Value)
	case "rule":
		setOrDelete(b.rules, id, del, ev.KV.Value)
	case "assoc":
		setOrDelete(b.assocs, id, del, ev.KV.Value)
	}
}

func setOrDelete[T any](m map[string]*T, id string, del bool, value []byte) {
	if del {
		delete(m, id)
	} else if v := store.DecodeJSON[T](value); v != nil {
		m[id] = v
	}
}

func (b *builder) Build(_ *Snapshot, rev int64) *Snapshot {
	return &Snapshot{Revision: rev, Endpoints: sortedValues(b.endpoints), Rules: sortedValues(b.rules), Associations: sortedValues(b.assocs)}
}

func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func (s *Snapshot) endpoint(id string) *endpointRecord {
	for _, e := range s.Endpoints {
		if e.Id == id {
			return e
		}
	}
	return nil
}

func (s *Snapshot) rule(id string) *ruleRecord {
	for _, r := range s.Rules {
		if r.Id == id {
			return r
		}
	}
	return nil
}

// InboundListeners are the addresses of the INBOUND endpoints, as the
// DNS server's Config.Listeners.
type InboundListeners struct {
	View *View
	Port int // 53 when 0
}

func (l InboundListeners) Changed() <-chan struct{} { return l.View.Changed() }

func (l InboundListeners) ListenAddrs() []string {
	snap := l.View.Snapshot()
	if snap == nil {
		return nil
	}
	port := "53"
	if l.Port != 0 {
		port = strconv.Itoa(l.Port)
	}
	var out []string
	for _, e := range snap.Endpoints {
		if e.Direction != DirectionInbound {
			continue
		}
		for _, ip := range e.IpAddresses {
			out = append(out, net.JoinHostPort(ip.Ip, port))
		}
	}
	return out
}

// ForwardingRules are the rules associated with a VPC, as the DNS
// server's Config.Rules: there are no per-VPC views, so a rule associated
// with any VPC applies to every client.
type ForwardingRules struct{ View *View }

func (f ForwardingRules) Changed() <-chan struct{} { return f.View.Changed() }

func (f ForwardingRules) ForwardRules() ([]dns.ForwardRule, int64) {
	snap := f.View.Snapshot()
	if snap == nil {
		return nil, 0
	}
	var out []dns.ForwardRule
	for _, r := range snap.Rules {
		if !slices.ContainsFunc(snap.Associations, func(a *ResolverRuleAssociation) bool { return a.ResolverRuleId == r.Id }) {
			continue
		}
		rule := dns.ForwardRule{Domain: r.DomainName}
		for _, t := range r.TargetIps {
			port := 53
			if t.Port != nil {
				port = int(*t.Port)
			}
			rule.Targets = append(rule.Targets, net.JoinHostPort(t.Ip, strconv.Itoa(port)))
		}
		out = append(out, rule)
	}
	return out, snap.Revision
}
