// Command restapi is the Portolan side of bench/restapi.sh.
//
//	restapi -addr 127.0.0.1:0 -backend 127.0.0.1:PORT -port 18095
//
// runs, in one process as internal/server does, a store, ELBv2's control
// plane and data plane, the REST API control plane and the REST gateway,
// then configures through the Go APIs what a user would: an internal NLB
// with a TCP listener on -port and an ip target group holding the
// backend, a VPC link to it, a REST API whose {proxy+} resource has an ANY
// method integrated HTTP_PROXY through the link (the URI names the NLB's
// DNS name), deployed to the stage prod. Once the link is AVAILABLE and
// the target healthy it prints "ready <addr> <host>"; the host is the Host
// header that selects the API. The backend is bench/gateway's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
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
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/gateway"
	"github.com/portolan/portolan/internal/store"
)

// lbAddresses is where the bench's NLB gets its address: a corner of the
// REST gateway tests' /24 they do not use with this port.
var lbAddresses = netip.MustParsePrefix("127.0.200.192/26")

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "the gateway's listen address")
	backend := flag.String("backend", "", "the backend's ip:port")
	port := flag.Int("port", 18095, "the NLB listener's port")
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
	if err := run(ctx, *addr, *backend, int32(*port)); err != nil && !errors.Is(err, context.Canceled) {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr, backend string, port int32) error {
	target, err := netip.ParseAddrPort(backend)
	if err != nil {
		return fmt.Errorf("-backend: %w", err)
	}
	dir, err := os.MkdirTemp("", "restapi-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"), store.BoltOptions{})
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	const region, account = "us-east-1", "000000000000"
	lbs := elbv2.New(elbv2.Config{Region: region, AccountID: account, Store: st, Logger: logger, Addresses: lbAddresses})
	apis := restapi.New(restapi.Config{Region: region, AccountID: account, Store: st, Logger: logger, LoadBalancers: nlbs{lbs}})
	// The account-level limit (10,000/s) is off: the benchmark measures
	// the gateway, not AWS's quota.
	gw := gateway.New(gateway.Config{APIs: apis.View(), LoadBalancers: gateway.ELBLoadBalancers{View: lbs.View()}, Region: region,
		AccountID: account, Logger: logger, AccountThrottle: gateway.Throttle{Rate: -1}})

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return lbs.Run(ctx) })
	g.Go(func() error { return dataplane.New(dataplane.Config{Control: lbs, Logger: logger}).Run(ctx) })
	g.Go(func() error { return apis.Run(ctx) })
	g.Go(func() error { return gw.Run(ctx) })
	g.Go(func() error { return gw.Serve(ctx, ln) })
	g.Go(func() error {
		id, err := configure(ctx, lbs, apis, target, port)
		if err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := gw.Sync(sctx); err != nil {
			return err
		}
		fmt.Printf("ready %s %s.%s\n", ln.Addr(), id, gateway.DefaultDomain)
		<-ctx.Done()
		fmt.Fprintf(os.Stderr, "restapi: %d upstream dials\n", gw.UpstreamDials())
		return ctx.Err()
	})
	return g.Wait()
}

// nlbs answers the VPC link reconciler from ELBv2's Go API.
type nlbs struct{ c *elbv2.Control }

func (n nlbs) LoadBalancerType(ctx context.Context, arn string) (string, bool, error) {
	out, err := n.c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if errors.Is(err, elbv2.ErrLoadBalancerNotFound) {
		return "", false, nil
	}
	if err != nil || len(out.LoadBalancers) == 0 {
		return "", false, err
	}
	return out.LoadBalancers[0].Type, true, nil
}

// configure builds the NLB, the VPC link and the API, and returns the
// API's id once the link is AVAILABLE and the target healthy.
func configure(ctx context.Context, lbs *elbv2.Control, apis *restapi.Control, target netip.AddrPort, port int32) (string, error) {
	if _, err := lbs.View().Next(ctx, -1); err != nil {
		return "", err
	}
	lb, err := lbs.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: "bench", Type: ptr(elbv2.TypeNetwork),
		Scheme: ptr(elbv2.SchemeInternal), Subnets: []string{"subnet-1"}})
	if err != nil {
		return "", err
	}
	tg, err := lbs.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: "bench", Protocol: ptr(elbv2.ProtocolTCP),
		Port: ptr(int32(target.Port())), TargetType: ptr(elbv2.TargetTypeIP),
		HealthCheckSettings: elbv2.HealthCheckSettings{HealthCheckIntervalSeconds: ptr(int32(5)),
			HealthCheckTimeoutSeconds: ptr(int32(2)), HealthyThresholdCount: ptr(int32(2))}})
	if err != nil {
		return "", err
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	if _, err := lbs.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tgArn,
		Targets: []elbv2.TargetDescription{{Id: target.Addr().String(), Port: ptr(int32(target.Port()))}}}); err != nil {
		return "", err
	}
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	if _, err := lbs.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: ptr(elbv2.ProtocolTCP), Port: ptr(port),
		DefaultActions: []elbv2.Action{{Type: "forward", TargetGroupArn: &tgArn}}}); err != nil {
		return "", err
	}
	link, err := apis.CreateVpcLink(ctx, &restapi.CreateVpcLinkInput{Name: ptr("bench"), TargetArns: []string{lbArn}})
	if err != nil {
		return "", err
	}
	api, err := apis.CreateRestApi(ctx, &restapi.CreateRestApiInput{Name: ptr("bench")})
	if err != nil {
		return "", err
	}
	proxy, err := apis.CreateResource(ctx, &restapi.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: ptr("{proxy+}")})
	if err != nil {
		return "", err
	}
	if _, err := apis.PutMethod(ctx, &restapi.PutMethodInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: "ANY",
		AuthorizationType: ptr("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}}); err != nil {
		return "", err
	}
	uri := fmt.Sprintf("http://%s:%d/{proxy}", lb.LoadBalancers[0].DNSName, port)
	if _, err := apis.PutIntegration(ctx, &restapi.PutIntegrationInput{MethodRef: restapi.MethodRef{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: "ANY"},
		Type: ptr("HTTP_PROXY"), IntegrationMethod: ptr("ANY"), Uri: &uri, ConnectionType: ptr("VPC_LINK"), ConnectionId: &link.Id,
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}); err != nil {
		return "", err
	}
	if _, err := apis.CreateDeployment(ctx, &restapi.CreateDeploymentInput{RestApiId: api.Id, StageName: ptr("prod")}); err != nil {
		return "", err
	}
	if err := await(ctx, func() (bool, error) {
		s := apis.View().Snapshot()
		return s != nil && s.VpcLink(link.Id) != nil && s.VpcLink(link.Id).Status == restapi.VpcLinkAvailable, nil
	}); err != nil {
		return "", err
	}
	return api.Id, await(ctx, func() (bool, error) {
		h, err := lbs.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tgArn})
		return err == nil && len(h.TargetHealthDescriptions) == 1 && h.TargetHealthDescriptions[0].TargetHealth.State == "healthy", err
	})
}

// await polls done until it is true, for at most 30 s.
func await(ctx context.Context, done func() (bool, error)) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("timed out configuring the benchmark")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }
