package ecs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestCircuitBreakerRollback: a deployment whose container exits at once
// trips the circuit breaker, which rolls back to the last completed
// deployment; the service ends on the old revision and the bad deployment
// shows FAILED while the rollback runs.
func TestCircuitBreakerRollback(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	good := f.register("breaker", f.appContainer(false))
	crash := f.appContainer(false)
	crash.EntryPoint, crash.Command = []string{f.app}, []string{"exit", "1"}
	bad := f.register("breaker", crash)
	f.createService("web", good, serviceOpts{desired: 2, config: &types.DeploymentConfiguration{
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
	}})
	completed := *f.waitCompleted(30*time.Second, "web").Deployments[0].Id

	up, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &bad})
	if err != nil {
		t.Fatal(err)
	}
	failing := *up.Service.Deployments[0].Id
	var sawFailed *types.Deployment
	started := time.Now()
	eventually(t, 60*time.Second, "rolled back and completed", func() bool {
		svc := f.describe("web")
		for i, d := range svc.Deployments {
			if *d.Id == failing && d.RolloutState == types.DeploymentRolloutStateFailed {
				sawFailed = &svc.Deployments[i]
			}
		}
		p := svc.Deployments[0]
		return len(svc.Deployments) == 1 && *p.Id != failing && *p.Id != completed && p.RolloutState == types.DeploymentRolloutStateCompleted && svc.RunningCount == 2
	}, f.dump("web"))
	t.Logf("circuit breaker tripped and the rollback completed %v after the update", time.Since(started).Round(time.Millisecond))
	if sawFailed == nil || *sawFailed.RolloutStateReason != "ECS deployment circuit breaker: tasks failed to start." ||
		*sawFailed.Status != "ACTIVE" || sawFailed.FailedTasks < 3 || *sawFailed.TaskDefinition != bad {
		b, _ := json.MarshalIndent(sawFailed, "", " ")
		t.Fatalf("the failed deployment as seen during the rollback: %s", b)
	}
	svc := f.describe("web")
	for i := len(svc.Events) - 1; i >= 0; i-- {
		t.Logf("event: %s", *svc.Events[i].Message)
	}
	if *svc.TaskDefinition != good || !hasEvent(svc, "(service web) (deployment "+failing+") deployment failed: tasks failed to start.") ||
		!hasEvent(svc, "(service web) rolling back to deployment "+completed+".") {
		b, _ := json.MarshalIndent(svc, "", " ")
		t.Fatalf("after the rollback: %s", b)
	}
	for _, task := range f.serviceTasks("web") {
		if *task.TaskDefinitionArn != good || *task.LastStatus != "RUNNING" {
			t.Fatalf("task %s runs %s (%s)", *task.TaskArn, *task.TaskDefinitionArn, *task.LastStatus)
		}
	}
}

// TestRollingDeploymentUnderLoad: a 4-task service is redeployed while a
// client resolves it through DiscoverInstances (HEALTHY) and calls the
// instance it picked, over and over. Every call succeeds: new tasks are
// only discoverable once their health checks pass, and old ones leave
// Cloud Map (and drain) before they are signalled.
func TestRollingDeploymentUnderLoad(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	nsID := f.namespace("rolling.local")
	reg := f.registry(nsID, "web")
	v1 := f.register("rolling", f.appContainer(true))
	c2 := f.appContainer(true)
	c2.Environment = []types.KeyValuePair{{Name: aws.String("VERSION"), Value: aws.String("2")}}
	v2 := f.register("rolling", c2)
	f.createService("web", v1, serviceOpts{desired: 4, registries: []types.ServiceRegistry{{RegistryArn: &reg, ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}})
	f.waitStable(60*time.Second, "web")

	var calls, failures, empty, v2Answers atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			out, err := f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("rolling.local"), ServiceName: aws.String("web"),
				HealthStatus: sdtypes.HealthStatusFilterHealthy})
			if err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				continue
			}
			if len(out.Instances) == 0 {
				empty.Add(1)
				continue
			}
			a := out.Instances[rand.IntN(len(out.Instances))].Attributes
			calls.Add(1)
			resp, err := client.Get("http://" + a["AWS_INSTANCE_IPV4"] + ":" + a["AWS_INSTANCE_PORT"] + "/")
			if err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, resp.Status)
			}
			if strings.Contains(string(body), `"VERSION":"2"`) {
				v2Answers.Add(1)
			}
		}
	}()
	began := time.Now()
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &v2}); err != nil {
		t.Fatal(err)
	}
	f.waitStable(90*time.Second, "web")
	took := time.Since(began)
	time.Sleep(200 * time.Millisecond) // a few calls on the new revision only
	close(stop)
	wg.Wait()
	t.Logf("rolling deployment of 4 tasks took %v; %d calls, %d failed, %d found no healthy instance, %d answered by revision 2",
		took.Round(time.Millisecond), calls.Load(), failures.Load(), empty.Load(), v2Answers.Load())
	if failures.Load() != 0 || empty.Load() != 0 {
		t.Fatalf("%d calls failed (first: %v), %d resolutions found no healthy instance", failures.Load(), firstErr.Load(), empty.Load())
	}
	if calls.Load() < 20 || v2Answers.Load() == 0 {
		t.Fatalf("only %d calls, %d by revision 2", calls.Load(), v2Answers.Load())
	}
	svc := f.describe("web")
	tasks := f.serviceTasks("web")
	if *svc.TaskDefinition != v2 || len(tasks) != 4 {
		t.Fatalf("after the deployment: %s with %d tasks", *svc.TaskDefinition, len(tasks))
	}
	for _, task := range tasks {
		if *task.TaskDefinitionArn != v2 {
			t.Fatalf("task %s still on %s", *task.TaskArn, *task.TaskDefinitionArn)
		}
	}
}

