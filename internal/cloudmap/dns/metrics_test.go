package dns_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
)

// TestMetrics: each answer counts once by its zone, type and rcode, over
// UDP and TCP, on the fast and the full path; forwarded queries count
// under no zone and as forwarded.
func TestMetrics(t *testing.T) {
	up := testUpstream(t)
	reg := prometheus.NewPedanticRegistry()
	f := recordsFixture(t)
	// A server of its own, built on the zone data the fixture waited for,
	// so that only these queries are counted.
	addr := f.serveDNS(t, func(c *cmdns.Config) { c.Upstreams = []string{up}; c.Metrics = reg }).Addrs()[0]
	for _, q := range []query{
		{name: "web.example.local.", qtype: dns.TypeA},                         // fast path
		{name: "web.example.local.", qtype: dns.TypeAAAA, tcp: true},           // fast path over TCP
		{name: "alias.example.local.", qtype: dns.TypeA},                       // CNAME: full path
		{name: "nothing.example.local.", qtype: dns.TypeA},                     // NXDOMAIN
		{name: "nothing.example.local.", qtype: dns.TypeA, tcp: true},          // NXDOMAIN over TCP
		{name: "outside.test.", qtype: dns.TypeA, rd: true},                    // forwarded
		{name: "nope.test.", qtype: dns.TypeA, rd: true, tcp: true},            // forwarded NXDOMAIN over TCP
		{name: "api.example.local.", qtype: dns.TypeSRV, edns: 1232, do: true}, // EDNS
	} {
		ask(t, addr, q)
	}
	want := `
# HELP portolan_dns_forwarded_queries_total DNS queries forwarded to an upstream resolver, by the rcode answered.
# TYPE portolan_dns_forwarded_queries_total counter
portolan_dns_forwarded_queries_total{rcode="NOERROR"} 1
portolan_dns_forwarded_queries_total{rcode="NXDOMAIN"} 1
# HELP portolan_dns_queries_total DNS queries answered, by zone (empty: outside Portolan's zones), query type and rcode.
# TYPE portolan_dns_queries_total counter
portolan_dns_queries_total{rcode="NOERROR",type="A",zone=""} 1
portolan_dns_queries_total{rcode="NOERROR",type="A",zone="example.local."} 2
portolan_dns_queries_total{rcode="NOERROR",type="AAAA",zone="example.local."} 1
portolan_dns_queries_total{rcode="NOERROR",type="SRV",zone="example.local."} 1
portolan_dns_queries_total{rcode="NXDOMAIN",type="A",zone=""} 1
portolan_dns_queries_total{rcode="NXDOMAIN",type="A",zone="example.local."} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
