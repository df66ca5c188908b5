package dns_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
)

// recordsFixture is one private namespace with a service of every kind.
func recordsFixture(t testing.TB, configure ...func(*cmdns.Config)) *fixture {
	f := start(t, configure...)
	ns := f.namespace(t, "example.local", false, 30)

	web := f.service(t, ns, svc{name: "web", records: map[types.RecordType]int64{types.RecordTypeA: 60, types.RecordTypeAaaa: 60}})
	for i, ip := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		f.register(t, web, "w"+string(rune('1'+i)), attrs("AWS_INSTANCE_IPV4", ip, "AWS_INSTANCE_IPV6", "fd00::"+string(rune('1'+i))))
	}
	api := f.service(t, ns, svc{name: "api", records: map[types.RecordType]int64{types.RecordTypeSrv: 10}})
	f.register(t, api, "i1", attrs("AWS_INSTANCE_IPV4", "10.1.0.1", "AWS_INSTANCE_PORT", "8080"))
	f.register(t, api, "i2", attrs("AWS_INSTANCE_IPV4", "10.1.0.2", "AWS_INSTANCE_IPV6", "fd00::12", "AWS_INSTANCE_PORT", "9090"))
	alias := f.service(t, ns, svc{name: "alias", policy: types.RoutingPolicyWeighted, records: map[types.RecordType]int64{types.RecordTypeCname: 300}})
	f.register(t, alias, "c1", attrs("AWS_INSTANCE_CNAME", "web.example.local"))
	ext := f.service(t, ns, svc{name: "ext", policy: types.RoutingPolicyWeighted, records: map[types.RecordType]int64{types.RecordTypeCname: 300}})
	f.register(t, ext, "e1", attrs("AWS_INSTANCE_CNAME", "www.outside.test"))
	admin := f.service(t, ns, svc{name: "admin", http: true})
	f.register(t, admin, "a1", attrs("AWS_INSTANCE_IPV4", "10.9.0.1"))
	grpc := f.service(t, ns, svc{name: "_grpc._tcp", records: map[types.RecordType]int64{types.RecordTypeSrv: 5}})
	f.register(t, grpc, "g1", attrs("AWS_INSTANCE_IPV4", "10.2.0.1", "AWS_INSTANCE_PORT", "50051"))
	f.service(t, ns, svc{name: "empty", records: map[types.RecordType]int64{types.RecordTypeA: 60}})

	eventually(t, "zone data", func() bool {
		m, err := exchange(f.addr, query{name: "g1._grpc._tcp.example.local.", qtype: dns.TypeA})
		return err == nil && len(m.Answer) == 1
	})
	return f
}

// answerCase is one question and the reply it must get.
type answerCase struct {
	name   string
	qtype  uint16
	rcode  int
	answer []string // zone-file lines
	// auth lists the authority section's records as "owner type ttl".
	auth  []string
	extra []string
}

var recordCases = []answerCase{
	{name: "web.example.local.", qtype: dns.TypeA, answer: []string{
		"web.example.local. 60 IN A 10.0.0.1", "web.example.local. 60 IN A 10.0.0.2", "web.example.local. 60 IN A 10.0.0.3"}},
	{name: "web.example.local.", qtype: dns.TypeAAAA, answer: []string{
		"web.example.local. 60 IN AAAA fd00::1", "web.example.local. 60 IN AAAA fd00::2", "web.example.local. 60 IN AAAA fd00::3"}},
	{name: "web.example.local.", qtype: dns.TypeSRV, auth: []string{"example.local. SOA 30"}},
	{name: "api.example.local.", qtype: dns.TypeSRV,
		answer: []string{"api.example.local. 10 IN SRV 1 1 8080 i1.api.example.local.", "api.example.local. 10 IN SRV 1 1 9090 i2.api.example.local."},
		extra:  []string{"i1.api.example.local. 10 IN A 10.1.0.1", "i2.api.example.local. 10 IN A 10.1.0.2", "i2.api.example.local. 10 IN AAAA fd00::12"}},
	{name: "api.example.local.", qtype: dns.TypeA, auth: []string{"example.local. SOA 30"}},
	{name: "i2.api.example.local.", qtype: dns.TypeA, answer: []string{"i2.api.example.local. 10 IN A 10.1.0.2"}},
	{name: "i2.api.example.local.", qtype: dns.TypeAAAA, answer: []string{"i2.api.example.local. 10 IN AAAA fd00::12"}},
	{name: "i1.api.example.local.", qtype: dns.TypeAAAA, auth: []string{"example.local. SOA 30"}},
	{name: "alias.example.local.", qtype: dns.TypeCNAME, answer: []string{"alias.example.local. 300 IN CNAME web.example.local."}},
	// A CNAME into our zones is followed, as a resolver would.
	{name: "alias.example.local.", qtype: dns.TypeA, answer: []string{"alias.example.local. 300 IN CNAME web.example.local.",
		"web.example.local. 60 IN A 10.0.0.1", "web.example.local. 60 IN A 10.0.0.2", "web.example.local. 60 IN A 10.0.0.3"}},
	// Out of our zones, without recursion desired: the CNAME alone.
	{name: "ext.example.local.", qtype: dns.TypeA, answer: []string{"ext.example.local. 300 IN CNAME www.outside.test."}},
	{name: "admin.example.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, auth: []string{"example.local. SOA 30"}},
	{name: "_grpc._tcp.example.local.", qtype: dns.TypeSRV,
		answer: []string{"_grpc._tcp.example.local. 5 IN SRV 1 1 50051 g1._grpc._tcp.example.local."},
		extra:  []string{"g1._grpc._tcp.example.local. 5 IN A 10.2.0.1"}},
	// An empty non-terminal exists: NODATA, not NXDOMAIN.
	{name: "_tcp.example.local.", qtype: dns.TypeA, auth: []string{"example.local. SOA 30"}},
	{name: "empty.example.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, auth: []string{"example.local. SOA 30"}},
	{name: "example.local.", qtype: dns.TypeNS, answer: []string{"example.local. 172800 IN NS ns1.portolan.internal."}},
	{name: "example.local.", qtype: dns.TypeA, auth: []string{"example.local. SOA 30"}},
	{name: "nothing.example.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, auth: []string{"example.local. SOA 30"}},
	{name: "deep.web.example.local.", qtype: dns.TypeAAAA, rcode: dns.RcodeNameError, auth: []string{"example.local. SOA 30"}},
	{name: "WeB.ExAmPlE.LoCaL.", qtype: dns.TypeA, answer: []string{
		"web.example.local. 60 IN A 10.0.0.1", "web.example.local. 60 IN A 10.0.0.2", "web.example.local. 60 IN A 10.0.0.3"}},
	{name: "I1.Api.EXAMPLE.local.", qtype: dns.TypeSRV, rcode: dns.RcodeSuccess, auth: []string{"example.local. SOA 30"}},
}

func parseRRs(t *testing.T, lines []string) []string {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		rrs = append(rrs, rr)
	}
	return rrStrings(rrs)
}

func authStrings(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		h := rr.Header()
		out = append(out, strings.ToLower(h.Name)+" "+dns.TypeToString[h.Rrtype]+" "+strconv.Itoa(int(h.Ttl)))
	}
	slices.Sort(out)
	return out
}

func checkAnswer(t *testing.T, c answerCase, rcode int, aa bool, answer, auth, extra []dns.RR) {
	t.Helper()
	if rcode != c.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[rcode], dns.RcodeToString[c.rcode])
	}
	if !aa {
		t.Errorf("AA not set on an answer for our zone")
	}
	if got, want := rrStrings(answer), parseRRs(t, c.answer); !slices.Equal(got, want) {
		t.Errorf("answer\n got %q\nwant %q", got, want)
	}
	wantAuth := slices.Sorted(slices.Values(c.auth))
	if got := authStrings(auth); !slices.Equal(got, wantAuth) {
		t.Errorf("authority\n got %q\nwant %q", got, wantAuth)
	}
	if got, want := rrStrings(extra), parseRRs(t, c.extra); !slices.Equal(got, want) {
		t.Errorf("additional\n got %q\nwant %q", got, want)
	}
}