// processServer runs `portolan server` as a child process, so that a test
// can kill -9 it and start it again on the same data dir.
type processServer struct {
	t       *testing.T
	dataDir string
	port    int
	cmd     *exec.Cmd
}

func (p *processServer) start() {
	p.t.Helper()
	cmd := servertest.StartProcess(p.t, p.dataDir, p.port)
	p.cmd = cmd
}

func (p *processServer) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

func newProcessFixture(t *testing.T) (*svcFixture, *processServer) {
	app := runtimetest.BuildApp(t)
	p := &processServer{t: t, dataDir: t.TempDir(), port: servertest.FreePort(t)}
	p.start()
	t.Cleanup(func() { // whatever a failure left behind
		for _, pid := range appProcesses(t, app) {
			killPID(pid)
		}
	})
	cfg := servertest.Config(fmt.Sprintf("http://localhost:%d", p.port), "test", "test")
	f := &svcFixture{fixture: &fixture{t: t, ecs: ecs.NewFromConfig(cfg), app: app}, sd: sd.NewFromConfig(cfg)}
	if _, err := f.ecs.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	return f, p
}

// TestServiceKill9MidDeployment: the server is SIGKILLed in the middle of a
// one-task-at-a-time rolling deployment and started again. The deployment
// completes, the service has exactly its desired tasks (no duplicates, no
// orphan processes) and Cloud Map exactly one instance per task.
func TestServiceKill9MidDeployment(t *testing.T) {
	f, srv := newProcessFixture(t)
	ctx := context.Background()
	nsID := f.namespace("restart.local")
	reg := f.registry(nsID, "web")
	// Each health check takes a second, so that between two steps of the
	// deployment no task is being started for a while (see below).
	slow := func(c types.ContainerDefinition) types.ContainerDefinition {
		c.HealthCheck.Command = []string{"CMD-SHELL", "sleep 1 && " + f.app + " health http://$HOST:8080/"}
		return c
	}
	v1 := f.register("restart", slow(f.appContainer(true)))
	c2 := slow(f.appContainer(true))
	c2.Environment = []types.KeyValuePair{{Name: aws.String("VERSION"), Value: aws.String("2")}}
	v2 := f.register("restart", c2)
	// maximumPercent 125 of 4: one extra task at a time, so the deployment
	// takes several steps and the kill lands between two of them.
	f.createService("web", v1, serviceOpts{desired: 4, registries: []types.ServiceRegistry{{RegistryArn: &reg, Port: aws.Int32(8080)}},
		config: &types.DeploymentConfiguration{MaximumPercent: aws.Int32(125), MinimumHealthyPercent: aws.Int32(100)}})
	f.waitStable(60*time.Second, "web")
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &v2}); err != nil {
		t.Fatal(err)
	}
	// Kill half way, while no task is being started: the process runtime
	// cannot yet find a process whose start a kill -9 interrupted (it has
	// not recorded its pid), a runtime matter this test is not about.
	eventually(t, 60*time.Second, "the deployment half way, no task starting", func() bool {
		svc := f.describe("web")
		if len(svc.Deployments) != 2 || svc.Deployments[0].RunningCount < 1 || svc.Deployments[1].RunningCount < 1 {
			return false
		}
		for _, task := range f.serviceTasks("web") {
			if *task.LastStatus != "RUNNING" {
				return false
			}
		}
		return true
	})
	svc := f.describe("web")
	t.Logf("killing the server with the new deployment at %d running, the old at %d", svc.Deployments[0].RunningCount, svc.Deployments[1].RunningCount)
	srv.kill9()
	srv.start()

	f.waitStable(90*time.Second, "web")
	svc = f.describe("web")
	if *svc.TaskDefinition != v2 || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted || svc.RunningCount != 4 {
		b, _ := json.MarshalIndent(svc, "", " ")
		t.Fatalf("after the restart: %s", b)
	}
	tasks := f.serviceTasks("web")
	var running []string
	for _, task := range tasks {
		if *task.TaskDefinitionArn != v2 {
			t.Fatalf("task %s on %s", *task.TaskArn, *task.TaskDefinitionArn)
		}
		running = append(running, taskID(*task.TaskArn))
	}
	time.Sleep(500 * time.Millisecond) // give a wrong scheduler time to start duplicates
	if pids := appProcesses(t, f.app); len(pids) != 4 || len(running) != 4 {
		f.explainProcesses(pids)
		t.Fatalf("%d app processes and %d tasks, want 4 of each", len(pids), len(running))
	}
	// Cloud Map converges too: the drained tasks' instances go (some were
	// mid-deregistration at the kill), one instance per running task.
	regID := reg[strings.LastIndex(reg, "/")+1:]
	sort.Strings(running)
	var ids []string
	eventually(t, 30*time.Second, "Cloud Map holds exactly the running tasks", func() bool {
		out, err := f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: &regID})
		if err != nil {
			t.Fatal(err)
		}
		ids = ids[:0]
		for _, inst := range out.Instances {
			ids = append(ids, *inst.Id)
		}
		sort.Strings(ids)
		return fmt.Sprint(ids) == fmt.Sprint(running) && len(f.discover("restart.local", "web")) == 4
	})
}

