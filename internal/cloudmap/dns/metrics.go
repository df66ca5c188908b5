package dns

import (
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// The DNS server's Prometheus series: queries by zone, type and rcode, and
// the queries forwarded upstream by rcode. A query costs one atomic add
// into its zone's counters (resolved when the table is built); the
// Collector turns them into series at scrape time. Labels are bounded:
// zones are configured ones ("" for names outside them), types a fixed
// list ("other" for the rest).

// countedTypes are the query types with a label of their own.
var countedTypes = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeSRV, dns.TypeTXT, dns.TypeNS,
	dns.TypeSOA, dns.TypePTR, dns.TypeMX, dns.TypeCAA, dns.TypeHTTPS}

const otherType = 11 // index of "other" in a zoneStats row; len(countedTypes)

func typeIndex(t uint16) int {
	for i, c := range countedTypes {
		if c == t {
			return i
		}
	}
	return otherType
}

// zoneStats counts one zone's answers by query type and rcode.
type zoneStats struct {
	name string
	n    [otherType + 1][16]atomic.Uint64
}

func (z *zoneStats) add(qtype uint16, rcode int) { z.n[typeIndex(qtype)][rcode&0xF].Add(1) }

type metrics struct {
	mu      sync.Mutex
	zones   map[string]*zoneStats // by apex; only the table builder changes it
	outside zoneStats             // names in no zone of ours (forwarded or refused)
	fwd     [16]atomic.Uint64     // forwarded queries by the rcode given back

	queries, forwarded *prometheus.Desc
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{zones: map[string]*zoneStats{},
		queries: prometheus.NewDesc("portolan_dns_queries_total", "DNS queries answered, by zone (empty: outside Portolan's zones), query type and rcode.",
			[]string{"zone", "type", "rcode"}, nil),
		forwarded: prometheus.NewDesc("portolan_dns_forwarded_queries_total", "DNS queries forwarded to an upstream resolver, by the rcode answered.",
			[]string{"rcode"}, nil),
	}
	reg.MustRegister(m)
	return m
}

// attach gives every zone of t its counters, keeping those of zones that
// were already there, and forgets zones that are gone. It runs when a
// table is built, off the query path.
func (m *metrics) attach(t *table) {
	if m == nil || t == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[*zone]bool{}
	live := map[string]bool{}
	for _, n := range t.names {
		z := n.zone
		if z == nil || seen[z] {
			continue
		}
		seen[z] = true
		name := z.soa.rr.Header().Name
		s := m.zones[name]
		if s == nil {
			s = &zoneStats{name: name}
			m.zones[name] = s
		}
		// A zone may be shared with the table queries still read.
		z.stats.Store(s)
		live[name] = true
	}
	for name := range m.zones {
		if !live[name] {
			delete(m.zones, name)
		}
	}
}

// count records a reply on the wire: its question's type and its rcode,
// for zone z (nil: outside our zones).
func (m *metrics) count(z *zone, reply []byte) {
	if m == nil || len(reply) < headerLen {
		return
	}
	s := &m.outside
	if z != nil {
		if zs := z.stats.Load(); zs != nil {
			s = zs
		}
	}
	off := headerLen
	for off < len(reply) && reply[off] != 0 {
		if reply[off]&0xC0 != 0 { // a pointer ends the name
			off++
			break
		}
		off += 1 + int(reply[off])
	}
	off++
	var qtype uint16
	if off+2 <= len(reply) && be16(reply[4:]) == 1 {
		qtype = be16(reply[off:])
	}
	s.add(qtype, int(reply[3]&0xF))
}

// countMsg records a reply not yet packed.
func (m *metrics) countMsg(z *zone, msg *dns.Msg) {
	if m == nil || msg == nil {
		return
	}
	s := &m.outside
	if z != nil {
		if zs := z.stats.Load(); zs != nil {
			s = zs
		}
	}
	var qtype uint16
	if len(msg.Question) == 1 {
		qtype = msg.Question[0].Qtype
	}
	s.add(qtype, msg.Rcode)
}

// forward records a forwarded query's outcome (counted as a query too).
func (m *metrics) forward(msg *dns.Msg) {
	if m == nil || msg == nil {
		return
	}
	m.fwd[msg.Rcode&0xF].Add(1)
	m.countMsg(nil, msg)
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.queries
	ch <- m.forwarded
}

// Collect implements prometheus.Collector: one series per non-zero count.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	zones := make([]*zoneStats, 0, len(m.zones)+1)
	for _, z := range m.zones {
		zones = append(zones, z)
	}
	m.mu.Unlock()
	zones = append(zones, &m.outside)
	for _, z := range zones {
		for ti := range z.n {
			for rc := range z.n[ti] {
				if v := z.n[ti][rc].Load(); v > 0 {
					ch <- prometheus.MustNewConstMetric(m.queries, prometheus.CounterValue, float64(v), z.name, typeName(ti), rcodeName(rc))
				}
			}
		}
	}
	for rc := range m.fwd {
		if v := m.fwd[rc].Load(); v > 0 {
			ch <- prometheus.MustNewConstMetric(m.forwarded, prometheus.CounterValue, float64(v), rcodeName(rc))
		}
	}
}

func typeName(i int) string {
	if i == otherType {
		return "other"
	}
	return dns.TypeToString[countedTypes[i]]
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return "other"
}
