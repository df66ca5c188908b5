package dns

import (
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkCount is what the counters add to a query answered on the fast
// path: reading the reply's type and rcode, one atomic add.
func BenchmarkCount(b *testing.B) {
	m := newMetrics(prometheus.NewRegistry())
	z := &zone{}
	z.stats.Store(&zoneStats{name: "example.local."})
	msg := new(dns.Msg)
	msg.SetQuestion("web.example.local.", dns.TypeA)
	reply, _ := msg.SetReply(msg).Pack()
	b.ReportAllocs()
	for b.Loop() {
		m.count(z, reply)
	}
}