// TestServiceScaleBenchmark scales a service with Cloud Map registration
// from 0 to 100 tasks on the process runtime and back, and reports how long
// it takes until all are RUNNING and registered HEALTHY, and how much
// memory the server grows by per task. It is a measurement, not an
// assertion: run it with PORTOLAN_BENCH=1.
func TestServiceScaleBenchmark(t *testing.T) {
	if os.Getenv("PORTOLAN_BENCH") == "" {
		t.Skip("set PORTOLAN_BENCH=1 to run the 100-task scale benchmark")
	}
	const n = 100
	f, srv := newProcessFixture(t)
	ctx := context.Background()
	nsID := f.namespace("scale.local")
	reg := f.registry(nsID, "web")
	td := f.register("scale", f.appContainer(false))
	f.createService("web", td, serviceOpts{registries: []types.ServiceRegistry{{RegistryArn: &reg, Port: aws.Int32(8080)}}})
	f.waitStable(30*time.Second, "web")
	rss0 := rssKiB(t, srv.cmd.Process.Pid)
	load0 := loadAvg()

	scale := func(to int32) time.Duration {
		began := time.Now()
		if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), DesiredCount: aws.Int32(to)}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 120*time.Second, fmt.Sprintf("%d tasks RUNNING and registered", to), func() bool {
			svc := f.describe("web")
			if svc.RunningCount != to || svc.PendingCount != 0 {
				return false
			}
			out, err := f.sd.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("scale.local"), ServiceName: aws.String("web"),
				HealthStatus: sdtypes.HealthStatusFilterHealthy, MaxResults: aws.Int32(1000)})
			return err == nil && len(out.Instances) == int(to)
		})
		return time.Since(began)
	}
	up := scale(n)
	rss1 := rssKiB(t, srv.cmd.Process.Pid)
	downBegan := time.Now()
	down := scale(0)
	eventually(t, 60*time.Second, "every process gone", func() bool { return len(appProcesses(t, f.app)) == 0 })
	downAll := time.Since(downBegan)
	t.Logf("scale 0→%d: all RUNNING and HEALTHY in Cloud Map after %v (%.1f ms/task)", n, up.Round(time.Millisecond), float64(up.Milliseconds())/n)
	t.Logf("scale %d→0: none RUNNING or registered after %v, every process gone after %v", n, down.Round(time.Millisecond), downAll.Round(time.Millisecond))
	t.Logf("server RSS %d KiB → %d KiB with %d tasks: %.1f KiB per task", rss0, rss1, n, float64(rss1-rss0)/n)
	t.Logf("load average before: %s, after: %s (%d CPUs)", load0, loadAvg(), runtime.NumCPU())
}

func rssKiB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	return 0
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// explainProcesses logs which task each app process serves, by address.
func (f *svcFixture) explainProcesses(pids []int) {
	byAddr := map[string]string{}
	list, _ := f.ecs.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("dev"), DesiredStatus: types.DesiredStatusStopped})
	running, _ := f.ecs.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("dev")})
	for arns := range chunks(append(list.TaskArns, running.TaskArns...), 100) {
		out, err := f.ecs.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: arns})
		if err != nil {
			continue
		}
		for _, task := range out.Tasks {
			addr := ""
			if len(task.Containers) > 0 && len(task.Containers[0].NetworkInterfaces) > 0 {
				addr = *task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address
			}
			byAddr[addr] += fmt.Sprintf("[%s %s/%s %s %s] ", taskID(*task.TaskArn), *task.LastStatus, *task.DesiredStatus, task.StopCode, aws.ToString(task.StoppedReason))
		}
	}
	for _, pid := range pids {
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		host := ""
		for _, kv := range strings.Split(string(env), "\x00") {
			if h, ok := strings.CutPrefix(kv, "HOST="); ok {
				host = h
			}
		}
		f.t.Logf("pid %d serves %s: %s", pid, host, byAddr[host])
	}
}

func chunks(s []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}
