package ecs_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/ecs/ecstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// loadBalancerAddresses is this package's range for load balancer
// addresses: no other test package binds in it.
var loadBalancerAddresses = netip.MustParsePrefix("127.0.140.0/24")

// lbFixture is ECS with Elastic Load Balancing v2 and its data plane: an
// internal NLB with a TCP listener forwarding to an ip target group, or an
// ALB with an HTTP listener forwarding to an HTTP one.
type lbFixture struct {
	*svcFixture
	env      *ecstest.Env
	elb      *elb.Client
	protocol elbtypes.ProtocolEnum // the listener's and the target groups'
	tg       string
	addr     string // the listener's address
}

func newLBFixture(t *testing.T) *lbFixture {
	return newLoadBalancerFixture(t, elbtypes.LoadBalancerTypeEnumNetwork, loadBalancerAddresses)
}

func newLoadBalancerFixture(t *testing.T, typ elbtypes.LoadBalancerTypeEnum, addresses netip.Prefix) *lbFixture {
	app := runtimetest.BuildApp(t)
	env := ecstest.Start(t, ecstest.WithLoadBalancing(addresses))
	f := &lbFixture{svcFixture: serviceFixture(withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.StoreRevision, app: app})),
		env: env, elb: elb.NewFromConfig(env.AWS), protocol: elbtypes.ProtocolEnumTcp}
	if typ == elbtypes.LoadBalancerTypeEnumApplication {
		f.protocol = elbtypes.ProtocolEnumHttp
	}
	ctx := context.Background()
	lb, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: typ,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		t.Fatal(err)
	}
	lbArn := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	f.tg = f.targetGroup("web", elbtypes.TargetTypeEnumIp)
	port := int32(18080)
	if os.Geteuid() == 0 {
		port = 80
	}
	if _, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn),
		Protocol: f.protocol, Port: aws.Int32(port),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tg)}}}); err != nil {
		t.Fatal(err)
	}
	// An ALB reports no addresses: the one it serves on is the control
	// plane's (its DNS name resolves to it through Portolan's DNS).
	f.addr = net.JoinHostPort(env.ELBv2.View().Snapshot().LoadBalancers[lbArn].Address, strconv.Itoa(int(port)))
	return f
}

// targetGroup makes a group of the fixture's protocol (an HTTP one
// checked with GET /) checked every 5 s (2 to turn) that drains for 3 s.
func (f *lbFixture) targetGroup(name string, typ elbtypes.TargetTypeEnum) string {
	f.t.Helper()
	ctx := context.Background()
	in := &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: f.protocol,
		Port: aws.Int32(8080), TargetType: typ, VpcId: aws.String("vpc-1"), HealthCheckIntervalSeconds: aws.Int32(5),
		HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)}
	if f.protocol == elbtypes.ProtocolEnumHttp {
		in.HealthCheckPath = aws.String("/")
	}
	out, err := f.elb.CreateTargetGroup(ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if _, err := f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(arn),
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("3")}}}); err != nil {
		f.t.Fatal(err)
	}
	return arn
}

// targets is the group's targets: address:port → state.
func (f *lbFixture) targets() map[string]elbtypes.TargetHealthStateEnum {
	f.t.Helper()
	out, err := f.elb.DescribeTargetHealth(context.Background(), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tg)})
	if err != nil {
		f.t.Fatal(err)
	}
	m := map[string]elbtypes.TargetHealthStateEnum{}
	for _, d := range out.TargetHealthDescriptions {
		m[net.JoinHostPort(aws.ToString(d.Target.Id), strconv.Itoa(int(aws.ToInt32(d.Target.Port))))] = d.TargetHealth.State
	}
	return m
}

