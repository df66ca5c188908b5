package dns_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/miekg/dns"

	cmdns "github.com/portolan/portolan/internal/cloudmap/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// fixture is Cloud Map (store, API on loopback) with a DNS server
// following its view, and an SDK client to drive it.
type fixture struct {
	env  *cloudmaptest.Env
	reg  *cloudmap.Control
	sd   *sd.Client
	dns  *cmdns.Server
	addr string // the DNS server's host:port
}

func testLogger() *slog.Logger { return awstest.Logger() }

// start runs Cloud Map and a DNS server; configure adjusts the DNS Config
// (by default: loopback only, port 0, no upstreams).
func start(t testing.TB, configure ...func(*cmdns.Config)) *fixture {
	t.Helper()
	env := cloudmaptest.Start(t, cloudmaptest.WithDNS(configure...))
	f := &fixture{env: env, reg: env.CloudMap, sd: env.Client(), dns: env.DNS}
	f.addr = f.dns.Addrs()[0]
	return f
}

// serveDNS starts one more DNS server on the same view.
func (f *fixture) serveDNS(t testing.TB, configure ...func(*cmdns.Config)) *cmdns.Server {
	t.Helper()
	cfg := cmdns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: []string{}, View: f.reg.View(), Logger: testLogger()}
	for _, c := range configure {
		c(&cfg)
	}
	s, err := cmdns.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runDNS(t, s)
	return s
}

// runDNS runs s until the test ends; an error from Run, even at shutdown,
// fails the test.
func runDNS(t testing.TB, s *cmdns.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dns server: %v", err)
		}
	})
}

func (f *fixture) namespace(t testing.TB, name string, public bool, soaTTL int64) string {
	t.Helper()
	ctx := context.Background()
	props := &types.PrivateDnsNamespaceProperties{DnsProperties: &types.PrivateDnsPropertiesMutable{SOA: &types.SOA{TTL: aws.Int64(soaTTL)}}}
	var opID *string
	if public {
		out, err := f.sd.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String(name),
			Properties: &types.PublicDnsNamespaceProperties{DnsProperties: &types.PublicDnsPropertiesMutable{SOA: &types.SOA{TTL: aws.Int64(soaTTL)}}}})
		if err != nil {
			t.Fatal(err)
		}
		opID = out.OperationId
	} else {
		out, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String(name), Vpc: aws.String("vpc-1"), Properties: props})
		if err != nil {
			t.Fatal(err)
		}
		opID = out.OperationId
	}
	op, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: opID})
	if err != nil {
		t.Fatal(err)
	}
	return op.Operation.Targets["NAMESPACE"]
}

// svc describes a service to create.
type svc struct {
	name    string
	policy  types.RoutingPolicy
	records map[types.RecordType]int64 // type → TTL
	custom  bool                       // HealthCheckCustomConfig
	check   *types.HealthCheckConfig
	http    bool // Type HTTP: no DnsConfig
}

func (f *fixture) service(t testing.TB, nsID string, s svc) string {
	t.Helper()
	in := &sd.CreateServiceInput{Name: aws.String(s.name), NamespaceId: aws.String(nsID), HealthCheckConfig: s.check}
	if s.custom {
		in.HealthCheckCustomConfig = &types.HealthCheckCustomConfig{}
	}
	if s.http {
		in.Type = types.ServiceTypeOptionHttp
	} else {
		dc := &types.DnsConfig{RoutingPolicy: s.policy}
		// A stable order, so that ANY answers are predictable.
		for _, rt := range []types.RecordType{types.RecordTypeA, types.RecordTypeAaaa, types.RecordTypeSrv, types.RecordTypeCname} {
			if ttl, ok := s.records[rt]; ok {
				dc.DnsRecords = append(dc.DnsRecords, types.DnsRecord{Type: rt, TTL: aws.Int64(ttl)})
			}
		}
		in.DnsConfig = dc
	}
	out, err := f.sd.CreateService(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateService %s: %v", s.name, err)
	}
	return *out.Service.Id
}

func (f *fixture) register(t testing.TB, svcID, id string, attrs map[string]string) {
	t.Helper()
	if _, err := f.sd.RegisterInstance(context.Background(), &sd.RegisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(id), Attributes: attrs}); err != nil {
		t.Fatalf("RegisterInstance %s: %v", id, err)
	}
}

func (f *fixture) setHealth(t testing.TB, svcID, id string, status types.CustomHealthStatus) {
	t.Helper()
	if _, err := f.sd.UpdateInstanceCustomHealthStatus(context.Background(), &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: aws.String(svcID), InstanceId: aws.String(id), Status: status}); err != nil {
		t.Fatal(err)
	}
}

// query is one question and how to ask it.
type query struct {
	name  string
	qtype uint16
	tcp   bool
	edns  uint16 // EDNS UDP size; 0: no EDNS
	do    bool
	rd    bool
}

func ask(t testing.TB, addr string, q query) *dns.Msg {
	t.Helper()
	m, err := exchange(addr, q)
	if err != nil {
		t.Fatalf("query %s %s: %v", q.name, dns.TypeToString[q.qtype], err)
	}
	return m
}

func exchange(addr string, q query) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.RecursionDesired = q.rd
	if q.edns > 0 {
		m.SetEdns0(q.edns, q.do)
	}
	c := &dns.Client{Net: "udp", Timeout: 3 * time.Second}
	if q.tcp {
		c.Net = "tcp"
	}
	r, _, err := c.Exchange(m, addr)
	return r, err
}

// eventually polls cond until it holds; the DNS table follows the view
// asynchronously, a millisecond or so behind the write.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rrStrings renders records for comparison: owner lower-cased, sorted.
func rrStrings(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		s := strings.ReplaceAll(rr.String(), "\t", " ")
		out = append(out, strings.ToLower(s))
	}
	slices.Sort(out)
	return out
}

// dig runs the real dig against addr. Tests that use it skip when dig is
// missing (CI installs dnsutils).
func dig(t testing.TB, addr string, args ...string) *digResult {
	t.Helper()
	path, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed (apt-get install dnsutils)")
	}
	host, port, _ := net.SplitHostPort(addr)
	argv := append([]string{"@" + host, "-p", port, "+tries=1", "+time=3"}, args...)
	out, err := exec.Command(path, argv...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return parseDig(t, string(out))
}

type digResult struct {
	raw                  string
	status               string
	flags                []string
	answer, auth, extra  []dns.RR
	opt                  bool
	truncatedThenTCP     bool
	udpSize              int
	answerCount, arCount int
}

// parseDig reads dig's text output with miekg/dns's zone parser.
func parseDig(t testing.TB, out string) *digResult {
	t.Helper()
	r := &digResult{raw: out}
	var section *[]dns.RR
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case strings.Contains(line, "Truncated, retrying in TCP mode"):
			r.truncatedThenTCP = true
		case strings.HasPrefix(line, ";; ->>HEADER<<-"):
			_, after, _ := strings.Cut(line, "status: ")
			r.status, _, _ = strings.Cut(after, ",")
		case strings.HasPrefix(line, ";; flags:"):
			flags, _, _ := strings.Cut(strings.TrimPrefix(line, ";; flags:"), ";")
			r.flags = strings.Fields(flags)
			if _, after, ok := strings.Cut(line, "ANSWER: "); ok {
				n, _, _ := strings.Cut(after, ",")
				r.answerCount, _ = strconv.Atoi(n)
			}
			if _, after, ok := strings.Cut(line, "ADDITIONAL: "); ok {
				r.arCount, _ = strconv.Atoi(strings.TrimSpace(after))
			}
		case strings.HasPrefix(line, "; EDNS:"):
			r.opt = true
			if _, after, ok := strings.Cut(line, "udp: "); ok {
				r.udpSize, _ = strconv.Atoi(strings.TrimSpace(after))
			}
		case strings.HasPrefix(line, ";; ANSWER SECTION"):
			section = &r.answer
		case strings.HasPrefix(line, ";; AUTHORITY SECTION"):
			section = &r.auth
		case strings.HasPrefix(line, ";; ADDITIONAL SECTION"):
			section = &r.extra
		case strings.TrimSpace(line) == "":
			section = nil
		case section != nil && !strings.HasPrefix(line, ";"):
			rr, err := dns.NewRR(line)
			if err != nil {
				t.Fatalf("dig line %q: %v", line, err)
			}
			*section = append(*section, rr)
		}
	}
	if r.status == "" {
		t.Fatalf("dig output without a header:\n%s", out)
	}
	return r
}

func (r *digResult) hasFlag(f string) bool { return slices.Contains(r.flags, f) }

func attrs(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func nthIPv4(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }
