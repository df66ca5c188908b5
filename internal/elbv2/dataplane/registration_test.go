package dataplane_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// firstTraffic is a target that notes when its health checks made it
// healthy and when traffic first reached it: each load balancer's group
// checks it on a path of its own (GET /health-<lb>), and its traffic
// asks for /<lb>.
type firstTraffic struct {
	addr      netip.AddrPort
	threshold int                      // probes that make a target healthy (HealthyThreshold)
	sent      map[string]*atomic.Int64 // what each load balancer's load has sent so far

	mu      sync.Mutex
	probes  map[string]int
	healthy map[string]time.Time // the probe that turned it healthy
	first   map[string]time.Time // the first request of the load balancer's traffic
	// between counts what the load sent from the healthy transition to
	// the first request: a long delay over one or two requests is the
	// load's own pause (a busy machine), not the load balancer's.
	between map[string]int64
}

func startFirstTraffic(b testing.TB, threshold int, sent map[string]*atomic.Int64) *firstTraffic {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ft := &firstTraffic{addr: netip.MustParseAddrPort(ln.Addr().String()), threshold: threshold, sent: sent,
		probes: map[string]int{}, healthy: map[string]time.Time{}, first: map[string]time.Time{}, between: map[string]int64{}}
	srv := &http.Server{Handler: ft}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return ft
}

func (ft *firstTraffic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	ft.mu.Lock()
	if lb, ok := strings.CutPrefix(r.URL.Path, "/health-"); ok {
		ft.probes[lb]++
		if ft.probes[lb] == ft.threshold {
			ft.healthy[lb] = now
			ft.between[lb] = -ft.sent[lb].Load()
		}
	} else if lb := r.URL.Path[1:]; ft.first[lb].IsZero() {
		ft.first[lb] = now
		ft.between[lb] += ft.sent[lb].Load()
	}
	ft.mu.Unlock()
	io.WriteString(w, "ok")
}

// delay is the time from the healthy transition to the first request of
// lb's traffic, once both happened.
func (ft *firstTraffic) delay(lb string) (time.Duration, bool) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	h, okH := ft.healthy[lb]
	f, okF := ft.first[lb]
	return f.Sub(h), okH && okF
}

