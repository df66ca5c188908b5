package dns_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// fakeZones is a Config.Zones source the test publishes to, as Route 53's
// view would.
type fakeZones struct{ store.Feed[[]*cmdns.Zone] }

func (f *fakeZones) Zones() ([]*cmdns.Zone, int64) {
	zs, rev, _ := f.Load()
	return zs, rev
}

// zoneOf builds a hosted zone from record lines in presentation format
// (each line one value; lines of the same name and type make one set),
// then the extra sets given (aliases, routing).
func zoneOf(t testing.TB, apex string, lines []string, extra ...*cmdns.RRSet) *cmdns.Zone {
	t.Helper()
	z := &cmdns.Zone{Name: apex}
	sets := map[string]*cmdns.RRSet{}
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		h := rr.Header()
		k := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
		s := sets[k]
		if s == nil {
			s = &cmdns.RRSet{Name: h.Name, Type: h.Rrtype}
			sets[k] = s
			z.Sets = append(z.Sets, s)
		}
		s.Records = append(s.Records, rr)
	}
	z.Sets = append(z.Sets, extra...)
	return z
}

func apexLines(apex string) []string {
	return []string{
		apex + " 900 IN SOA ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
		apex + " 172800 IN NS ns-1.awsdns-01.org.",
		apex + " 172800 IN NS ns-2.awsdns-02.com.",
	}
}

func weight(w int64) *int64 { return &w }

// single is a one-value set with a routing policy.
func single(t testing.TB, line string, set cmdns.RRSet) *cmdns.RRSet {
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatal(err)
	}
	set.Name, set.Type, set.Records = rr.Header().Name, rr.Header().Rrtype, []dns.RR{rr}
	return &set
}

const lbName = "web-0123456789abcdef.elb.us-east-1.amazonaws.com."

func corpZone(t testing.TB) *cmdns.Zone {
	lines := append(apexLines("corp.test."),
		"www.corp.test. 300 IN A 192.0.2.1",
		"www.corp.test. 300 IN A 192.0.2.2",
		"c.corp.test. 300 IN CNAME www.corp.test.",
		`txt.corp.test. 300 IN TXT "hello world" "second string"`,
		"corp.test. 300 IN MX 10 mail.corp.test.",
		"_sip._tcp.corp.test. 300 IN SRV 1 10 5060 sip.corp.test.",
		`corp.test. 300 IN CAA 0 issue "amazon.com"`,
		"1.2.0.192.corp.test. 300 IN PTR www.corp.test.",
		"v6.corp.test. 300 IN AAAA 2001:db8::1",
		"y.sub.corp.test. 300 IN A 192.0.2.66", // inside the more specific zone sub.corp.test
		"*.wild.corp.test. 300 IN A 192.0.2.77",
		"real.wild.corp.test. 300 IN A 192.0.2.78",
	)
	return zoneOf(t, "corp.test.", lines,
		&cmdns.RRSet{Name: "corp.test.", Type: dns.TypeA, AliasTarget: lbName},
		&cmdns.RRSet{Name: "lb.corp.test.", Type: dns.TypeA, AliasTarget: "dualstack." + lbName},
		&cmdns.RRSet{Name: "a1.corp.test.", Type: dns.TypeA, AliasTarget: "a2.corp.test."},
		&cmdns.RRSet{Name: "a2.corp.test.", Type: dns.TypeA, AliasTarget: "www.corp.test."},
		&cmdns.RRSet{Name: "l1.corp.test.", Type: dns.TypeA, AliasTarget: "l2.corp.test."},
		&cmdns.RRSet{Name: "l2.corp.test.", Type: dns.TypeA, AliasTarget: "l1.corp.test."},
		&cmdns.RRSet{Name: "gone.corp.test.", Type: dns.TypeA, AliasTarget: "nowhere.elb.us-east-1.amazonaws.com."},
		&cmdns.RRSet{Name: "svc.corp.test.", Type: dns.TypeA, AliasTarget: "web.example.local."},
		single(t, "w.corp.test. 60 IN A 192.0.2.11", cmdns.RRSet{Weight: weight(10)}),
		single(t, "w.corp.test. 60 IN A 192.0.2.12", cmdns.RRSet{Weight: weight(30)}),
		single(t, "w.corp.test. 60 IN A 192.0.2.13", cmdns.RRSet{Weight: weight(0)}),
		single(t, "f.corp.test. 60 IN A 192.0.2.21", cmdns.RRSet{Failover: "SECONDARY"}),
		single(t, "f.corp.test. 60 IN A 192.0.2.22", cmdns.RRSet{Failover: "PRIMARY"}),
		single(t, "onlysecondary.corp.test. 60 IN A 192.0.2.23", cmdns.RRSet{Failover: "SECONDARY"}),
	)
}

func multivalueSets(t testing.TB, n int) []*cmdns.RRSet {
	var out []*cmdns.RRSet
	for i := range n {
		out = append(out, single(t, "m.corp.test. 60 IN A "+nthIPv4(i), cmdns.RRSet{MultiValue: true}))
	}
	return out
}

// TestHostedZones: hosted zones are served from the same table as Cloud
// Map and the load balancers' names: every record type, CNAME chasing,
// aliases to a load balancer (following its address), to sets of the zone
// (chains; a loop answers nothing), the most specific zone winning either
// way round, the first zone keeping a name two share, NXDOMAIN and NODATA
// with the zone's own SOA, and the routing policies.
func TestHostedZones(t *testing.T) {
	lbs := &fakeRecords{}
	lbs.Publish([]cmdns.Record{{Name: lbName, Addr: netip.MustParseAddr("127.0.230.1")}}, 1)
	zones := &fakeZones{}
	corp := corpZone(t)
	corp.Sets = append(corp.Sets, multivalueSets(t, 10)...)
	published := []*cmdns.Zone{
		corp,
		zoneOf(t, "sub.corp.test.", append(apexLines("sub.corp.test."), "x.sub.corp.test. 300 IN A 192.0.2.55")),
		zoneOf(t, "corp.test.", append(apexLines("corp.test."), "dup.corp.test. 300 IN A 192.0.2.99")),
		zoneOf(t, "example.local.", append(apexLines("example.local."), "r53.example.local. 300 IN A 192.0.2.77")),
		zoneOf(t, "in.example.local.", append(apexLines("in.example.local."), "x.in.example.local. 300 IN A 192.0.2.88")),
	}
	zones.Publish(published, 1)
	f := start(t, func(c *cmdns.Config) { c.Records = []cmdns.Records{lbs}; c.Zones = []cmdns.Zones{zones} })
	ns := f.namespace(t, "example.local", false, 30)
	web := f.service(t, ns, svc{name: "web", records: map[types.RecordType]int64{types.RecordTypeA: 60}})
	f.register(t, web, "w1", attrs("AWS_INSTANCE_IPV4", "10.0.0.1"))
	eventually(t, "Cloud Map's record", func() bool {
		m, err := exchange(f.addr, query{name: "web.example.local.", qtype: dns.TypeA})
		return err == nil && slices.Equal(values(m.Answer), []string{"10.0.0.1"})
	})

	for _, c := range []struct {
		name    string
		q       query
		rcode   int
		answer  []string // rdata of the answer section, sorted
		soaZone string   // the zone whose SOA the authority section must hold
	}{
		{"a", query{name: "www.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.1", "192.0.2.2"}, ""},
		{"a-tcp-case", query{name: "WWW.Corp.Test.", qtype: dns.TypeA, tcp: true}, dns.RcodeSuccess, []string{"192.0.2.1", "192.0.2.2"}, ""},
		{"cname-chased", query{name: "c.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.1", "192.0.2.2", "www.corp.test."}, ""},
		{"txt", query{name: "txt.corp.test.", qtype: dns.TypeTXT, edns: 1232}, dns.RcodeSuccess, []string{`"hello world" "second string"`}, ""},
		{"mx", query{name: "corp.test.", qtype: dns.TypeMX}, dns.RcodeSuccess, []string{"10 mail.corp.test."}, ""},
		{"srv", query{name: "_sip._tcp.corp.test.", qtype: dns.TypeSRV}, dns.RcodeSuccess, []string{"1 10 5060 sip.corp.test."}, ""},
		{"caa", query{name: "corp.test.", qtype: dns.TypeCAA}, dns.RcodeSuccess, []string{`0 issue "amazon.com"`}, ""},
		{"ptr", query{name: "1.2.0.192.corp.test.", qtype: dns.TypePTR}, dns.RcodeSuccess, []string{"www.corp.test."}, ""},
		{"aaaa", query{name: "v6.corp.test.", qtype: dns.TypeAAAA}, dns.RcodeSuccess, []string{"2001:db8::1"}, ""},
		{"ns", query{name: "corp.test.", qtype: dns.TypeNS}, dns.RcodeSuccess, []string{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.com."}, ""},
		{"soa", query{name: "corp.test.", qtype: dns.TypeSOA}, dns.RcodeSuccess, []string{"ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}, ""},
		{"apex-alias-to-lb", query{name: "corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"127.0.230.1"}, ""},
		{"dualstack-alias", query{name: "lb.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"127.0.230.1"}, ""},
		{"alias-chain", query{name: "a1.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.1", "192.0.2.2"}, ""},
		{"alias-to-cloud-map", query{name: "svc.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"10.0.0.1"}, ""},
		{"alias-loop-nodata", query{name: "l1.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, nil, "corp.test."},
		{"alias-no-target-nodata", query{name: "gone.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, nil, "corp.test."},
		{"nodata", query{name: "www.corp.test.", qtype: dns.TypeAAAA}, dns.RcodeSuccess, nil, "corp.test."},
		{"nxdomain", query{name: "nothing.corp.test.", qtype: dns.TypeA}, dns.RcodeNameError, nil, "corp.test."},
		{"ent-nodata", query{name: "_tcp.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, nil, "corp.test."},
		{"failover-primary", query{name: "f.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.22"}, ""},
		{"failover-secondary-alone", query{name: "onlysecondary.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.23"}, ""},
		{"nested-zone", query{name: "x.sub.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.55"}, ""},
		{"parent-record-below-child-hidden", query{name: "y.sub.corp.test.", qtype: dns.TypeA}, dns.RcodeNameError, nil, "sub.corp.test."},
		{"second-zone-same-name-not-served", query{name: "dup.corp.test.", qtype: dns.TypeA}, dns.RcodeNameError, nil, "corp.test."},
		{"cloud-map-keeps-its-apex", query{name: "r53.example.local.", qtype: dns.TypeA}, dns.RcodeNameError, nil, "example.local."},
		{"zone-inside-namespace", query{name: "x.in.example.local.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.88"}, ""},
		{"wildcard", query{name: "x.wild.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.77"}, ""},
		{"wildcard-deeper", query{name: "a.b.wild.corp.test.", qtype: dns.TypeA, tcp: true}, dns.RcodeSuccess, []string{"192.0.2.77"}, ""},
		{"wildcard-nodata", query{name: "x.wild.corp.test.", qtype: dns.TypeTXT}, dns.RcodeSuccess, nil, "corp.test."},
		{"wildcard-existing-name-wins", query{name: "real.wild.corp.test.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"192.0.2.78"}, ""},
		{"wildcard-not-below-existing", query{name: "x.real.wild.corp.test.", qtype: dns.TypeA}, dns.RcodeNameError, nil, "corp.test."},
		{"namespace-still-served", query{name: "web.example.local.", qtype: dns.TypeA}, dns.RcodeSuccess, []string{"10.0.0.1"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := ask(t, f.addr, c.q)
			if m.Rcode != c.rcode || !m.Authoritative {
				t.Fatalf("rcode %s AA %v, want %s AA\n%v", dns.RcodeToString[m.Rcode], m.Authoritative, dns.RcodeToString[c.rcode], m)
			}
			if got := rdata(m.Answer); !slices.Equal(got, sorted(c.answer)) {
				t.Errorf("answer %q, want %q", got, c.answer)
			}
			for _, rr := range m.Answer {
				if rr.Header().Rrtype != dns.TypeCNAME && !strings.EqualFold(rr.Header().Name, c.q.name) && c.name != "cname-chased" {
					t.Errorf("answer owned by %s, want the name asked", rr.Header().Name)
				}
			}
			if c.soaZone != "" {
				if len(m.Ns) != 1 || m.Ns[0].Header().Rrtype != dns.TypeSOA || !strings.EqualFold(m.Ns[0].Header().Name, c.soaZone) {
					t.Errorf("authority %v, want the SOA of %s", m.Ns, c.soaZone)
				}
			}
		})
	}

	t.Run("routing", func(t *testing.T) { checkRouting(t, f, corp) })

	// The load balancer moves: the alias follows, with no change to the zone.
	lbs.Publish([]cmdns.Record{{Name: lbName, Addr: netip.MustParseAddr("127.0.230.2")}}, 2)
	eventually(t, "the alias following the load balancer", func() bool {
		m, err := exchange(f.addr, query{name: "corp.test.", qtype: dns.TypeA})
		return err == nil && slices.Equal(values(m.Answer), []string{"127.0.230.2"})
	})
	// The zones change: the nested zone goes, so its parent's record appears.
	zones.Publish([]*cmdns.Zone{corp}, 2)
	eventually(t, "the parent zone answering below the removed child", func() bool {
		m, err := exchange(f.addr, query{name: "y.sub.corp.test.", qtype: dns.TypeA})
		return err == nil && slices.Equal(values(m.Answer), []string{"192.0.2.66"})
	})
	if got := f.dns.ZonesRevision(zones); got != 2 {
		t.Errorf("ZonesRevision %d, want 2", got)
	}
	if got := f.dns.ZonesRevision(&fakeZones{}); got != -1 {
		t.Errorf("ZonesRevision of a source not followed: %d", got)
	}
}

// checkRouting: weighted sets become candidates in proportion to their
// weights (weight 0 never answers), multivalue sets answer 8 of their
// values.
func checkRouting(t *testing.T, f *fixture, corp *cmdns.Zone) {
	tab := cmdns.BuildTableWithZones(f.reg.View().Snapshot(), nil, []*cmdns.Zone{corp})
	// Weights 10:30 (and a 0 never picked): one value of 1+3 candidates.
	if n, limit := tab.Candidates("w.corp.test.", dns.TypeA); n != 4 || limit != 1 {
		t.Errorf("weighted: %d candidates, limit %d; want 4, 1", n, limit)
	}
	if n, limit := tab.Candidates("m.corp.test.", dns.TypeA); n != 10 || limit != 8 {
		t.Errorf("multivalue: %d candidates, limit %d; want 10, 8", n, limit)
	}
	m := ask(t, f.addr, query{name: "m.corp.test.", qtype: dns.TypeA})
	if len(m.Answer) != 8 {
		t.Errorf("multivalue answered %d values, want 8", len(m.Answer))
	}
	seen := map[string]bool{}
	for range 200 {
		m := ask(t, f.addr, query{name: "w.corp.test.", qtype: dns.TypeA})
		if len(m.Answer) != 1 {
			t.Fatalf("weighted answer: %v", m.Answer)
		}
		seen[values(m.Answer)[0]] = true
	}
	if seen["192.0.2.13"] || !seen["192.0.2.12"] {
		t.Errorf("weighted picks: %v (weight 0 must never answer)", seen)
	}
}

// rdata renders the answer's values as presentation rdata, sorted.
func rdata(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		s := rr.String()
		hdr := rr.Header().String()
		out = append(out, strings.TrimPrefix(s, hdr))
	}
	slices.Sort(out)
	return out
}
