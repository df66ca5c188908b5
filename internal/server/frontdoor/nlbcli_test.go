package frontdoor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestNetworkLoadBalancerThroughTheCLI drives the whole server with the
// AWS CLI v2 as a user would: an internal NLB with a TCP listener (port 80
// when the test may bind it) and an ip target group of two real targets;
// describe-target-health goes from initial to healthy; the NLB's DNSName
// resolves through Portolan's DNS to its address; HTTP through that name
// reaches both targets. Then one target is deregistered: it shows
// draining, new connections avoid it, and a connection open to it keeps
// working until the deregistration delay ends, when it is closed.
func TestNetworkLoadBalancerThroughTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t, func(c *server.Config) { c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.180.0/24") })
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	aws := func(v any, args ...string) {
		t.Helper()
		out := awstest.CLI(ctx, t, env.URL, append([]string{"elbv2"}, args...)...)
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws elbv2 %v: %v\n%s", args, err, out)
			}
		}
	}
	var ports []string
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, name) }))
		t.Cleanup(srv.Close)
		ports = append(ports, strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port))
	}

	var lbs struct {
		LoadBalancers []struct{ LoadBalancerArn, DNSName string }
	}
	aws(&lbs, "create-load-balancer", "--name", "web", "--type", "network", "--scheme", "internal", "--subnets", "subnet-1")
	var tgs struct {
		TargetGroups []struct{ TargetGroupArn string }
	}
	aws(&tgs, "create-target-group", "--name", "web", "--protocol", "TCP", "--port", ports[0], "--target-type", "ip",
		"--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2")
	tg := tgs.TargetGroups[0].TargetGroupArn
	aws(nil, "register-targets", "--target-group-arn", tg, "--targets", "Id=127.0.0.1,Port="+ports[0], "Id=127.0.0.1,Port="+ports[1])
	port := "18080"
	if os.Geteuid() == 0 {
		port = "80"
	}
	aws(nil, "create-listener", "--load-balancer-arn", lbs.LoadBalancers[0].LoadBalancerArn, "--protocol", "TCP", "--port", port,
		"--default-actions", "Type=forward,TargetGroupArn="+tg)

	// initial, then healthy, for both.
	var health struct {
		TargetHealthDescriptions []struct {
			TargetHealth struct{ State, Reason string }
		}
	}
	// Read with the SDK, in milliseconds: a CLI call can take longer than
	// the first health checks on a loaded machine.
	first, err := elb.NewFromConfig(env.AWS).DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tg})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range first.TargetHealthDescriptions {
		if d.TargetHealth.State != elbtypes.TargetHealthStateEnumInitial {
			t.Fatalf("a just-registered target is %+v, want initial", *d.TargetHealth)
		}
	}
	for healthy := 0; healthy < 2; {
		if ctx.Err() != nil {
			t.Fatalf("targets never turned healthy: %+v", health)
		}
		time.Sleep(500 * time.Millisecond)
		aws(&health, "describe-target-health", "--target-group-arn", tg)
		healthy = 0
		for _, d := range health.TargetHealthDescriptions {
			if d.TargetHealth.State == "healthy" {
				healthy++
			}
		}
	}

	var described struct {
		LoadBalancers []struct {
			AvailabilityZones []struct {
				LoadBalancerAddresses []struct{ PrivateIPv4Address string }
			}
		}
	}
	aws(&described, "describe-load-balancers", "--load-balancer-arns", lbs.LoadBalancers[0].LoadBalancerArn)
	addr := described.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address
	name := lbs.LoadBalancers[0].DNSName
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, _, err := (&dns.Client{Timeout: 3 * time.Second}).ExchangeContext(ctx, m, env.Server.DNSAddr())
	if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != addr {
		t.Fatalf("%s resolved to %v (%v), want %s", name, r, err, addr)
	}

	// curl --resolve, in Go: the name, at the address the DNS gave.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(addr, port))
		}}}
	seen := map[string]int{}
	for range 30 {
		resp, err := client.Get("http://" + net.JoinHostPort(name, port) + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		seen[string(b)]++
	}
	if seen["a"] == 0 || seen["b"] == 0 {
		t.Fatalf("requests through %s reached %v, want both targets", name, seen)
	}
	deregisterThroughTheCLI(ctx, t, aws, tg, ports, client, "http://"+net.JoinHostPort(name, port)+"/", net.JoinHostPort(addr, port))
}

// deregisterThroughTheCLI deregisters the target a kept-alive connection
// through the NLB reached, and checks what the CLI and the connections
// see: the target draining, new connections on the other one, the open
// connection served until the deregistration delay ends and closed then,
// the target gone afterwards.
func deregisterThroughTheCLI(ctx context.Context, t *testing.T, aws func(any, ...string), tg string, ports []string,
	client *http.Client, url, lbAddr string) {
	const delay = 15 * time.Second
	aws(nil, "modify-target-group-attributes", "--target-group-arn", tg,
		"--attributes", "Key=deregistration_delay.timeout_seconds,Value="+strconv.Itoa(int(delay.Seconds())))
	open, err := net.DialTimeout("tcp", lbAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	br := bufio.NewReader(open)
	ask := func() (string, error) {
		open.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(open, "GET / HTTP/1.1\r\nHost: web\r\n\r\n"); err != nil {
			return "", err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	victim, err := ask()
	if err != nil {
		t.Fatal(err)
	}
	victimPort, other := ports[0], "b"
	if victim == "b" {
		victimPort, other = ports[1], "a"
	}
	before := time.Now()
	aws(nil, "deregister-targets", "--target-group-arn", tg, "--targets", "Id=127.0.0.1,Port="+victimPort)
	after := time.Now()
	// The open connection is still served (asked at once: the CLI calls
	// below take seconds on a loaded machine, which the delay must outlast).
	if got, err := ask(); err != nil || got != victim {
		t.Fatalf("the connection open to the draining target: %q, %v", got, err)
	}

	var health struct {
		TargetHealthDescriptions []struct {
			Target       struct{ Port int }
			TargetHealth struct{ State, Reason string }
		}
	}
	aws(&health, "describe-target-health", "--target-group-arn", tg, "--targets", "Id=127.0.0.1,Port="+victimPort)
	if d := health.TargetHealthDescriptions; len(d) != 1 || d[0].TargetHealth.State != "draining" || d[0].TargetHealth.Reason != "Target.DeregistrationInProgress" {
		t.Fatalf("the deregistered target: %+v, want draining (Target.DeregistrationInProgress)", d)
	}
	// The CLI's answer came after the data plane had its snapshot (the
	// write is in the control plane's view before DeregisterTargets
	// answers, and the data plane applies each view as it is published).
	for range 20 {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != other {
			t.Fatalf("a new connection reached the draining target %s", b)
		}
	}
	// Then it is closed when the delay ends, not before.
	open.SetDeadline(after.Add(delay + 5*time.Second))
	_, err = br.ReadByte()
	closed := time.Now()
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) || closed.Before(before.Add(delay)) {
		t.Fatalf("the open connection ended %v after the deregistration (%v), want at the %v delay's end", closed.Sub(before), err, delay)
	}
	t.Logf("the open connection was closed %v after deregister-targets was called (delay %v)", closed.Sub(before), delay)
	aws(&health, "describe-target-health", "--target-group-arn", tg)
	if d := health.TargetHealthDescriptions; len(d) != 1 || d[0].TargetHealth.State != "healthy" {
		t.Fatalf("after the delay: %+v, want the other target alone", d)
	}
}
