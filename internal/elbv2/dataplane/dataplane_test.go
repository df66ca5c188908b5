package dataplane_test

import (
	"bufio"
	"context"
	"maps"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// backend is a TCP target: it greets each connection with its name, then
// echoes lines back.
type backend struct {
	name string
	port int32
}

func startBackend(t *testing.T, name string) backend {
	t.Helper()
	addr := awstest.ServeTCP(t, func(c net.Conn) {
		c.Write([]byte(name + "\n"))
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			c.Write([]byte(line))
		}
	})
	return backend{name: name, port: int32(addr.Port())}
}

// conn is a client connection through the load balancer, and the target
// that answered it.
type conn struct {
	net.Conn
	r      *bufio.Reader
	target string
}

func dial(t *testing.T, addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	name, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, err
	}
	return &conn{Conn: c, r: r, target: strings.TrimSpace(name)}, nil
}

func (c *conn) echo(line string) error {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return err
	}
	got, err := c.r.ReadString('\n')
	if err == nil && got != line+"\n" {
		err = &net.OpError{Op: "echo", Err: os.ErrInvalid}
	}
	return err
}

func waitHealth(t *testing.T, c *elb.Client, tg string, want map[string]types.TargetHealthStateEnum) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		out, err := c.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]types.TargetHealthStateEnum{}
		for _, d := range out.TargetHealthDescriptions {
			got[strconv.Itoa(int(aws.ToInt32(d.Target.Port)))] = d.TargetHealth.State
		}
		match := len(got) == len(want)
		for k, v := range want {
			match = match && got[k] == v
		}
		if match {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("target health %v, want %v", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// An internal NLB with a TCP listener and an ip target group of two real
// targets: health checks turn them healthy, connections through the load
// balancer's own address reach both; a deregistered target drains (its
// open connection keeps working, new ones go elsewhere) and its
// connections end when the delay has passed.
func TestNetworkLoadBalancer(t *testing.T) {
	e := elbv2test.Start(t, elbv2test.WithAddresses(netip.MustParsePrefix("127.0.120.0/24")), elbv2test.WithDataplane())
	c := e.Client()
	ctx := context.Background()
	a, b := startBackend(t, "a"), startBackend(t, "b")

	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	tgOut, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(a.port), TargetType: types.TargetTypeEnumIp, HealthCheckIntervalSeconds: aws.Int32(5),
		HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	tg := aws.ToString(tgOut.TargetGroups[0].TargetGroupArn)
	if _, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(tg),
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []types.TargetDescription{
		{Id: aws.String("127.0.0.1"), Port: aws.Int32(a.port)}, {Id: aws.String("127.0.0.1"), Port: aws.Int32(b.port)}}}); err != nil {
		t.Fatal(err)
	}
	port := int32(18080)
	if os.Geteuid() == 0 {
		port = 80 // as in AWS; a non-root run uses a port it may bind
	}
	if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: types.ProtocolEnumTcp, Port: aws.Int32(port),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}}); err != nil {
		t.Fatal(err)
	}
	pa, pb := strconv.Itoa(int(a.port)), strconv.Itoa(int(b.port))
	waitHealth(t, c, tg, map[string]types.TargetHealthStateEnum{pa: types.TargetHealthStateEnumHealthy, pb: types.TargetHealthStateEnumHealthy})
	if err := e.Dataplane.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	desc, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)}})
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(aws.ToString(desc.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address), strconv.Itoa(int(port)))
	seen := map[string]int{}
	for range 40 {
		cn, err := dial(t, addr)
		if err != nil {
			t.Fatalf("through %s: %v", addr, err)
		}
		seen[cn.target]++
		cn.Close()
	}
	if seen["a"] == 0 || seen["b"] == 0 {
		t.Fatalf("connections reached %v, want both targets", seen)
	}

	// Hold a connection to a, then deregister a.
	var held *conn
	for held == nil {
		cn, err := dial(t, addr)
		if err != nil {
			t.Fatal(err)
		}
		seen[cn.target]++
		if cn.target == "a" {
			held = cn
		} else {
			cn.Close()
		}
	}
	defer held.Close()
	waitFlowSeries(t, e.Dataplane, addr, tg, map[string]flowSeries{"127.0.0.1:" + strconv.Itoa(int(a.port)): {seen["a"], 1},
		"127.0.0.1:" + strconv.Itoa(int(b.port)): {seen["b"], 0}})
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(a.port)}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Dataplane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range out.TargetHealthDescriptions {
		if aws.ToInt32(d.Target.Port) == a.port && d.TargetHealth.State != types.TargetHealthStateEnumDraining {
			t.Fatalf("deregistered target is %s, want draining", d.TargetHealth.State)
		}
	}
	for range 20 {
		cn, err := dial(t, addr)
		if err != nil {
			t.Fatal(err)
		}
		if cn.target != "b" {
			t.Fatalf("a new connection reached draining target %s", cn.target)
		}
		cn.Close()
	}
	if err := held.echo("still here"); err != nil {
		t.Fatalf("an open connection to a draining target broke before the delay: %v", err)
	}
	// After the 2 s delay the draining target's connections are closed.
	held.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := held.r.ReadString('\n'); err == nil {
		t.Fatal("the draining target's connection outlived the deregistration delay")
	}
	waitHealth(t, c, tg, map[string]types.TargetHealthStateEnum{pb: types.TargetHealthStateEnumHealthy})
}

// flowSeries are one target's NLB connection series.
type flowSeries struct{ new, active int }

// waitFlowSeries scrapes the data plane's Prometheus series until the
// listener's group's targets show want (connections the proxy sees
// closed a moment after the client closed them).
func waitFlowSeries(t *testing.T, d *dataplane.Dataplane, listener, group string, want map[string]flowSeries) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(dataplane.RequestMetrics{Dataplane: d})
	var got map[string]flowSeries
	for deadline := time.Now().Add(30 * time.Second); !maps.Equal(got, want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("NLB flow series of %s %s: %v, want %v", listener, group, got, want)
		}
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]flowSeries{}
		for _, f := range fams {
			for _, m := range f.GetMetric() {
				l := map[string]string{}
				for _, lp := range m.GetLabel() {
					l[lp.GetName()] = lp.GetValue()
				}
				if l["listener"] != listener || l["target_group"] != group {
					continue
				}
				fs := got[l["target"]]
				switch f.GetName() {
				case "portolan_elb_new_flows_total":
					fs.new = int(m.GetCounter().GetValue())
				case "portolan_elb_active_flows":
					fs.active = int(m.GetGauge().GetValue())
				default:
					continue
				}
				got[l["target"]] = fs
			}
		}
	}
}