// TestRecords asks every record type and every negative case over UDP
// (with and without EDNS), TCP, and with the real dig.
func TestRecords(t *testing.T) {
	f := recordsFixture(t)
	for _, c := range recordCases {
		t.Run(c.name+"/"+dns.TypeToString[c.qtype], func(t *testing.T) {
			for _, tr := range []struct {
				name string
				q    query
			}{
				{"udp", query{}},
				{"udp-edns", query{edns: 1232, do: true}},
				{"tcp", query{tcp: true}},
			} {
				q := tr.q
				q.name, q.qtype = c.name, c.qtype
				m := ask(t, f.addr, q)
				t.Run(tr.name, func(t *testing.T) {
					checkAnswer(t, c, m.Rcode, m.Authoritative, m.Answer, m.Ns, m.Extra)
					if !m.RecursionAvailable {
						t.Error("RA not set for a loopback client")
					}
					if q.edns > 0 {
						opt := m.IsEdns0()
						if opt == nil || opt.UDPSize() != cmdns.EDNSSize || opt.Do() != q.do {
							t.Errorf("OPT %v, want size %d and DO copied", opt, cmdns.EDNSSize)
						}
					} else if m.IsEdns0() != nil {
						t.Error("OPT in the reply to a query without EDNS")
					}
					if m.Question[0].Name != c.name {
						t.Errorf("question %q, want the client's %q", m.Question[0].Name, c.name)
					}
				})
			}
			t.Run("dig", func(t *testing.T) {
				r := dig(t, f.addr, "+norecurse", c.name, dns.TypeToString[c.qtype])
				checkAnswer(t, c, dns.StringToRcode[r.status], r.hasFlag("aa"), r.answer, r.auth, r.extra)
				if !r.opt || r.udpSize != cmdns.EDNSSize {
					t.Errorf("dig saw no OPT with udp %d:\n%s", cmdns.EDNSSize, r.raw)
				}
			})
		})
	}
}

// TestOwnerCase: names compare case-insensitively, and the answer carries
// the name as the client wrote it (resolvers that randomise case, "DNS
// 0x20", check that).
func TestOwnerCase(t *testing.T) {
	f := recordsFixture(t)
	for _, name := range []string{"WEB.EXAMPLE.LOCAL.", "wEb.eXaMpLe.lOcAl."} {
		m := ask(t, f.addr, query{name: name, qtype: dns.TypeA})
		if len(m.Answer) != 3 {
			t.Fatalf("%s: %d answers", name, len(m.Answer))
		}
		for _, rr := range m.Answer {
			if rr.Header().Name != name {
				t.Errorf("owner %q, want %q", rr.Header().Name, name)
			}
		}
		m = ask(t, f.addr, query{name: "X." + name, qtype: dns.TypeA})
		if m.Rcode != dns.RcodeNameError || len(m.Ns) != 1 || !strings.EqualFold(m.Ns[0].Header().Name, "example.local.") {
			t.Errorf("NXDOMAIN below %s: %v", name, m)
		}
	}
}

// TestSOA: the apex SOA, its TTL from the namespace, and an update of it.
func TestSOA(t *testing.T) {
	f := start(t)
	f.namespace(t, "soa.local", false, 45)
	var soa *dns.SOA
	eventually(t, "SOA", func() bool {
		m, err := exchange(f.addr, query{name: "soa.local.", qtype: dns.TypeSOA})
		if err != nil || len(m.Answer) != 1 {
			return false
		}
		soa = m.Answer[0].(*dns.SOA)
		return true
	})
	if soa.Hdr.Ttl != 45 || soa.Ns != cmdns.NSHost || soa.Mbox != "hostmaster.soa.local." ||
		soa.Refresh != 7200 || soa.Retry != 900 || soa.Expire != 1209600 || soa.Minttl != 86400 {
		t.Errorf("SOA %v", soa)
	}
	r := dig(t, f.addr, "soa.local", "SOA")
	if len(r.answer) != 1 || r.answer[0].Header().Ttl != 45 || !r.hasFlag("aa") {
		t.Errorf("dig SOA:\n%s", r.raw)
	}
}

