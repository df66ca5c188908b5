package dns_test

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
)

// TestTruncation: 50 instances with ECS-style 32-character task ids make
// an SRV answer (8 values, each with its A and AAAA) larger than 512
// bytes. Over UDP it is truncated (TC) within the client's size; the
// client retries over TCP and gets all of it.
func TestTruncation(t *testing.T) {
	f := start(t)
	ns := f.namespace(t, "big.local", false, 15)
	id := f.service(t, ns, svc{name: "backend", records: map[types.RecordType]int64{types.RecordTypeSrv: 10}})
	for i := range 50 {
		f.register(t, id, fmt.Sprintf("%032x", 0xabcdef0000+i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i), "AWS_INSTANCE_IPV6", fmt.Sprintf("fd00::%x", i+1), "AWS_INSTANCE_PORT", "8080"))
	}
	const name = "backend.big.local."
	eventually(t, "zone data", func() bool {
		m, err := exchange(f.addr, query{name: name, qtype: dns.TypeSRV, tcp: true})
		return err == nil && len(m.Answer) == 8
	})

	for _, c := range []struct {
		name      string
		q         query
		truncated bool
		limit     int
	}{
		{"udp", query{}, true, 512},
		{"udp-edns-512", query{edns: 512}, true, 512},
		{"udp-edns-1232", query{edns: 1232}, false, 1232},
		{"udp-edns-4096", query{edns: 4096}, false, 4096},
		{"tcp", query{tcp: true}, false, 65535},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.name, q.qtype = name, dns.TypeSRV
			m, size := rawExchange(t, f.addr, q)
			if m.Truncated != c.truncated {
				t.Fatalf("TC=%v, want %v", m.Truncated, c.truncated)
			}
			if size > c.limit {
				t.Errorf("reply of %d bytes over a limit of %d", size, c.limit)
			}
			if c.truncated {
				return
			}
			extra := 0
			for _, rr := range m.Extra {
				if rr.Header().Rrtype != dns.TypeOPT {
					extra++
				}
			}
			if len(m.Answer) != 8 || extra != 16 {
				t.Errorf("%d answers and %d additional, want 8 and 16", len(m.Answer), extra)
			}
		})
	}
	for _, args := range [][]string{{"+noedns"}, {"+bufsize=512"}} {
		t.Run("dig"+args[0], func(t *testing.T) {
			r := dig(t, f.addr, append(args, name, "SRV")...)
			if !r.truncatedThenTCP {
				t.Errorf("dig did not retry over TCP:\n%s", r.raw)
			}
			if len(r.answer) != 8 || len(r.extra) != 16 || r.hasFlag("tc") {
				t.Errorf("dig over TCP: %d answers, %d additional:\n%s", len(r.answer), len(r.extra), r.raw)
			}
		})
	}
}

// rawExchange asks q and returns the reply and its size on the wire.
func rawExchange(t *testing.T, addr string, q query) (*dns.Msg, int) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	if q.edns > 0 {
		m.SetEdns0(q.edns, q.do)
	}
	if q.tcp {
		r := ask(t, addr, q)
		r.Compress = true
		return r, r.Len()
	}
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b, _ := m.Pack()
	conn.Write(b)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 65536)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var r dns.Msg
	if err := r.Unpack(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return &r, n
}

