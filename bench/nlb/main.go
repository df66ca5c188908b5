// Command nlb is the Portolan side of bench/nlb.sh and bench/alb.sh, in
// four modes.
//
//	nlb -mode backend -addr 127.0.0.1:0
//
// is the target both proxies forward to: it echoes every byte back.
//
//	nlb -mode nlb -backend 127.0.0.1:PORT -port 18090
//
// runs a store, ELBv2's control plane and its data plane in one process
// (as internal/server does), then configures through the Go API what a
// user would: an internal NLB, a TCP target group of type ip with the
// backend registered, and a TCP listener; it waits until the target is
// healthy. Both modes print "ready <addr>" once they serve.
//
//	nlb -mode alb -backend 127.0.0.1:PORT -port 18092
//
// does the same with an Application Load Balancer (alb.go) and prints
// "ready <addr> <host>", the host its DNS name.
//
//	nlb -mode load -addr ADDR -phase stream|conns -c 16 -d 5s
//
// drives a proxy: "stream" keeps c connections writing 64 KiB chunks (and
// reading the echo) for d, "conns" has c clients open a connection, send
// 64 bytes, read them back and close, over and over. It prints one line:
// bytes, connections, seconds, p50/p99 of a connection's round trip.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/store"
)

func main() {
	mode := flag.String("mode", "nlb", "backend, nlb, alb or load")
	addr := flag.String("addr", "127.0.0.1:0", "backend: listen address; load: the proxy's address")
	backend := flag.String("backend", "", "nlb: the backend's ip:port")
	port := flag.Int("port", 18090, "nlb: the listener's port")
	phase := flag.String("phase", "stream", "load: stream or conns")
	conns := flag.Int("c", 16, "load: concurrent connections")
	dur := flag.Duration("d", 5*time.Second, "load: how long")
	cpuProfile := flag.String("cpuprofile", "", "nlb, alb: write a CPU profile of the whole run to this file")
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
	var err error
	switch *mode {
	case "backend":
		err = runBackend(ctx, *addr)
	case "nlb":
		err = runLoadBalancer(ctx, *backend, *port, configureNLB)
	case "alb":
		err = runLoadBalancer(ctx, *backend, *port, configureALB)
	case "load":
		err = runLoad(*addr, *phase, *conns, *dur)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func runBackend(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("ready", ln.Addr())
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			return ctx.Err()
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

// configureFunc sets up a load balancer in front of target and returns
// what the mode prints after "ready": its listener's address, and for an
// ALB the DNS name.
type configureFunc func(ctx context.Context, c *elbv2.Control, target netip.AddrPort, port int32) (string, error)

// runLoadBalancer runs a store, ELBv2's control plane and its data plane
// in one process (as internal/server does), configures them, and serves
// until ctx ends.
func runLoadBalancer(ctx context.Context, backend string, port int, configure configureFunc) error {
	target, err := netip.ParseAddrPort(backend)
	if err != nil {
		return fmt.Errorf("-backend: %w", err)
	}
	dir, err := os.MkdirTemp("", "lb-bench")
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
		if _, err := c.View().Next(ctx, -1); err != nil {
			return err
		}
		ready, err := configure(ctx, c, target, int32(port))
		if err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := dp.Sync(sctx); err != nil {
			return err
		}
		fmt.Println("ready", ready)
		<-ctx.Done()
		return ctx.Err()
	})
	return g.Wait()
}

// addresses is the benches' range for load balancer addresses, apart from
// every test's.
var addresses = netip.MustParsePrefix("127.0.160.0/24")

// configureNLB makes the NLB and waits for its target to be healthy.
func configureNLB(ctx context.Context, c *elbv2.Control, target netip.AddrPort, port int32) (string, error) {
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: "bench", Type: ptr(elbv2.TypeNetwork),
		Scheme: ptr(elbv2.SchemeInternal), Subnets: []string{"subnet-1"}})
	if err != nil {
		return "", err
	}
	tgArn, err := targetGroup(ctx, c, elbv2.ProtocolTCP, target, elbv2.HealthCheckSettings{})
	if err != nil {
		return "", err
	}
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	if _, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: ptr(elbv2.ProtocolTCP), Port: &port,
		DefaultActions: []elbv2.Action{{Type: elbv2.ActionForward, TargetGroupArn: &tgArn}}}); err != nil {
		return "", err
	}
	if err := awaitHealthy(ctx, c, tgArn); err != nil {
		return "", err
	}
	snap := c.View().Snapshot()
	return net.JoinHostPort(snap.LoadBalancers[lbArn].Address, fmt.Sprint(port)), nil
}

// targetGroup makes an ip target group of protocol, checked every 5 s (2
// checks to turn healthy) as hc says otherwise, with target registered.
func targetGroup(ctx context.Context, c *elbv2.Control, protocol string, target netip.AddrPort, hc elbv2.HealthCheckSettings) (string, error) {
	hc.HealthCheckIntervalSeconds, hc.HealthCheckTimeoutSeconds, hc.HealthyThresholdCount = ptr(int32(5)), ptr(int32(2)), ptr(int32(2))
	tg, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: "bench", Protocol: &protocol,
		Port: ptr(int32(target.Port())), TargetType: ptr(elbv2.TargetTypeIP), HealthCheckSettings: hc})
	if err != nil {
		return "", err
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	_, err = c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tgArn,
		Targets: []elbv2.TargetDescription{{Id: target.Addr().String(), Port: ptr(int32(target.Port()))}}})
	return tgArn, err
}

// awaitHealthy waits until the group's one target is healthy.
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

func runLoad(addr, phase string, n int, d time.Duration) error {
	var (
		bytes, conns atomic.Int64
		mu           sync.Mutex
		lat          []time.Duration
	)
	deadline := time.Now().Add(d)
	var g errgroup.Group
	for range n {
		g.Go(func() error {
			if phase == "stream" {
				return stream(addr, deadline, &bytes)
			}
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			msg, buf := make([]byte, 64), make([]byte, 64)
			for time.Now().Before(deadline) {
				start := time.Now()
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return err
				}
				if _, err := c.Write(msg); err != nil {
					c.Close()
					return err
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					c.Close()
					return err
				}
				c.Close()
				mine = append(mine, time.Since(start))
				conns.Add(1)
				bytes.Add(64)
			}
			return nil
		})
	}
	start := time.Now()
	if err := g.Wait(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	p50, p99 := 0.0, 0.0
	if len(lat) > 0 {
		slices.Sort(lat)
		p50 = float64(lat[len(lat)/2].Microseconds()) / 1000
		p99 = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
	fmt.Printf("bytes=%d conns=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f\n", bytes.Load(), conns.Load(), secs, p50, p99)
	return nil
}

// stream writes 64 KiB chunks until deadline while a reader drains the
// echo; bytes counts what came back.
func stream(addr string, deadline time.Time, bytes *atomic.Int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			bytes.Add(int64(n))
			if err != nil {
				done <- nil
				return
			}
		}
	}()
	chunk := make([]byte, 64<<10)
	for time.Now().Before(deadline) {
		if _, err := c.Write(chunk); err != nil {
			return err
		}
	}
	c.(*net.TCPConn).CloseWrite()
	return <-done
}