// TestZoneEdges: nested namespaces (the child's zone owns its names), a
// service named "." (records at the apex), and an instance id too long
// for a DNS label (no SRV value for it, the others still served).
func TestZoneEdges(t *testing.T) {
	f := start(t)
	parent := f.namespace(t, "corp.local", false, 30)
	child := f.namespace(t, "team.corp.local", false, 40)
	id := f.service(t, child, svc{name: "api", records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	f.register(t, id, "a1", attrs("AWS_INSTANCE_IPV4", "10.1.1.1"))
	id = f.service(t, parent, svc{name: "team", records: map[types.RecordType]int64{types.RecordTypeA: 10}}) // shadowed by the child zone
	f.register(t, id, "t1", attrs("AWS_INSTANCE_IPV4", "10.2.2.2"))
	id = f.service(t, parent, svc{name: "www", records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	f.register(t, id, "w1", attrs("AWS_INSTANCE_IPV4", "10.3.3.3"))
	id = f.service(t, child, svc{name: ".", records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	f.register(t, id, "root", attrs("AWS_INSTANCE_IPV4", "10.4.4.4"))
	id = f.service(t, parent, svc{name: "_svc._tcp", records: map[types.RecordType]int64{types.RecordTypeSrv: 10}})
	f.register(t, id, strings.Repeat("x", 64), attrs("AWS_INSTANCE_IPV4", "10.5.5.5", "AWS_INSTANCE_PORT", "1"))
	f.register(t, id, "short", attrs("AWS_INSTANCE_IPV4", "10.5.5.6", "AWS_INSTANCE_PORT", "2"))
	eventually(t, "zone data", func() bool {
		m, err := exchange(f.addr, query{name: "_svc._tcp.corp.local.", qtype: dns.TypeSRV})
		return err == nil && len(m.Answer) == 1
	})
	for _, c := range []answerCase{
		{name: "api.team.corp.local.", qtype: dns.TypeA, answer: []string{"api.team.corp.local. 10 IN A 10.1.1.1"}},
		{name: "team.corp.local.", qtype: dns.TypeA, answer: []string{"team.corp.local. 10 IN A 10.4.4.4"}},
		{name: "team.corp.local.", qtype: dns.TypeSOA, answer: []string{"team.corp.local. 40 IN SOA ns1.portolan.internal. hostmaster.team.corp.local. 0 7200 900 1209600 86400"}},
		{name: "nope.team.corp.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, auth: []string{"team.corp.local. SOA 40"}},
		{name: "www.corp.local.", qtype: dns.TypeA, answer: []string{"www.corp.local. 10 IN A 10.3.3.3"}},
		{name: "nope.corp.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, auth: []string{"corp.local. SOA 30"}},
		{name: "_svc._tcp.corp.local.", qtype: dns.TypeSRV, answer: []string{"_svc._tcp.corp.local. 10 IN SRV 1 1 2 short._svc._tcp.corp.local."},
			extra: []string{"short._svc._tcp.corp.local. 10 IN A 10.5.5.6"}},
	} {
		t.Run(c.name+"/"+dns.TypeToString[c.qtype], func(t *testing.T) {
			m := ask(t, f.addr, query{name: c.name, qtype: c.qtype})
			for _, rr := range m.Answer {
				if soa, ok := rr.(*dns.SOA); ok {
					soa.Serial = 0 // the snapshot revision
				}
			}
			checkAnswer(t, c, m.Rcode, m.Authoritative, m.Answer, m.Ns, m.Extra)
		})
	}
}
