package ecs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// applicationAddresses is the ALB tests' range for load balancer
// addresses (127.0.220.0/24's lower half; the ELBv2 data plane's
// registration benchmark takes 127.0.220.128/26).
var applicationAddresses = netip.MustParsePrefix("127.0.220.0/25")

// answer is one request of a requestLoad.
type answer struct {
	sent   time.Time
	status int    // 0: no answer at all
	server string // the Server header: awselb/2.0 on the ALB's own pages
	host   string // the task that answered (200 only)
	err    error
}

// requestLoad sends GET / through a load balancer from a few clients, each
// on a kept-alive connection of its own, one request after the other,
// until stopped.
type requestLoad struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	answers []answer
}

func startRequests(url string, clients int) *requestLoad {
	l := &requestLoad{stop: make(chan struct{})}
	for range clients {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer c.CloseIdleConnections()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				a := request(c, url)
				l.mu.Lock()
				l.answers = append(l.answers, a)
				l.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	return l
}

func request(c *http.Client, url string) answer {
	a := answer{sent: time.Now()}
	resp, err := c.Get(url)
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	a.status, a.server = resp.StatusCode, resp.Header.Get("Server")
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.err = err
		return a
	}
	if a.status == http.StatusOK && resp.Header.Get("Content-Type") == "application/json" { // GET /
		var info struct{ Host string }
		if a.err = json.Unmarshal(b, &info); a.err == nil {
			a.host = info.Host
		}
	}
	return a
}

// finish stops the load and returns the requests that failed and the
// tasks that answered the others (task → answers).
func (l *requestLoad) finish() (failed []answer, answered map[string]int) {
	close(l.stop)
	l.wg.Wait()
	answered = map[string]int{}
	for _, a := range l.answers {
		if a.err != nil || a.status != http.StatusOK {
			failed = append(failed, a)
		} else {
			answered[a.host]++
		}
	}
	return failed, answered
}

func (a answer) String() string {
	if a.err != nil {
		return fmt.Sprintf("%s: %v", a.sent.Format("15:04:05.000"), a.err)
	}
	return fmt.Sprintf("%s: %d from %q", a.sent.Format("15:04:05.000"), a.status, a.server)
}

// A service of two tasks behind an ALB: both registered, healthy and
// reached; a rolling deployment under constant load fails no request;
// kill -9 of a task's process fails only requests the ALB had sent or was
// sending it before its target left rotation, each answered with the
// ALB's 502, and the task and its target are replaced; scaling in drains
// a target: requests in flight on it finish, then it is removed.
func TestServiceBehindApplicationLoadBalancer(t *testing.T) {
	f := newLoadBalancerFixture(t, elbtypes.LoadBalancerTypeEnumApplication, applicationAddresses)
	ctx := context.Background()
	v1 := f.register("web", f.appContainer(false))
	c2 := f.appContainer(false)
	c2.Environment = []types.KeyValuePair{{Name: aws.String("VERSION"), Value: aws.String("2")}}
	v2 := f.register("web", c2)
	if _, err := f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"),
		TaskDefinition: aws.String(v1), DesiredCount: aws.Int32(2), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc,
		LoadBalancers: f.loadBalancers(), HealthCheckGracePeriodSeconds: aws.Int32(15)}); err != nil {
		t.Fatal(err)
	}
	f.waitCompleted(60*time.Second, "web")
	want := map[string]elbtypes.TargetHealthStateEnum{}
	for _, task := range f.serviceTasks("web") {
		want[net.JoinHostPort(address(task), "8080")] = elbtypes.TargetHealthStateEnumHealthy
	}
	if got := f.targets(); !sameTargets(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	url := "http://" + f.addr + "/"
	seen := map[string]bool{}
	c := &http.Client{Timeout: 5 * time.Second}
	for range 20 {
		a := request(c, url)
		if a.status != http.StatusOK {
			t.Fatalf("through the ALB: %v", a)
		}
		seen[a.host] = true
	}
	if len(seen) != 2 {
		t.Fatalf("requests through the ALB reached %v, want both tasks", seen)
	}

	t.Run("rolling deployment under load", func(t *testing.T) {
		l := startRequests(url, 4)
		if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: aws.String(v2)}); err != nil {
			t.Fatal(err)
		}
		f.waitCompleted(90*time.Second, "web")
		eventually(t, 15*time.Second, "old targets drained", func() bool { return len(f.targets()) == 2 })
		failed, answered := l.finish()
		if len(failed) > 0 || len(answered) < 3 {
			t.Fatalf("under a rolling deployment: %d failed requests %v, answered by %v", len(failed), failed, answered)
		}
		t.Logf("rolling deployment: requests answered by %v", answered)
	})

	t.Run("kill -9 of a task", func(t *testing.T) { killTaskBehindALB(t, f, url) })

	t.Run("scale in drains", func(t *testing.T) { scaleInBehindALB(t, f, url) })
}

// killTaskBehindALB kill -9s one task's process while requests flow
// through the ALB. A request can fail only if the ALB sent it, or was
// about to, to the dead target: sent before the target left rotation
// (seen in DescribeTargetHealth, plus the data plane's propagation, which
// BenchmarkRegistrationToTraffic measures in milliseconds: 1 s allows
// for a loaded machine). Each failure is the ALB's own 502, never a
// dropped client connection; the task and its target are replaced.
func killTaskBehindALB(t *testing.T, f *lbFixture, url string) {
	var l *requestLoad
	victim, killed, gone := f.killTask(t, func() { l = startRequests(url, 4) })
	failed, answered := l.finish()
	inFlight := 0
	for _, a := range failed {
		if a.status != http.StatusBadGateway || a.server != "awselb/2.0" {
			t.Errorf("a request failed other than with the ALB's 502: %v", a)
		}
		if a.sent.After(gone.Add(time.Second)) {
			t.Errorf("a request sent %v after the killed task's target left rotation failed: %v", a.sent.Sub(gone), a)
		}
		if a.sent.Before(killed) {
			inFlight++
		}
	}
	t.Logf("kill -9: %d requests failed (%d of them sent before the kill), the bound: sent by %v after the kill (target out of rotation after %v); answered by %v",
		len(failed), inFlight, gone.Sub(killed)+time.Second, gone.Sub(killed), answered)
	stopped := f.waitFor("stopped", []string{aws.ToString(victim.TaskArn)}, func(task types.Task) bool { return *task.LastStatus == "STOPPED" })
	t.Logf("the killed task stopped: %s", aws.ToString(stopped[0].StoppedReason))
}

// scaleInBehindALB scales the service in while slow requests are in
// flight on both targets and constant load flows: the target of the task
// stopped drains (its slow requests finish), no request fails, and the
// drained target is then removed.
func scaleInBehindALB(t *testing.T, f *lbFixture, url string) {
	ctx := context.Background()
	l := startRequests(url, 2)
	slow := make(chan answer, 4)
	c := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		go func() { slow <- request(c, url+"sleep?ms=2000") }()
	}
	time.Sleep(300 * time.Millisecond) // the slow ones are with their targets
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	f.awaitOneDraining(t)
	for range 4 {
		if a := <-slow; a.status != http.StatusOK || a.err != nil {
			t.Errorf("a request in flight when its target began draining: %v", a)
		}
	}
	f.awaitDrainedGone(t)
	f.waitStable(30*time.Second, "web")
	failed, answered := l.finish()
	if len(failed) > 0 {
		t.Fatalf("while scaling in: %d failed requests %v", len(failed), failed)
	}
	t.Logf("scale in: requests answered by %v", answered)
}