// TestEDNS: the reply carries an OPT when the query did (our size, DO
// copied); an unknown EDNS version gets BADVERS; options we do not
// implement are ignored.
func TestEDNS(t *testing.T) {
	f := recordsFixture(t)
	for _, c := range []struct {
		name  string
		build func(m *dns.Msg)
		rcode int
		do    bool
	}{
		{"plain", func(m *dns.Msg) { m.SetEdns0(4096, false) }, dns.RcodeSuccess, false},
		{"do", func(m *dns.Msg) { m.SetEdns0(4096, true) }, dns.RcodeSuccess, true},
		{"cookie", func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
		}, dns.RcodeSuccess, false},
		{"nsid-and-subnet", func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID},
				&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.ParseIP("192.0.2.0").To4()})
		}, dns.RcodeSuccess, false},
		{"version-1", func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }, dns.RcodeBadVers, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := new(dns.Msg)
			m.SetQuestion("web.example.local.", dns.TypeA)
			c.build(m)
			r, _, err := (&dns.Client{Timeout: 3 * time.Second}).Exchange(m, f.addr)
			if err != nil {
				t.Fatal(err)
			}
			if r.Rcode != c.rcode {
				t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[c.rcode])
			}
			opt := r.IsEdns0()
			if opt == nil || opt.UDPSize() != cmdns.EDNSSize || opt.Do() != c.do || len(opt.Option) != 0 {
				t.Fatalf("OPT %v", opt)
			}
			if c.rcode == dns.RcodeSuccess && len(r.Answer) != 3 {
				t.Errorf("answer %v", r.Answer)
			}
		})
	}
}

// testUpstream is a resolver on loopback that Portolan forwards to.
func testUpstream(t *testing.T) string {
	t.Helper()
	pc, ln, err := cmdns.ListenPair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.RecursionAvailable = true
		q := r.Question[0]
		switch strings.ToLower(q.Name) {
		case "outside.test.":
			m.Answer = append(m.Answer, &dns.A{Hdr: rrHeader(q.Name, dns.TypeA, 300), A: net.ParseIP("192.0.2.1").To4()})
		case "www.outside.test.":
			m.Answer = append(m.Answer, &dns.A{Hdr: rrHeader(q.Name, dns.TypeA, 300), A: net.ParseIP("192.0.2.2").To4()})
		case "big.outside.test.":
			for i := range 40 {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: rrHeader(q.Name, dns.TypeTXT, 300), Txt: []string{strings.Repeat(fmt.Sprint(i%10), 200)}})
			}
		default:
			m.Rcode = dns.RcodeNameError
		}
		if opt := r.IsEdns0(); opt != nil {
			m.SetEdns0(opt.UDPSize(), false)
		}
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			size := 512
			if opt := r.IsEdns0(); opt != nil {
				size = int(opt.UDPSize())
			}
			m.Truncate(size)
		}
		w.WriteMsg(m)
	})
	su, st := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: ln, Handler: h}
	go su.ActivateAndServe()
	go st.ActivateAndServe()
	t.Cleanup(func() { su.Shutdown(); st.Shutdown() })
	return pc.LocalAddr().String()
}

// TestForwarding: names outside our zones go to the upstream for clients
// on loopback and on RecursionCIDRs; anyone else gets REFUSED, but still
// gets authoritative answers for our zones.
func TestForwarding(t *testing.T) {
	up := testUpstream(t)
	f := recordsFixture(t, func(c *cmdns.Config) { c.Upstreams = []string{up} })
	foreign := f.serveDNS(t, func(c *cmdns.Config) { c.Upstreams = []string{up}; c.NoLoopbackRecursion = true }).Addrs()[0]
	listed := f.serveDNS(t, func(c *cmdns.Config) {
		c.Upstreams = []string{up}
		c.NoLoopbackRecursion = true
		c.RecursionCIDRs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8")}
	}).Addrs()[0]
	closed := f.serveDNS(t, func(c *cmdns.Config) { c.Upstreams = []string{closedUDPPort(t)} }).Addrs()[0]

	for _, c := range []struct {
		name   string
		server string
		q      query
		rcode  int
		ra, aa bool
		answer []string
		tc     bool
	}{
		{"forwarded", f.addr, query{name: "outside.test.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, true, false, []string{"192.0.2.1"}, false},
		{"forwarded-tcp", f.addr, query{name: "outside.test.", qtype: dns.TypeA, rd: true, tcp: true, edns: 1232}, dns.RcodeSuccess, true, false, []string{"192.0.2.1"}, false},
		{"forwarded-nxdomain", f.addr, query{name: "nope.test.", qtype: dns.TypeA, rd: true}, dns.RcodeNameError, true, false, nil, false},
		{"cname-chased-upstream", f.addr, query{name: "ext.example.local.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, true, true, []string{"www.outside.test.", "192.0.2.2"}, false},
		{"big-over-udp-truncated", f.addr, query{name: "big.outside.test.", qtype: dns.TypeTXT, rd: true}, dns.RcodeSuccess, true, false, nil, true},
		{"listed-cidr", listed, query{name: "outside.test.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, true, false, []string{"192.0.2.1"}, false},
		{"foreign-refused", foreign, query{name: "outside.test.", qtype: dns.TypeA, rd: true}, dns.RcodeRefused, false, false, nil, false},
		{"foreign-refused-tcp", foreign, query{name: "outside.test.", qtype: dns.TypeA, rd: true, tcp: true}, dns.RcodeRefused, false, false, nil, false},
		{"foreign-authoritative", foreign, query{name: "web.example.local.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, false, true, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, false},
		{"foreign-cname-not-chased", foreign, query{name: "ext.example.local.", qtype: dns.TypeA, rd: true}, dns.RcodeSuccess, false, true, []string{"www.outside.test."}, false},
		{"upstream-down", closed, query{name: "outside.test.", qtype: dns.TypeA, rd: true}, dns.RcodeServerFailure, true, false, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := ask(t, c.server, c.q)
			if m.Rcode != c.rcode || m.RecursionAvailable != c.ra || m.Authoritative != c.aa || m.Truncated != c.tc {
				t.Fatalf("rcode %s RA %v AA %v TC %v, want %s %v %v %v", dns.RcodeToString[m.Rcode], m.RecursionAvailable, m.Authoritative, m.Truncated,
					dns.RcodeToString[c.rcode], c.ra, c.aa, c.tc)
			}
			if got := sortedValues(m.Answer); !c.tc && !slices.Equal(got, sorted(c.answer)) {
				t.Errorf("answer %v, want %v", got, c.answer)
			}
		})
	}
	t.Run("big-over-tcp", func(t *testing.T) {
		m := ask(t, f.addr, query{name: "big.outside.test.", qtype: dns.TypeTXT, rd: true, tcp: true})
		if m.Truncated || len(m.Answer) != 40 {
			t.Errorf("TC %v, %d answers", m.Truncated, len(m.Answer))
		}
	})
	t.Run("dig", func(t *testing.T) {
		r := dig(t, f.addr, "outside.test", "A")
		if r.status != "NOERROR" || !r.hasFlag("ra") || !slices.Equal(values(r.answer), []string{"192.0.2.1"}) {
			t.Errorf("dig:\n%s", r.raw)
		}
		r = dig(t, foreign, "outside.test", "A")
		if r.status != "REFUSED" {
			t.Errorf("dig from a foreign client:\n%s", r.raw)
		}
		r = dig(t, f.addr, "+bufsize=512", "big.outside.test", "TXT")
		if !r.truncatedThenTCP || len(r.answer) != 40 {
			t.Errorf("dig of a big forwarded answer:\n%s", r.raw)
		}
	})
}

func rrHeader(name string, rrtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func closedUDPPort(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// TestNoReply: packets that are not queries get no answer at all, so that
// Portolan never echoes responses back and forth with another server.
func TestNoReply(t *testing.T) {
	f := start(t)
	conn, err := net.Dial("udp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m := new(dns.Msg)
	m.SetQuestion("web.example.local.", dns.TypeA)
	m.Response = true
	resp, _ := m.Pack()
	for _, pkt := range [][]byte{resp, {1, 2, 3}} {
		conn.Write(pkt)
	}
	// A real query after them is answered, and is the only reply.
	m.Response = false
	m.Id = 4242
	q, _ := m.Pack()
	conn.Write(q)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var r dns.Msg
	if err := r.Unpack(buf[:n]); err != nil || r.Id != 4242 {
		t.Fatalf("first reply %v (%v), want the one to id 4242", r, err)
	}
}

func TestUpstreamAddrs(t *testing.T) {
	own := []string{"127.0.0.1:8600", "172.17.0.1:53"}
	got := cmdns.UpstreamAddrs([]string{"1.1.1.1", "9.9.9.9:5353", "2001:db8::1", "[2001:db8::2]:53", "127.0.0.1:8600", "172.17.0.1", "dns.example"}, own)
	want := []string{"1.1.1.1:53", "9.9.9.9:5353", "[2001:db8::1]:53", "[2001:db8::2]:53", "dns.example:53"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestListenAddrs: every configured address serves UDP and TCP, IPv6 too.
func TestListenAddrs(t *testing.T) {
	addrs := []string{"127.0.0.1:0"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		addrs = append(addrs, "[::1]:0")
	}
	f := recordsFixture(t, func(c *cmdns.Config) { c.Addrs = addrs })
	if !f.dns.Ready() {
		t.Error("not ready with zone data loaded")
	}
	for _, addr := range f.dns.Addrs() {
		for _, tcp := range []bool{false, true} {
			m := ask(t, addr, query{name: "web.example.local.", qtype: dns.TypeA, tcp: tcp})
			if len(m.Answer) != 3 {
				t.Errorf("%s tcp=%v: %v", addr, tcp, m)
			}
		}
	}
}

// TestUDPBatches: queries from many clients at once arrive in the same
// read batches; every reply goes to the client that asked, for its own
// question, over IPv4 and IPv6.
func TestUDPBatches(t *testing.T) {
	addrs := []string{"127.0.0.1:0"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		addrs = append(addrs, "[::1]:0")
	}
	f := recordsFixture(t, func(c *cmdns.Config) { c.Addrs = addrs })
	names := []string{"web.example.local.", "api.example.local.", "nothing.example.local."}
	for _, addr := range f.dns.Addrs() {
		const clients, each = 16, 8
		conns := make([]net.Conn, clients)
		for c := range conns {
			conn, err := net.Dial("udp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conns[c] = conn
		}
		// Everyone's queries first, then the replies.
		for i := range each {
			for c, conn := range conns {
				m := new(dns.Msg)
				m.SetQuestion(names[(c+i)%len(names)], dns.TypeA)
				m.Id = uint16(c<<8 | i)
				pkt, _ := m.Pack()
				if _, err := conn.Write(pkt); err != nil {
					t.Fatal(err)
				}
			}
		}
		buf := make([]byte, 1500)
		for c, conn := range conns {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			seen := map[uint16]bool{}
			for range each {
				n, err := conn.Read(buf)
				if err != nil {
					t.Fatalf("%s client %d: %v after %d replies", addr, c, err, len(seen))
				}
				var r dns.Msg
				if err := r.Unpack(buf[:n]); err != nil {
					t.Fatal(err)
				}
				i := int(r.Id & 0xff)
				if int(r.Id>>8) != c || i >= each || seen[r.Id] || len(r.Question) != 1 || r.Question[0].Name != names[(c+i)%len(names)] {
					t.Fatalf("%s client %d got reply %d to %v", addr, c, r.Id, r.Question)
				}
				seen[r.Id] = true
			}
		}
	}
}

// TestListen: an address bound with Listen before Run is served like those
// of Config.Addrs, over UDP and TCP; once Run has started, Listen is
// refused.
func TestListen(t *testing.T) {
	f := recordsFixture(t)
	s, err := cmdns.New(cmdns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: []string{}, View: f.reg.View(), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	extra, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if addrs := s.Addrs(); len(addrs) != 2 || addrs[1] != extra {
		t.Fatalf("Addrs %v after Listen bound %s", addrs, extra)
	}
	runDNS(t, s)
	want := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
	for _, addr := range s.Addrs() {
		for _, tcp := range []bool{false, true} {
			q := query{name: "web.example.local.", qtype: dns.TypeA, tcp: tcp}
			eventually(t, "an answer from "+addr, func() bool {
				m, err := exchange(addr, q)
				return err == nil && m.Rcode == dns.RcodeSuccess && slices.Equal(sortedValues(m.Answer), want)
			})
		}
	}
	if _, err := s.Listen("127.0.0.1:0"); err == nil {
		t.Fatal("Listen on a running server succeeded")
	}
}
