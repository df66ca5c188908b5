package dns_test

import (
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// fakeRules is a Config.Rules source the test publishes to.
type fakeRules struct {
	store.Feed[[]cmdns.ForwardRule]
}

func (f *fakeRules) ForwardRules() ([]cmdns.ForwardRule, int64) {
	rs, rev, _ := f.Load()
	return rs, rev
}

// fakeListeners is a Config.Listeners source the test publishes to.
type fakeListeners struct{ store.Feed[[]string] }

func (f *fakeListeners) ListenAddrs() []string {
	addrs, _, _ := f.Load()
	return addrs
}

// answering is a resolver that answers every A question with ip.
func answering(t *testing.T, ip string) string {
	t.Helper()
	pc, ln, err := cmdns.ListenPair("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.RecursionAvailable = true
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: net.ParseIP(ip)}}
		w.WriteMsg(m)
	})
	udp, tcp := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: ln, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return pc.LocalAddr().String()
}

// TestForwardRules: names outside our zones go to the most specific
// rule's targets; a rule without targets (SYSTEM) sends its names to the
// upstreams; names in our zones are answered from them; rules that change
// take effect; a rule never sends a query back to this server.
func TestForwardRules(t *testing.T) {
	def, corp, deep := answering(t, "192.0.2.1"), answering(t, "192.0.2.2"), answering(t, "192.0.2.3")
	rules := &fakeRules{}
	rules.Publish([]cmdns.ForwardRule{
		{Domain: "corp.example.", Targets: []string{corp}},
		{Domain: "Deep.Corp.Example", Targets: []string{deep}},
		{Domain: "sys.corp.example", Targets: nil},
	}, 1)
	zones := &fakeZones{}
	zones.Publish([]*cmdns.Zone{zoneOf(t, "in.corp.example.", append(apexLines("in.corp.example."), "x.in.corp.example. 60 IN A 192.0.2.9"))}, 1)
	f := start(t, func(c *cmdns.Config) {
		c.Upstreams = []string{def}
		c.Rules = []cmdns.ForwardRules{rules}
		c.Zones = []cmdns.Zones{zones}
	})
	resolve := func(name string) []string {
		t.Helper()
		return values(ask(t, f.addr, query{name: name, qtype: dns.TypeA, rd: true}).Answer)
	}
	eventually(t, "the zone", func() bool { return slices.Equal(resolve("x.in.corp.example."), []string{"192.0.2.9"}) })
	for name, want := range map[string]string{
		"www.corp.example.":        "192.0.2.2",
		"corp.example.":            "192.0.2.2",
		"a.b.deep.corp.example.":   "192.0.2.3",
		"x.sys.corp.example.":      "192.0.2.1",
		"elsewhere.test.":          "192.0.2.1",
		"x.in.corp.example.":       "192.0.2.9", // our zone, inside the rule's domain
		"WWW.CORP.example.":        "192.0.2.2",
		"notcorp.example.":         "192.0.2.1",
		"x.deep.corp.example.":     "192.0.2.3",
		"deeper.sys.corp.example.": "192.0.2.1",
	} {
		if got := resolve(name); !slices.Equal(got, []string{want}) {
			t.Errorf("%s: %q, want %s", name, got, want)
		}
	}

	// A rule pointing at this very server is left without that target.
	rules.Publish([]cmdns.ForwardRule{{Domain: "corp.example", Targets: []string{f.addr, deep}}}, 2)
	eventually(t, "the new rules", func() bool { return slices.Equal(resolve("www.corp.example."), []string{"192.0.2.3"}) })
	if got := resolve("a.deep.corp.example."); !slices.Equal(got, []string{"192.0.2.3"}) {
		t.Errorf("after the change: %q", got)
	}
}

// TestListeners: addresses Config.Listeners lists are served while it
// lists them (UDP and TCP), and closed when it stops; an address that
// cannot be bound does not stop the others.
func TestListeners(t *testing.T) {
	l := &fakeListeners{}
	f := start(t, func(c *cmdns.Config) { c.Listeners = l })
	f.namespace(t, "listen.local", false, 30)
	free := func(host string) string {
		pc, ln, err := cmdns.ListenPair(host + ":0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		pc.Close()
		ln.Close()
		return addr
	}
	a, b := free("127.0.230.53"), free("127.0.230.54")
	l.Publish([]string{a, b, "192.0.2.1:" + strconv.Itoa(53)}, 1)
	for _, addr := range []string{a, b} {
		for _, tcp := range []bool{false, true} {
			eventually(t, "serving "+addr, func() bool {
				m, err := exchange(addr, query{name: "listen.local.", qtype: dns.TypeSOA, tcp: tcp})
				return err == nil && m.Authoritative && len(m.Answer) == 1
			})
		}
	}
	l.Publish([]string{b}, 2)
	eventually(t, "no longer serving "+a, func() bool {
		c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
		m := new(dns.Msg)
		m.SetQuestion("listen.local.", dns.TypeSOA)
		_, _, err := c.Exchange(m, a)
		return err != nil
	})
	if m, err := exchange(b, query{name: "listen.local.", qtype: dns.TypeSOA}); err != nil || !m.Authoritative {
		t.Errorf("%s after the change: %v %v", b, m, err)
	}
}