func (f *lbFixture) loadBalancers() []types.LoadBalancer {
	return []types.LoadBalancer{{TargetGroupArn: aws.String(f.tg), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}
}

// hello is GET / of the test app through the load balancer, on a
// connection of its own: the host that answered and its pid.
func hello(addr string) (host string, pid int, err error) {
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", 0, err
	}
	var info struct {
		Host string `json:"host"`
		PID  int    `json:"pid"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return "", 0, err
	}
	return info.Host, info.PID, nil
}

// load dials the load balancer over and over (at most n times, for at most
// d) until stopped, counting what answered and what failed.
type load struct {
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	ok       map[string]int
	failures []time.Time
	errs     []error
}

func startLoad(addr string, n int, d time.Duration) *load {
	l := &load{stop: make(chan struct{}), done: make(chan struct{}), ok: map[string]int{}}
	go func() {
		defer close(l.done)
		end := time.Now().Add(d)
		for i := 0; i < n && time.Now().Before(end); i++ {
			select {
			case <-l.stop:
				return
			default:
			}
			host, _, err := hello(addr)
			l.mu.Lock()
			if err != nil {
				l.failures = append(l.failures, time.Now())
				l.errs = append(l.errs, err)
			} else {
				l.ok[host]++
			}
			l.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return l
}

func (l *load) finish() {
	close(l.stop)
	<-l.done
}

// A service validates its loadBalancers as ECS does.
func TestServiceLoadBalancersValidation(t *testing.T) {
	f := newLBFixture(t)
	td := f.register("web", f.appContainer(false))
	instanceTG := f.targetGroup("instances", elbtypes.TargetTypeEnumInstance)
	unattached := f.targetGroup("unattached", elbtypes.TargetTypeEnumIp)
	lbs := func(tg, container string, port int32) []types.LoadBalancer {
		return []types.LoadBalancer{{TargetGroupArn: aws.String(tg), ContainerName: aws.String(container), ContainerPort: aws.Int32(port)}}
	}
	six := []types.LoadBalancer{}
	for range 6 {
		six = append(six, f.loadBalancers()...)
	}
	for _, tt := range []struct {
		name string
		lbs  []types.LoadBalancer
		msg  string
	}{
		{"missing target group", lbs(f.tg+"0", "app", 8080), "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions."},
		{"unknown container", lbs(f.tg, "nope", 8080), "The container nope does not exist in the task definition."},
		{"unmapped port", lbs(f.tg, "app", 9090), "The container app did not have a container port 9090 defined."},
		{"instance target group under awsvpc", lbs(instanceTG, "app", 8080), "The provided target group " + instanceTG + " has target type instance, which is incompatible with the awsvpc network mode specified in the task definition."},
		{"target group without a load balancer", lbs(unattached, "app", 8080), "The target group with targetGroupArn " + unattached + " does not have an associated load balancer."},
		{"more than five", six, "loadBalancers can contain at most 5 target groups."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.ecs.CreateService(context.Background(), &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("bad"),
				TaskDefinition: aws.String(td), DesiredCount: aws.Int32(1), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc, LoadBalancers: tt.lbs})
			wantECSError(t, err, "InvalidParameterException", tt.msg)
		})
	}
}

// A service of two tasks behind an NLB: both registered and healthy and
// reached; a rolling deployment under constant load fails no connection;
// kill -9 of a task's process fails only what went to it until it was
// deregistered, and the task and its target are replaced; scaling in
// drains a target, then removes it.
func TestServiceBehindNetworkLoadBalancer(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	v1 := f.register("web", f.appContainer(false))
	c2 := f.appContainer(false)
	c2.Environment = []types.KeyValuePair{{Name: aws.String("VERSION"), Value: aws.String("2")}}
	v2 := f.register("web", c2)
	out, err := f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"),
		TaskDefinition: aws.String(v1), DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc,
		LoadBalancers: f.loadBalancers(), HealthCheckGracePeriodSeconds: aws.Int32(15)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Service.LoadBalancers) != 1 || aws.ToInt32(out.Service.HealthCheckGracePeriodSeconds) != 15 {
		t.Fatalf("service shows loadBalancers %+v, grace %d", out.Service.LoadBalancers, aws.ToInt32(out.Service.HealthCheckGracePeriodSeconds))
	}
	f.waitCompleted(60*time.Second, "web")
	want := map[string]elbtypes.TargetHealthStateEnum{}
	for _, task := range f.serviceTasks("web") {
		want[net.JoinHostPort(address(task), "8080")] = elbtypes.TargetHealthStateEnumHealthy
	}
	if got := f.targets(); !sameTargets(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for range 40 {
		host, _, err := hello(f.addr)
		if err != nil {
			t.Fatal(err)
		}
		seen[host] = true
	}
	if len(seen) != 2 {
		t.Fatalf("connections through the NLB reached %v, want both tasks", seen)
	}

	t.Run("rolling deployment under load", func(t *testing.T) {
		l := startLoad(f.addr, 5000, 120*time.Second)
		if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: aws.String(v2)}); err != nil {
			t.Fatal(err)
		}
		f.waitCompleted(90*time.Second, "web")
		eventually(t, 15*time.Second, "old targets drained", func() bool { return len(f.targets()) == 2 })
		l.finish()
		if len(l.failures) > 0 || len(l.ok) < 3 {
			t.Fatalf("under a rolling deployment: %d failed connections (%v), answered by %v", len(l.failures), l.errs, l.ok)
		}
		t.Logf("rolling deployment: connections answered by %v", l.ok)
	})

	t.Run("kill -9 of a task", func(t *testing.T) { killTaskUnderLoad(t, f) })

	t.Run("scale in", func(t *testing.T) {
		if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), DesiredCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
		f.awaitOneDraining(t)
		f.awaitDrainedGone(t)
		f.waitStable(30*time.Second, "web")
	})
}

// killTaskUnderLoad kill -9s one task's process while connections flow
// through the NLB: only connections that met the dead target before it
// left rotation may fail, and the task and its target are replaced.
func killTaskUnderLoad(t *testing.T, f *lbFixture) {
	var l *load
	victim, killed, gone := f.killTask(t, func() { l = startLoad(f.addr, 5000, 120*time.Second) })
	l.finish()
	// New connections can meet the dead target only until the agent
	// has seen the process exit and deregistered it.
	for _, at := range l.failures {
		if at.After(gone.Add(time.Second)) {
			t.Fatalf("a connection failed %v after the killed task's target left rotation: %v", at.Sub(gone), l.errs)
		}
	}
	t.Logf("kill -9: %d connections failed within %v of the kill (target out of rotation after %v); answered by %v",
		len(l.failures), gone.Sub(killed)+time.Second, gone.Sub(killed), l.ok)
	stopped := f.waitFor("stopped", []string{aws.ToString(victim.TaskArn)}, func(task types.Task) bool { return *task.LastStatus == "STOPPED" })
	t.Logf("the killed task stopped: %s", aws.ToString(stopped[0].StoppedReason))
}

// killTask kill -9s the process of one of the service's tasks half a
// second after startLoad began its load, and returns once the task's
// target has left rotation (gone: when DescribeTargetHealth showed it
// draining or removed) and its replacement's target is healthy.
func (f *lbFixture) killTask(t *testing.T, startLoad func()) (victim types.Task, killed, gone time.Time) {
	victim = f.serviceTasks("web")[0]
	victimTarget := net.JoinHostPort(address(victim), "8080")
	_, pid, err := hello(victimTarget)
	if err != nil {
		t.Fatal(err)
	}
	startLoad()
	time.Sleep(500 * time.Millisecond)
	killed = time.Now()
	if err := killPID(pid); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "the killed task's target leaving rotation", func() bool {
		st, ok := f.targets()[victimTarget]
		if !ok || st == elbtypes.TargetHealthStateEnumDraining {
			gone = time.Now()
			return true
		}
		return false
	})
	f.waitCompleted(90*time.Second, "web")
	eventually(t, 60*time.Second, "the replacement's target healthy", func() bool {
		got := f.targets()
		if len(got) != 2 {
			return false
		}
		for k, st := range got {
			if k == victimTarget || st != elbtypes.TargetHealthStateEnumHealthy {
				return false
			}
		}
		return true
	})
	return victim, killed, gone
}

// awaitOneDraining waits until one of the group's targets is draining
// (a task scaled in).
func (f *lbFixture) awaitOneDraining(t *testing.T) {
	eventually(t, 15*time.Second, "one target draining", func() bool {
		n := 0
		for _, st := range f.targets() {
			if st == elbtypes.TargetHealthStateEnumDraining {
				n++
			}
		}
		return n == 1
	})
}

// awaitDrainedGone waits until the group is down to one healthy target.
func (f *lbFixture) awaitDrainedGone(t *testing.T) {
	eventually(t, 20*time.Second, "the drained target gone", func() bool {
		got := f.targets()
		if len(got) != 1 {
			return false
		}
		for _, st := range got {
			return st == elbtypes.TargetHealthStateEnumHealthy
		}
		return false
	})
}

func sameTargets(a, b map[string]elbtypes.TargetHealthStateEnum) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
