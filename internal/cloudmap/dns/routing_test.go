package dns_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/cloudmap/health"
)

func values(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, rr.A.String())
		case *dns.AAAA:
			out = append(out, rr.AAAA.String())
		case *dns.SRV:
			out = append(out, strings.ToLower(rr.Target))
		case *dns.CNAME:
			out = append(out, rr.Target)
		}
	}
	return out
}

func sortedValues(rrs []dns.RR) []string {
	v := values(rrs)
	slices.Sort(v)
	return v
}

// srvTargets are the instance ids an SRV answer points at.
func srvTargets(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if srv, ok := rr.(*dns.SRV); ok {
			id, _, _ := strings.Cut(srv.Target, ".")
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestRoutingPolicies: MULTIVALUE answers up to 8 random healthy values,
// WEIGHTED exactly one; SRV answers pick instances the same way and carry
// exactly the picked targets' addresses.
func TestRoutingPolicies(t *testing.T) {
	f := start(t)
	ns := f.namespace(t, "route.local", false, 15)
	const n = 20
	all := map[string]bool{}
	for _, s := range []struct {
		name   string
		policy types.RoutingPolicy
		rt     types.RecordType
	}{
		{"multi", types.RoutingPolicyMultivalue, types.RecordTypeA},
		{"multisrv", types.RoutingPolicyMultivalue, types.RecordTypeSrv},
		{"one", types.RoutingPolicyWeighted, types.RecordTypeA},
		{"onesrv", types.RoutingPolicyWeighted, types.RecordTypeSrv},
	} {
		id := f.service(t, ns, svc{name: s.name, policy: s.policy, records: map[types.RecordType]int64{s.rt: 10}})
		for i := range n {
			f.register(t, id, fmt.Sprintf("%s-%02d", s.name, i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i), "AWS_INSTANCE_PORT", strconv.Itoa(8000+i)))
		}
	}
	for i := range n {
		all[nthIPv4(i)] = true
	}
	eventually(t, "zone data", func() bool {
		m, err := exchange(f.addr, query{name: "onesrv.route.local.", qtype: dns.TypeSRV})
		return err == nil && len(m.Answer) == 1
	})

	cases := []struct {
		name   string
		qtype  uint16
		want   int
		minSet int // distinct answers expected over the queries
	}{
		{"multi.route.local.", dns.TypeA, 8, 10},
		{"multisrv.route.local.", dns.TypeSRV, 8, 10},
		{"one.route.local.", dns.TypeA, 1, 5},
		{"onesrv.route.local.", dns.TypeSRV, 1, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			for i := range 40 {
				m := ask(t, f.addr, query{name: c.name, qtype: c.qtype, tcp: i%2 == 1, edns: 1232})
				if len(m.Answer) != c.want {
					t.Fatalf("%d answers, want %d: %v", len(m.Answer), c.want, m.Answer)
				}
				v := values(m.Answer)
				if c.qtype == dns.TypeA {
					for _, a := range v {
						if !all[a] {
							t.Fatalf("answer %s was never registered", a)
						}
					}
				} else {
					// Each picked SRV target comes with its own address, and
					// only those.
					var wantExtra []string
					for _, rr := range m.Answer {
						srv := rr.(*dns.SRV)
						id, _, _ := strings.Cut(srv.Target, ".")
						i, _ := strconv.Atoi(id[strings.LastIndex(id, "-")+1:])
						wantExtra = append(wantExtra, fmt.Sprintf("%s 10 IN A %s", strings.ToLower(srv.Target), nthIPv4(i)))
						if srv.Port != uint16(8000+i) {
							t.Fatalf("SRV %v: port of instance %d is %d", srv, i, 8000+i)
						}
					}
					if got := rrStrings(m.Extra); !slices.Equal(got, parseRRs(t, wantExtra)) {
						t.Fatalf("additional %q, want %q", got, wantExtra)
					}
				}
				if d := slices.Compact(slices.Sorted(slices.Values(v))); len(d) != len(v) {
					t.Fatalf("duplicate values in %v", v)
				}
				seen[strings.Join(v, ",")] = true
			}
			if len(seen) < c.minSet {
				t.Errorf("only %d different answers in 40 queries; want random picks", len(seen))
			}
			r := dig(t, f.addr, c.name, dns.TypeToString[c.qtype])
			if len(r.answer) != c.want || r.status != "NOERROR" {
				t.Errorf("dig: %d answers, want %d:\n%s", len(r.answer), c.want, r.raw)
			}
		})
	}
}

