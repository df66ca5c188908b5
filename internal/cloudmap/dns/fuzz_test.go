package dns_test

import (
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
)

// fuzzTable is the zones of recordsFixture plus services that exercise
// picking, health and truncation, and hosted zones (more may be given).
func fuzzTable(tb testing.TB, extra ...*cmdns.Zone) *cmdns.Table {
	f := recordsFixture(tb)
	ns := f.namespace(tb, "fuzz.test", false, 20)
	big := f.service(tb, ns, svc{name: "big", records: map[types.RecordType]int64{types.RecordTypeSrv: 10}})
	mixed := f.service(tb, ns, svc{name: "mixed", custom: true, records: map[types.RecordType]int64{types.RecordTypeA: 10, types.RecordTypeAaaa: 10}})
	one := f.service(tb, ns, svc{name: "one", policy: types.RoutingPolicyWeighted, records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	apex := f.service(tb, ns, svc{name: ".", records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	for i := range 20 {
		f.register(tb, big, fmt.Sprintf("%032x", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i), "AWS_INSTANCE_IPV6", fmt.Sprintf("fd00::%x", i+1), "AWS_INSTANCE_PORT", "443"))
		f.register(tb, mixed, fmt.Sprintf("m%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i), "AWS_INSTANCE_IPV6", fmt.Sprintf("fd00::%x", i+1)))
		f.register(tb, one, fmt.Sprintf("o%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i)))
	}
	f.register(tb, apex, "root", attrs("AWS_INSTANCE_IPV4", "10.10.10.10"))
	for i := range 15 {
		f.setHealth(tb, mixed, fmt.Sprintf("m%d", i), types.CustomHealthStatusUnhealthy)
	}
	corp := corpZone(tb)
	corp.Sets = append(corp.Sets, multivalueSets(tb, 10)...)
	return cmdns.BuildTableWithZones(f.reg.View().Snapshot(), []cmdns.Record{
		{Name: "web-0123456789abcdef.elb.us-east-1.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.1")},
		{Name: "Dual-1.us-east-1.elb.amazonaws.com", Addr: netip.MustParseAddr("127.0.130.2")},
		{Name: "dual-1.us-east-1.elb.amazonaws.com", Addr: netip.MustParseAddr("fd00::130:2")},
	}, append([]*cmdns.Zone{corp, zoneOf(tb, "sub.corp.test.", append(apexLines("sub.corp.test."), "x.sub.corp.test. 300 IN A 192.0.2.55"))}, extra...))
}

var fuzzQuestions = []struct {
	name  string
	qtype uint16
}{
	{"web.example.local.", dns.TypeA}, {"WEB.example.LOCAL.", dns.TypeAAAA}, {"api.example.local.", dns.TypeSRV},
	{"i2.api.example.local.", dns.TypeAAAA}, {"alias.example.local.", dns.TypeA}, {"alias.example.local.", dns.TypeCNAME},
	{"ext.example.local.", dns.TypeA}, {"example.local.", dns.TypeSOA}, {"example.local.", dns.TypeNS},
	{"example.local.", dns.TypeANY}, {"nothing.example.local.", dns.TypeA}, {"_tcp.example.local.", dns.TypeTXT},
	{"big.fuzz.test.", dns.TypeSRV}, {"mixed.fuzz.test.", dns.TypeA}, {"one.fuzz.test.", dns.TypeA},
	{"fuzz.test.", dns.TypeA}, {"outside.test.", dns.TypeA}, {"example.local.", dns.TypeAXFR},
	{"WEB-0123456789abcdef.elb.us-east-1.amazonaws.com.", dns.TypeA}, {"web-0123456789abcdef.elb.us-east-1.amazonaws.com.", dns.TypeAAAA},
	{"x.web-0123456789abcdef.elb.us-east-1.amazonaws.com.", dns.TypeA}, {"elb.us-east-1.amazonaws.com.", dns.TypeA},
	{"dual-1.us-east-1.elb.amazonaws.com.", dns.TypeANY}, {"dual-1.us-east-1.elb.amazonaws.com.", dns.TypeAAAA},
	{"www.corp.test.", dns.TypeA}, {"c.corp.test.", dns.TypeA}, {"txt.corp.test.", dns.TypeTXT}, {"corp.test.", dns.TypeMX},
	{"corp.test.", dns.TypeA}, {"corp.test.", dns.TypeCAA}, {"_sip._tcp.corp.test.", dns.TypeSRV}, {"w.corp.test.", dns.TypeA},
	{"m.corp.test.", dns.TypeA}, {"l1.corp.test.", dns.TypeA}, {"x.sub.corp.test.", dns.TypeA}, {"y.sub.corp.test.", dns.TypeA},
	{"corp.test.", dns.TypeANY}, {"x.wild.corp.test.", dns.TypeA}, {"a.b.wild.corp.test.", dns.TypeTXT},
}

// digQueries captures the packets the real dig sends, as seeds from real
// traffic.
func digQueries(tb testing.TB) [][]byte {
	path, err := exec.LookPath("dig")
	if err != nil {
		return nil
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer pc.Close()
	_, port, _ := net.SplitHostPort(pc.LocalAddr().String())
	var out [][]byte
	for _, args := range [][]string{{"web.example.local"}, {"+noedns", "api.example.local", "SRV"}, {"+dnssec", "+nsid", "WeB.example.local", "AAAA"}, {"+subnet=10.0.0.0/24", "outside.test"}} {
		cmd := exec.Command(path, append([]string{"@127.0.0.1", "-p", port, "+tries=1", "+time=1"}, args...)...)
		cmd.Start()
		buf := make([]byte, 4096)
		pc.SetReadDeadline(time.Now().Add(3 * time.Second))
		if n, _, err := pc.ReadFrom(buf); err == nil {
			out = append(out, buf[:n])
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	return out
}

// FuzzDNSQuery feeds arbitrary packets to both query paths. Neither may
// panic; every reply must parse; when the fast path answers, it must say
// what the full (miekg/dns) path says with the same random picks — up to
// name case and compression — and may only drop a suffix of the records,
// with TC set, to fit the client's size.
func FuzzDNSQuery(f *testing.F) {
	tbl := fuzzTable(f)
	for _, q := range fuzzQuestions {
		for _, edns := range []uint16{0, 512, 1232, 4096} {
			m := new(dns.Msg)
			m.SetQuestion(q.name, q.qtype)
			if edns > 0 {
				m.SetEdns0(edns, edns == 4096)
			}
			b, _ := m.Pack()
			f.Add(b, true, false, uint64(edns))
			f.Add(b, false, edns == 512, uint64(q.qtype))
		}
	}
	for _, b := range digQueries(f) {
		f.Add(b, true, false, uint64(len(b)))
	}
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1}, true, false, uint64(0)) // a question that points at itself
	f.Add([]byte{0, 1, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true, false, uint64(0))                    // UPDATE, no question

	f.Fuzz(func(t *testing.T, pkt []byte, allowed, tcp bool, seed uint64) {
		fast, ok := tbl.Answerer(seed).Fast(pkt, allowed, tcp)
		full, up, partial := tbl.Answerer(seed).Full(pkt, allowed, tcp)
		if full != nil {
			if _, err := full.Pack(); err != nil {
				t.Fatalf("full path reply does not pack: %v\n%v", err, full)
			}
		}
		if up != nil && (len(up.Question) != 1 || full != nil) {
			t.Fatalf("bad forward %v (reply %v, partial %v)", up, full, partial)
		}
		if !ok {
			return
		}
		if full == nil || up != nil {
			t.Fatalf("fast path answered a packet the full path would not (reply %v, forward %v)", full, up)
		}
		var got dns.Msg
		if err := got.Unpack(fast); err != nil {
			t.Fatalf("fast reply does not parse: %v\n% x", err, fast)
		}
		var req dns.Msg
		if err := req.Unpack(pkt); err != nil {
			t.Fatalf("fast path accepted a query miekg/dns rejects: %v", err)
		}
		opt := req.IsEdns0()
		size := uint16(0)
		if opt != nil {
			size = opt.UDPSize()
		}
		if limit := cmdns.ReplyLimit(tcp, opt != nil, size); len(fast) > limit {
			t.Fatalf("reply of %d bytes, limit %d", len(fast), limit)
		}
		// The reference: the full path over TCP, never truncated, with the
		// same picks.
		ref, _, _ := tbl.Answerer(seed).Full(pkt, allowed, true)
		if got.Id != ref.Id || !got.Response || got.Opcode != ref.Opcode || got.Authoritative != ref.Authoritative ||
			got.RecursionDesired != ref.RecursionDesired || got.RecursionAvailable != ref.RecursionAvailable ||
			got.CheckingDisabled != ref.CheckingDisabled || got.AuthenticatedData || got.Zero || got.Rcode != ref.Rcode {
			t.Fatalf("header\nfast %v\nfull %v", got.MsgHdr, ref.MsgHdr)
		}
		if !slices.Equal(got.Question, ref.Question) {
			t.Fatalf("question %v, want %v", got.Question, ref.Question)
		}
		gotOpt, refOpt := got.IsEdns0(), ref.IsEdns0()
		if (gotOpt == nil) != (refOpt == nil) || gotOpt != nil && (gotOpt.UDPSize() != refOpt.UDPSize() || gotOpt.Do() != refOpt.Do() || gotOpt.Version() != 0 || len(gotOpt.Option) != 0) {
			t.Fatalf("OPT %v, want %v", gotOpt, refOpt)
		}
		g, r := sections(&got), sections(ref)
		dropped := false
		for i := range g {
			if !slices.Equal(g[i], r[i][:min(len(g[i]), len(r[i]))]) || len(g[i]) > len(r[i]) {
				t.Fatalf("section %d\nfast %q\nfull %q", i, g[i], r[i])
			}
			if dropped && len(g[i]) > 0 {
				t.Fatalf("records kept after a dropped one: %v", &got)
			}
			dropped = dropped || len(g[i]) < len(r[i])
		}
		if got.Truncated != dropped {
			t.Fatalf("TC=%v but records dropped=%v", got.Truncated, dropped)
		}
	})
}

// sections renders answer, authority and additional (without OPT) for
// comparison: names lower-cased, since the fast path writes names in the
// case of the question.
func sections(m *dns.Msg) [3][]string {
	var out [3][]string
	for i, rrs := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range rrs {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			out[i] = append(out[i], strings.ToLower(strings.ReplaceAll(rr.String(), "\t", " ")))
		}
	}
	return out
}
