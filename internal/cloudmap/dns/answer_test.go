package dns_test

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// TestAnswer: Answer gives what a query over the network gets, records,
// TTLs and rcode alike (A and SRV with its additional addresses; all the
// fixture's services have at most 8 instances, so every value is picked).
func TestAnswer(t *testing.T) {
	f := recordsFixture(t)
	for _, q := range []query{
		{name: "web.example.local.", qtype: dns.TypeA},
		{name: "api.example.local.", qtype: dns.TypeSRV},
		{name: "nothere.example.local.", qtype: dns.TypeA},
		{name: "empty.example.local.", qtype: dns.TypeA},
	} {
		wire := ask(t, f.addr, query{name: q.name, qtype: q.qtype, tcp: true})
		got, err := f.dns.Answer(q.name, q.qtype)
		if err != nil {
			t.Fatalf("Answer %s: %v", q.name, err)
		}
		if got.Rcode != wire.Rcode || !slices.Equal(rrStrings(got.Answer), rrStrings(wire.Answer)) ||
			!slices.Equal(rrStrings(got.Extra), rrStrings(wire.Extra)) {
			t.Errorf("%s %s: Answer %v %v %v, the network %v %v %v", q.name, dns.TypeToString[q.qtype],
				dns.RcodeToString[got.Rcode], got.Answer, got.Extra, dns.RcodeToString[wire.Rcode], wire.Answer, wire.Extra)
		}
	}
	if m, err := f.dns.Answer("example.com.", dns.TypeA); err != nil || m.Rcode != dns.RcodeRefused {
		t.Errorf("a name outside the zones: %v %v, want REFUSED", m, err)
	}
}
