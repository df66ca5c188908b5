// Command alb is the Portolan side of bench/alb.sh.
//
//	alb -backend 127.0.0.1:PORT -port 18092
//
// runs a store, ELBv2's control plane and its data plane in one process
// (as internal/server does), then configures through the Go API what a
// user would: an internal Application Load Balancer, an HTTP target group
// of type ip with the backend registered (health-checked over HTTP), and
// an HTTP listener whose rule at priority 1 forwards path-pattern
// /pets/* to the group, its default action a fixed-response 404. It waits
// until the target is healthy and the data plane serves it, then prints
// "ready <addr> <host>". The backend is bench/gateway's (-mode backend).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/store"
)

// addresses is the bench's range for load balancer addresses, apart from
// every test's (127.0.220.192/26, the top of the ELBv2 helper's range).
var addresses = netip.MustParsePrefix("127.0.220.192/26")

func main() {
	backend := flag.String("backend", "", "the backend's ip:port")
	port := flag.Int("port", 18092, "the listener's port")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *backend, int32(*port)); err != nil && !errors.Is(err, context.Canceled) {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func run(ctx context.Context, backend string, port int32) error {
	target, err := netip.ParseAddrPort(backend)
	if err != nil {
		return fmt.Errorf("-backend: %w", err)
	}
	dir, err := os.MkdirTemp("", "alb-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"), store.BoltOptions{})
	if err != nil {
		return err
	}
	defer st.Close()
	c := elbv2.New(elbv2.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, Addresses: addresses})
	dp := dataplane.New(dataplane.Config{Control: c})
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.Run(ctx) })
	g.Go(func() error { return dp.Run(ctx) })
	g.Go(func() error {
		addr, host, err := configure(ctx, c, target, port)
		if err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := dp.Sync(sctx); err != nil {
			return err
		}
		fmt.Println("ready", addr, host)
		<-ctx.Done()
		return ctx.Err()
	})
	return g.Wait()
}

// configure makes the ALB and waits for its target to be healthy; it
// returns the listener's address and the load balancer's DNS name.
func configure(ctx context.Context, c *elbv2.Control, target netip.AddrPort, port int32) (addr, host string, err error) {
	if _, err := c.View().Next(ctx, -1); err != nil {
		return "", "", err
	}
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: "bench", Type: ptr(elbv2.TypeApplication),
		Scheme: ptr(elbv2.SchemeInternal), Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		return "", "", err
	}
	tg, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: "bench", Protocol: ptr(elbv2.ProtocolHTTP),
		Port: ptr(int32(target.Port())), TargetType: ptr(elbv2.TargetTypeIP),
		HealthCheckSettings: elbv2.HealthCheckSettings{HealthCheckIntervalSeconds: ptr(int32(5)), HealthCheckPath: ptr("/health"),
			HealthCheckTimeoutSeconds: ptr(int32(2)), HealthyThresholdCount: ptr(int32(2))}})
	if err != nil {
		return "", "", err
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	if _, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tgArn,
		Targets: []elbv2.TargetDescription{{Id: target.Addr().String(), Port: ptr(int32(target.Port()))}}}); err != nil {
		return "", "", err
	}
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	l, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: ptr(elbv2.ProtocolHTTP), Port: &port,
		DefaultActions: []elbv2.Action{{Type: elbv2.ActionFixedResponse,
			FixedResponseConfig: &elbv2.FixedResponseActionConfig{StatusCode: "404", ContentType: ptr("text/plain"), MessageBody: ptr("not found")}}}})
	if err != nil {
		return "", "", err
	}
	if _, err := c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.Listeners[0].ListenerArn, Priority: ptr(int32(1)),
		Conditions: []elbv2.RuleCondition{{Field: ptr("path-pattern"), PathPatternConfig: &elbv2.ValuesConfig{Values: []string{"/pets/*"}}}},
		Actions:    []elbv2.Action{{Type: elbv2.ActionForward, TargetGroupArn: &tgArn}}}); err != nil {
		return "", "", err
	}
	if err := awaitHealthy(ctx, c, tgArn); err != nil {
		return "", "", err
	}
	desc := lb.LoadBalancers[0]
	snap := c.View().Snapshot()
	return net.JoinHostPort(snap.LoadBalancers[lbArn].Address, fmt.Sprint(port)), desc.DNSName, nil
}

func awaitHealthy(ctx context.Context, c *elbv2.Control, tgArn string) error {
	for {
		h, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tgArn})
		if err != nil {
			return err
		}
		if len(h.TargetHealthDescriptions) == 1 && h.TargetHealthDescriptions[0].TargetHealth.State == elbv2.HealthHealthy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }
