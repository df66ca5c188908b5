package dns_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// fakeRecords is a Config.Records source the test publishes to, as the
// load balancers' view would.
type fakeRecords struct{ store.Feed[[]cmdns.Record] }

func (f *fakeRecords) Records() ([]cmdns.Record, int64) {
	recs, rev, _ := f.Load()
	return recs, rev
}

const (
	nlbName = "web-0123456789abcdef.elb.us-east-1.amazonaws.com."
	albName = "internal-web-123456789.us-east-1.elb.amazonaws.com."
)

// TestStaticRecords: names from Config.Records are answered
// authoritatively, beside Cloud Map's, in any case; the names around
// them (elb.us-east-1.amazonaws.com, other load balancers) are still
// forwarded; Cloud Map keeps a name both claim; and a change of the
// source reaches the answers.
func TestStaticRecords(t *testing.T) {
	up := testUpstream(t)
	src := &fakeRecords{}
	src.Publish([]cmdns.Record{
		{Name: "Web-0123456789abcdef.elb.us-east-1.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.1")},
		{Name: "internal-web-123456789.us-east-1.elb.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.2")},
		{Name: "internal-web-123456789.us-east-1.elb.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.3")},
		{Name: "internal-web-123456789.us-east-1.elb.amazonaws.com", Addr: netip.MustParseAddr("fd00::130:3")},
		{Name: "web.example.local", Addr: netip.MustParseAddr("192.0.2.99")},
	}, 1)
	f := start(t, func(c *cmdns.Config) { c.Upstreams = []string{up}; c.Records = []cmdns.Records{src} })
	ns := f.namespace(t, "example.local", false, 30)
	web := f.service(t, ns, svc{name: "web", records: map[types.RecordType]int64{types.RecordTypeA: 60}})
	f.register(t, web, "w1", attrs("AWS_INSTANCE_IPV4", "10.0.0.1"))
	eventually(t, "Cloud Map zone data", func() bool {
		m, err := exchange(f.addr, query{name: "web.example.local.", qtype: dns.TypeA})
		// Until the instance is in the zone data the static record for the
		// same name answers alone: wait for Cloud Map's own answer.
		return err == nil && slices.Equal(sortedValues(m.Answer), []string{"10.0.0.1"})
	})

	for _, c := range []struct {
		name   string
		q      query
		rcode  int
		aa     bool
		answer []string
		soa    bool // the name's SOA in the authority section
	}{
		{"nlb", query{name: nlbName, qtype: dns.TypeA}, dns.RcodeSuccess, true, []string{"127.0.130.1"}, false},
		{"nlb-case", query{name: "WEB-0123456789ABCDEF.ELB.us-east-1.AmazonAWS.com.", qtype: dns.TypeA, edns: 1232}, dns.RcodeSuccess, true, []string{"127.0.130.1"}, false},
		{"nlb-tcp", query{name: nlbName, qtype: dns.TypeA, tcp: true}, dns.RcodeSuccess, true, []string{"127.0.130.1"}, false},
		{"alb-every-address", query{name: albName, qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, true, []string{"127.0.130.2", "127.0.130.3"}, false},
		{"alb-aaaa", query{name: albName, qtype: dns.TypeAAAA}, dns.RcodeSuccess, true, []string{"fd00::130:3"}, false},
		{"nlb-aaaa-nodata", query{name: nlbName, qtype: dns.TypeAAAA}, dns.RcodeSuccess, true, nil, true},
		{"below-nxdomain", query{name: "x." + nlbName, qtype: dns.TypeA, rd: true}, dns.RcodeNameError, true, nil, true},
		{"parent-forwarded", query{name: "elb.us-east-1.amazonaws.com.", qtype: dns.TypeA, rd: true}, dns.RcodeNameError, false, nil, false},
		{"other-lb-forwarded", query{name: "other-0123456789abcdef.elb.us-east-1.amazonaws.com.", qtype: dns.TypeA, rd: true}, dns.RcodeNameError, false, nil, false},
		{"cloud-map-keeps-its-name", query{name: "web.example.local.", qtype: dns.TypeA}, dns.RcodeSuccess, true, []string{"10.0.0.1"}, false},
		{"forwarded-still", query{name: "outside.test.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, false, []string{"192.0.2.1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := ask(t, f.addr, c.q)
			if m.Rcode != c.rcode || m.Authoritative != c.aa {
				t.Fatalf("rcode %s AA %v, want %s %v\n%v", dns.RcodeToString[m.Rcode], m.Authoritative, dns.RcodeToString[c.rcode], c.aa, m)
			}
			if got := sortedValues(m.Answer); !slices.Equal(got, sorted(c.answer)) {
				t.Errorf("answer %v, want %v", got, c.answer)
			}
			for _, rr := range m.Answer {
				if rr.Header().Ttl != 60 && c.aa && c.name != "cloud-map-keeps-its-name" {
					t.Errorf("TTL %d, want 60: %v", rr.Header().Ttl, rr)
				}
			}
			hasSOA := len(m.Ns) == 1 && m.Ns[0].Header().Rrtype == dns.TypeSOA
			if c.soa && (!hasSOA || !dns.IsSubDomain(m.Ns[0].Header().Name, dns.CanonicalName(c.q.name))) {
				t.Errorf("authority %v, want the SOA of the load balancer's name", m.Ns)
			}
		})
	}
	t.Run("dig", func(t *testing.T) {
		r := dig(t, f.addr, "web-0123456789abcdef.elb.us-east-1.amazonaws.com", "A")
		if r.status != "NOERROR" || !r.hasFlag("aa") || !slices.Equal(values(r.answer), []string{"127.0.130.1"}) {
			t.Errorf("dig:\n%s", r.raw)
		}
	})

	// The source changes: the NLB is gone, another one appears.
	src.Publish([]cmdns.Record{{Name: "other-0123456789abcdef.elb.us-east-1.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.4")}}, 2)
	eventually(t, "the new records", func() bool {
		m, err := exchange(f.addr, query{name: "other-0123456789abcdef.elb.us-east-1.amazonaws.com.", qtype: dns.TypeA})
		return err == nil && m.Authoritative && slices.Equal(values(m.Answer), []string{"127.0.130.4"})
	})
	m := ask(t, f.addr, query{name: nlbName, qtype: dns.TypeA, rd: true})
	if m.Authoritative || m.Rcode != dns.RcodeNameError {
		t.Errorf("a removed name is still ours: %v", m)
	}
	if m := ask(t, f.addr, query{name: "web.example.local.", qtype: dns.TypeA}); !slices.Equal(values(m.Answer), []string{"10.0.0.1"}) {
		t.Errorf("Cloud Map's names after the change: %v", m.Answer)
	}
}