// TestCustomHealth: instances marked UNHEALTHY through
// UpdateInstanceCustomHealthStatus leave the answers; when none is
// healthy, MULTIVALUE answers up to 8 unhealthy ones and WEIGHTED any one.
func TestCustomHealth(t *testing.T) {
	f := start(t)
	ns := f.namespace(t, "health.local", false, 15)
	multi := f.service(t, ns, svc{name: "multi", custom: true, records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	srv := f.service(t, ns, svc{name: "srv", custom: true, records: map[types.RecordType]int64{types.RecordTypeSrv: 10}})
	one := f.service(t, ns, svc{name: "one", custom: true, policy: types.RoutingPolicyWeighted, records: map[types.RecordType]int64{types.RecordTypeA: 10}})
	for i := range 12 {
		f.register(t, multi, fmt.Sprintf("m%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i)))
		f.register(t, srv, fmt.Sprintf("s%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i), "AWS_INSTANCE_PORT", "80"))
	}
	for i := range 3 {
		f.register(t, one, fmt.Sprintf("o%d", i), attrs("AWS_INSTANCE_IPV4", nthIPv4(i)))
	}
	// Registered unhealthy from the start.
	f.register(t, multi, "late", attrs("AWS_INSTANCE_IPV4", "10.99.0.1", "AWS_INIT_HEALTH_STATUS", "UNHEALTHY"))
	for i := 2; i < 12; i++ {
		f.setHealth(t, multi, fmt.Sprintf("m%d", i), types.CustomHealthStatusUnhealthy)
		f.setHealth(t, srv, fmt.Sprintf("s%d", i), types.CustomHealthStatusUnhealthy)
	}
	f.setHealth(t, one, "o0", types.CustomHealthStatusUnhealthy)
	f.setHealth(t, one, "o2", types.CustomHealthStatusUnhealthy)

	want := []string{nthIPv4(0), nthIPv4(1)}
	eventually(t, "only healthy A values", func() bool {
		m, err := exchange(f.addr, query{name: "multi.health.local.", qtype: dns.TypeA})
		return err == nil && slices.Equal(sortedValues(m.Answer), want)
	})
	eventually(t, "only healthy SRV values", func() bool {
		m, err := exchange(f.addr, query{name: "srv.health.local.", qtype: dns.TypeSRV, edns: 1232})
		return err == nil && slices.Equal(srvTargets(m.Answer), []string{"s0", "s1"}) && len(m.Extra) == 3 // 2 A + OPT
	})
	// The health writes for "one" came last: wait until the table has them,
	// then every WEIGHTED answer must be the one healthy instance.
	eventually(t, "WEIGHTED to see o0 and o2 unhealthy", func() bool {
		for range 10 {
			m, err := exchange(f.addr, query{name: "one.health.local.", qtype: dns.TypeA})
			if err != nil || !slices.Equal(values(m.Answer), []string{nthIPv4(1)}) {
				return false
			}
		}
		return true
	})
	for range 20 {
		m := ask(t, f.addr, query{name: "one.health.local.", qtype: dns.TypeA})
		if got := values(m.Answer); !slices.Equal(got, []string{nthIPv4(1)}) {
			t.Fatalf("WEIGHTED answered %v, want only the healthy %s", got, nthIPv4(1))
		}
	}
	// An unhealthy SRV target's own address record still resolves.
	if m := ask(t, f.addr, query{name: "s7.srv.health.local.", qtype: dns.TypeA}); len(m.Answer) != 1 {
		t.Errorf("target of an unhealthy instance: %v", m)
	}
	if r := dig(t, f.addr, "multi.health.local", "A"); !slices.Equal(sortedValues(r.answer), want) {
		t.Errorf("dig: %v, want %v", sortedValues(r.answer), want)
	}

	// Everyone unhealthy: fail open.
	f.setHealth(t, multi, "m0", types.CustomHealthStatusUnhealthy)
	f.setHealth(t, multi, "m1", types.CustomHealthStatusUnhealthy)
	f.setHealth(t, one, "o1", types.CustomHealthStatusUnhealthy)
	eventually(t, "MULTIVALUE to fail open", func() bool {
		m, err := exchange(f.addr, query{name: "multi.health.local.", qtype: dns.TypeA})
		return err == nil && len(m.Answer) == 8
	})
	// o1's write came last; until the table has it, "one" still answers
	// o1 alone. Once it does, WEIGHTED picks among all three, one at a time.
	eventually(t, "WEIGHTED with none healthy to answer any instance", func() bool {
		seen := map[string]bool{}
		for range 30 {
			m, err := exchange(f.addr, query{name: "one.health.local.", qtype: dns.TypeA})
			if err != nil {
				return false
			}
			if len(m.Answer) != 1 {
				t.Fatalf("WEIGHTED with none healthy answered %v", m.Answer)
			}
			seen[values(m.Answer)[0]] = true
		}
		return len(seen) >= 2
	})
	// And back.
	f.setHealth(t, multi, "m5", types.CustomHealthStatusHealthy)
	eventually(t, "the healthy instance alone", func() bool {
		m, err := exchange(f.addr, query{name: "multi.health.local.", qtype: dns.TypeA})
		return err == nil && slices.Equal(values(m.Answer), []string{nthIPv4(5)})
	})
}

// TestHealthCheckProbes: a service with a HealthCheckConfig, probed by the
// health package against real HTTP, HTTPS and TCP servers on loopback.
// Instances are told apart by their SRV targets (they all live on
// 127.0.0.1).
func TestHealthCheckProbes(t *testing.T) {
	f := start(t)
	ns := f.namespace(t, "probe.test", true, 15)

	var failing atomic.Bool
	var failedProbes atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "" {
			t.Error("probe without a User-Agent")
		}
		if failing.Load() {
			failedProbes.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	toggled := httptest.NewServer(mux)
	defer toggled.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer ok.Close()
	redirect := httptest.NewServer(http.RedirectHandler("/elsewhere", http.StatusFound)) // 3xx passes
	defer redirect.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer broken.Close()
	tlsOK := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsOK.Close()
	tcpOpen, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcpOpen.Close()
	go func() {
		for {
			c, err := tcpOpen.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closedLn, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closedLn.Addr().(*net.TCPAddr).Port
	closedLn.Close()

	port := func(u string) string {
		_, p, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"))
		return p
	}
	srvRecords := map[types.RecordType]int64{types.RecordTypeSrv: 5}
	web := f.service(t, ns, svc{name: "web", records: srvRecords,
		check: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, ResourcePath: aws.String("/healthz"), FailureThreshold: aws.Int32(2)}})
	tlsSvc := f.service(t, ns, svc{name: "tls", records: srvRecords, check: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttps}})
	tcpSvc := f.service(t, ns, svc{name: "tcp", records: srvRecords, check: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp}})
	for id, url := range map[string]string{"ok": ok.URL, "redirect": redirect.URL, "broken": broken.URL, "toggled": toggled.URL} {
		f.register(t, web, id, attrs("AWS_INSTANCE_IPV4", "127.0.0.1", "AWS_INSTANCE_PORT", port(url)))
	}
	f.register(t, tlsSvc, "secure", attrs("AWS_INSTANCE_IPV4", "127.0.0.1", "AWS_INSTANCE_PORT", port(tlsOK.URL)))
	f.register(t, tlsSvc, "plain", attrs("AWS_INSTANCE_IPV4", "127.0.0.1", "AWS_INSTANCE_PORT", port(ok.URL))) // TLS to a plain server fails
	f.register(t, tcpSvc, "open", attrs("AWS_INSTANCE_IPV4", "127.0.0.1", "AWS_INSTANCE_PORT", port(tcpOpen.Addr().String())))
	f.register(t, tcpSvc, "closed", attrs("AWS_INSTANCE_IPV4", "127.0.0.1", "AWS_INSTANCE_PORT", strconv.Itoa(closedPort)))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- health.New(health.Config{CloudMap: f.reg, Interval: 50 * time.Millisecond, Logger: testLogger()}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()

	targets := func(name string) []string {
		m, err := exchange(f.addr, query{name: name, qtype: dns.TypeSRV, tcp: true})
		if err != nil {
			return nil
		}
		return srvTargets(m.Answer)
	}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"web.probe.test.", []string{"ok", "redirect", "toggled"}},
		{"tls.probe.test.", []string{"secure"}},
		{"tcp.probe.test.", []string{"open"}},
	} {
		eventually(t, c.name+" = "+strings.Join(c.want, ","), func() bool { return slices.Equal(targets(c.name), c.want) })
	}

	failing.Store(true)
	eventually(t, "the failing instance to leave DNS", func() bool {
		return slices.Equal(targets("web.probe.test."), []string{"ok", "redirect"})
	})
	if n := failedProbes.Load(); n < 2 {
		t.Errorf("UNHEALTHY after %d failed probes; FailureThreshold is 2", n)
	}
	failing.Store(false)
	eventually(t, "the instance to come back after one good probe", func() bool {
		return slices.Equal(targets("web.probe.test."), []string{"ok", "redirect", "toggled"})
	})
	r := dig(t, f.addr, "web.probe.test", "SRV")
	var got []string
	for _, rr := range r.answer {
		got = append(got, strings.SplitN(rr.(*dns.SRV).Target, ".", 2)[0])
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"ok", "redirect", "toggled"}) {
		t.Errorf("dig: %v", r.raw)
	}
}