// BenchmarkRegistrationToTraffic measures how soon a target that turns
// healthy receives traffic, through an ALB (HTTP listener, keep-alive
// requests in a loop) and through an NLB (TCP listener, a new connection
// per request in a loop). Each group keeps one healthy target throughout,
// so a new target gets nothing before it is healthy (no fail-open); each
// round registers a new target in both groups and takes, per load
// balancer, the time from the health check that made it healthy (as its
// HealthyThresholdCount-th probe reached it) to the first request of that
// load balancer's traffic. The health check interval (5 s, AWS's least)
// is not measured; the report of the verdict, its write to the store, the
// snapshot and the data plane's update are. A round takes about one
// interval: run it with -benchtime Nx. Target: < 50 ms.
func BenchmarkRegistrationToTraffic(b *testing.B) {
	e := elbv2test.Start(b, elbv2test.WithAddresses(netip.MustParsePrefix("127.0.220.128/26")), elbv2test.WithDataplane())
	c, ctx := e.Client(), context.Background()
	const port = 18084
	groups := map[string]string{}
	addrs := map[string]string{}
	for _, lb := range []struct {
		name                 string
		typ                  types.LoadBalancerTypeEnum
		protocol, tgProtocol types.ProtocolEnum
	}{
		{"alb", types.LoadBalancerTypeEnumApplication, types.ProtocolEnumHttp, types.ProtocolEnumHttp},
		{"nlb", types.LoadBalancerTypeEnumNetwork, types.ProtocolEnumTcp, types.ProtocolEnumTcp},
	} {
		out, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(lb.name), Type: lb.typ,
			Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-a", "subnet-b"}})
		if err != nil {
			b.Fatal(err)
		}
		lbArn := aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
		tg, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(lb.name), Protocol: lb.tgProtocol,
			Port: aws.Int32(80), VpcId: aws.String("vpc-1"), TargetType: types.TargetTypeEnumIp,
			HealthCheckProtocol: types.ProtocolEnumHttp, HealthCheckPath: aws.String("/health-" + lb.name),
			HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2)})
		if err != nil {
			b.Fatal(err)
		}
		groups[lb.name] = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		if _, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(groups[lb.name]),
			Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("0")}}}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Protocol: lb.protocol, Port: aws.Int32(port),
			DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(groups[lb.name])}}}); err != nil {
			b.Fatal(err)
		}
		addrs[lb.name] = net.JoinHostPort(e.Control.View().Snapshot().LoadBalancers[lbArn].Address, strconv.Itoa(port))
	}
	register := func(ft *firstTraffic, deregister bool) {
		for _, tg := range groups {
			t := []types.TargetDescription{{Id: aws.String(ft.addr.Addr().String()), Port: aws.Int32(int32(ft.addr.Port()))}}
			var err error
			if deregister {
				_, err = c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: t})
			} else {
				_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: t})
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	stop := make(chan struct{})
	var loops sync.WaitGroup
	// Requests through the ALB, connections through the NLB.
	sent := map[string]*atomic.Int64{"alb": new(atomic.Int64), "nlb": new(atomic.Int64)}
	loops.Add(2)
	go func() { defer loops.Done(); requestLoop(stop, "http://"+addrs["alb"]+"/alb", sent["alb"]) }()
	go func() { defer loops.Done(); connectionLoop(stop, addrs["nlb"], sent["nlb"]) }()
	defer func() { close(stop); loops.Wait() }()
	anchor := startFirstTraffic(b, 2, sent)
	register(anchor, false)
	awaitFirstTraffic(b, anchor, addrs, nil)

	rounds := map[string][]round{}
	start := time.Now()
	sent["alb"].Store(0)
	sent["nlb"].Store(0)
	for b.Loop() {
		ft := startFirstTraffic(b, 2, sent)
		register(ft, false)
		awaitFirstTraffic(b, ft, addrs, rounds)
		register(ft, true)
	}
	// The load's own spacing bounds the resolution: a new target is next
	// in round robin at most two requests after it is served.
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(sent["alb"].Load())/elapsed, "alb-req/s")
	b.ReportMetric(float64(sent["nlb"].Load())/elapsed, "nlb-conn/s")
	for _, lb := range []string{"alb", "nlb"} {
		r := rounds[lb]
		slices.SortFunc(r, func(a, b round) int { return int(a.delay - b.delay) })
		b.ReportMetric(float64(r[len(r)/2].delay.Microseconds())/1000, lb+"-p50-ms")
		b.ReportMetric(float64(r[len(r)-1].delay.Microseconds())/1000, lb+"-max-ms")
		b.Logf("%s: healthy → first traffic (requests the load sent meanwhile) over %d rounds: %v", lb, len(r), r)
	}
}

// round is one target's delay from healthy to its first request, and the
// requests its load balancer's load sent meanwhile.
type round struct {
	delay   time.Duration
	between int64
}

func (r round) String() string {
	return fmt.Sprintf("%v (%d)", r.delay.Round(10*time.Microsecond), r.between)
}

// awaitFirstTraffic waits until traffic of every load balancer reached
// ft, noting each round in rounds.
func awaitFirstTraffic(b *testing.B, ft *firstTraffic, addrs map[string]string, rounds map[string][]round) {
	deadline := time.Now().Add(30 * time.Second)
	for lb := range addrs {
		for {
			if d, ok := ft.delay(lb); ok {
				if rounds != nil {
					ft.mu.Lock()
					rounds[lb] = append(rounds[lb], round{d, ft.between[lb]})
					ft.mu.Unlock()
				}
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s: traffic never reached a target healthy since %v", lb, ft.healthy[lb])
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// requestLoop sends GET url over a kept-alive connection until stop,
// counting the requests in sent.
func requestLoop(stop chan struct{}, url string, sent *atomic.Int64) {
	c := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-stop:
			return
		default:
		}
		if resp, err := c.Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		sent.Add(1)
	}
}

// connectionLoop sends GET /nlb on a new connection to addr until stop,
// counting the connections in sent.
func connectionLoop(stop chan struct{}, addr string, sent *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(nc, "GET /nlb HTTP/1.1\r\nHost: nlb\r\nConnection: close\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(nc), nil); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		nc.Close()
		sent.Add(1)
	}
}
