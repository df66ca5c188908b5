package server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/chromedp/chromedp"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// consoleRatesLBAddresses is this file's range for load balancer addresses.
var consoleRatesLBAddresses = netip.MustParsePrefix("127.0.91.0/28")

// TestConsoleLoadBalancerRates: an Application and a Network Load
// Balancer, each forwarding to a target group of the same two real
// targets (registered through the ELBv2 API), carry traffic; headless
// Chromium opens the console and its diagram shows, without a reload, a
// non-zero requests per second on the ALB's listener → group edge and on
// each of its group → target edges, and non-zero new connections per
// second on the NLB's edges with the connections each target holds open.
func TestConsoleLoadBalancerRates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	bctx := servertest.Browser(t)
	env := servertest.Start(t, func(c *server.Config) { c.LoadBalancerAddresses = consoleRatesLBAddresses })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var targets []elbtypes.TargetDescription
	for _, name := range []string{"one", "two"} {
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		defer backend.Close()
		ap := netip.MustParseAddrPort(backend.Listener.Addr().String())
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String(ap.Addr().String()), Port: aws.Int32(int32(ap.Port()))})
	}
	albAddr := balancer(t, ctx, env, "rates-alb", elbtypes.LoadBalancerTypeEnumApplication, elbtypes.ProtocolEnumHttp, targets)
	nlbAddr := balancer(t, ctx, env, "rates-nlb", elbtypes.LoadBalancerTypeEnumNetwork, elbtypes.ProtocolEnumTcp, targets)

	stop := lbLoad(t, albAddr, nlbAddr)
	defer stop()
	if _, err := chromedp.Run(bctx, chromedp.Navigate("http://"+env.Server.APIAddr()+"/_portolan/console/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	// Each balancer: one listener at its address, one group of both
	// targets healthy, every edge with a non-zero rate; the NLB's targets
	// with connections open.
	servertest.WaitInPage(t, bctx, "non-zero rates on every edge of both load balancers", `(() => {
		if (window.notReloaded !== true) return false;
		const rate = e => e ? Number(e.dataset.rate) : 0;
		const shown = (name, type, addr, unit) => {
			const lb = document.querySelector('.lb[data-lb-name="' + name + '"][data-lb-type="' + type + '"]');
			if (!lb || !lb.querySelector('.listener[data-address="' + addr + '"]')) return false;
			const groups = lb.querySelectorAll('.target-group');
			const targets = [...lb.querySelectorAll('.target')];
			if (groups.length !== 1 || groups[0].dataset.health !== 'HEALTHY' || targets.length !== 2) return false;
			const toGroup = lb.querySelector('.edge[data-edge="listener-target-group"]');
			if (!(rate(toGroup) > 0) || !toGroup.textContent.endsWith(unit)) return false;
			return targets.every(t => t.dataset.health === 'HEALTHY' && rate(t.querySelector('.edge[data-edge="target-group-target"]')) > 0);
		};
		return shown('rates-alb', 'application', '`+albAddr+`', '/s') &&
			shown('rates-nlb', 'network', '`+nlbAddr+`', 'conn/s') &&
			[...document.querySelectorAll('.lb[data-lb-name="rates-nlb"] .target')].every(t => Number(t.dataset.active) > 0) &&
			[...document.querySelectorAll('.lb[data-lb-name="rates-alb"] .target')].every(t => t.dataset.active === undefined);
	})()`, "#balancers")
}

// balancer makes an internal load balancer of type typ with one listener
// forwarding to a new ip target group of targets, waits until both
// targets are healthy, and returns the listener's address.
func balancer(t *testing.T, ctx context.Context, env *servertest.Env, name string, typ elbtypes.LoadBalancerTypeEnum, protocol elbtypes.ProtocolEnum, targets []elbtypes.TargetDescription) string {
	t.Helper()
	lbc := elb.NewFromConfig(env.AWS)
	lb, err := lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Type: typ,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1", "subnet-2"}})
	must(t, err)
	tg, err := lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: protocol,
		Port: targets[0].Port, TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String("vpc-1"),
		HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2)})
	must(t, err)
	tgARN := tg.TargetGroups[0].TargetGroupArn
	_, err = lbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: targets})
	must(t, err)
	port := int32(80)
	_, err = lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: protocol,
		Port: aws.Int32(port), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	must(t, err)
	for {
		out, err := lbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tgARN})
		must(t, err)
		healthy := 0
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
				healthy++
			}
		}
		if healthy == len(targets) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s's targets never turned healthy: %+v", name, out.TargetHealthDescriptions)
		case <-time.After(200 * time.Millisecond):
		}
	}
	// An ALB describes no addresses: the one it serves on is the view's.
	view := env.Server.ELBv2.View().Snapshot().LoadBalancers[*lb.LoadBalancers[0].LoadBalancerArn]
	return net.JoinHostPort(view.Address, strconv.Itoa(int(port)))
}

// lbLoad sends requests through the ALB at alb (kept-alive connections)
// and makes connections through the NLB at nlb, one request each, until
// stop is called. It also holds connections through the NLB open, at
// least one to each target, so that the console has open connections to
// show.
func lbLoad(t *testing.T, alb, nlb string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		client := &http.Client{Timeout: 5 * time.Second}
		for ctx.Err() == nil {
			if resp, err := client.Get("http://" + alb + "/"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	held := map[string]net.Conn{} // by the target that answered
	wg.Go(func() {
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for ctx.Err() == nil {
			c, name := nlbExchange(nlb)
			if c != nil && held[name] == nil {
				held[name] = c
			} else if c != nil {
				c.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return func() { cancel(); wg.Wait() }
}

// nlbExchange opens a connection through the NLB at addr, sends one
// request on it and returns it, open, with the target's answer.
func nlbExchange(addr string) (net.Conn, string) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, ""
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	resp, err := func() (*http.Response, error) {
		if err := req.Write(c); err != nil {
			return nil, err
		}
		return http.ReadResponse(bufio.NewReader(c), req)
	}()
	if err != nil {
		c.Close()
		return nil, ""
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.SetDeadline(time.Time{})
	return c, strings.TrimSpace(string(b))
}
