package ecs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

// Tests that no task is orphaned when its start overlaps its end: a
// service scaled up and deleted at once (with and without a kill -9 of the
// server in between), and StopTask racing a task's start. Each race is run
// many times, with the second step at a different moment of the first's
// progress (the scheduler launching, the agent provisioning, starting
// containers, registering in Cloud Map). Once things settle nothing may be
// left: the service INACTIVE, every task STOPPED, no process carrying the
// container marker of any of its tasks, no Cloud Map instance.

// raceDelay spreads iteration i's second step over the first's progress:
// at once, then 4 ms later each time. On a quiet machine ten tasks go from
// nothing to RUNNING (spawned, listening, registered) in some 30 ms; the
// logged phases show where each iteration landed.
func raceDelay(i int) time.Duration {
	return time.Duration(i) * 4 * time.Millisecond
}

// markedContainers returns the live (not zombie) processes that carry a
// container marker (PORTOLAN_CONTAINER_ID, see the process runtime), by
// container ID ("<taskId>-<name>").
func markedContainers() map[string][]int {
	out := map[string][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			id, ok := strings.CutPrefix(kv, "PORTOLAN_CONTAINER_ID=")
			if !ok {
				continue
			}
			stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if !strings.Contains(string(stat), ") Z ") {
				out[id] = append(out[id], pid)
			}
		}
	}
	return out
}

// processesOf returns the live processes of the given tasks' containers.
func processesOf(ids []string) map[string][]int {
	out := map[string][]int{}
	for cid, pids := range markedContainers() {
		for _, id := range ids {
			if strings.HasPrefix(cid, id+"-") {
				out[cid] = pids
			}
		}
	}
	return out
}

// allTasks returns every task of the cluster that group names (e.g.
// "service:web"), whatever its desired status: DescribeTasks of every ARN
// ListTasks gives for RUNNING and for STOPPED.
func (f *svcFixture) allTasks(group string) []types.Task {
	f.t.Helper()
	ctx := context.Background()
	var arns []string
	for _, desired := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
		p := ecs.NewListTasksPaginator(f.ecs, &ecs.ListTasksInput{Cluster: aws.String("dev"), DesiredStatus: desired})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				f.t.Fatal(err)
			}
			arns = append(arns, page.TaskArns...)
		}
	}
	var tasks []types.Task
	for chunk := range chunks(arns, 100) {
		out, err := f.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: chunk})
		if err != nil {
			f.t.Fatal(err)
		}
		for _, task := range out.Tasks {
			if group == "" || aws.ToString(task.Group) == group {
				tasks = append(tasks, task)
			}
		}
	}
	return tasks
}

// instances lists a Cloud Map service's instance ids.
func (f *svcFixture) instances(regArn string) []string {
	f.t.Helper()
	id := regArn[strings.LastIndex(regArn, "/")+1:]
	var ids []string
	p := sd.NewListInstancesPaginator(f.sd, &sd.ListInstancesInput{ServiceId: &id})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		for _, inst := range page.Instances {
			ids = append(ids, *inst.Id)
		}
	}
	return ids
}

// orphans describes what is left of tasks that should all be gone: tasks
// not STOPPED, live processes, Cloud Map instances in reg (if any). Empty
// means none.
func (f *svcFixture) orphans(tasks []types.Task, reg string) string {
	f.t.Helper()
	var ids, left []string
	for _, task := range tasks {
		id := taskID(*task.TaskArn)
		ids = append(ids, id)
		if *task.LastStatus != "STOPPED" {
			left = append(left, fmt.Sprintf("task %s %s/%s", id, *task.LastStatus, *task.DesiredStatus))
		}
	}
	for cid, pids := range processesOf(ids) {
		left = append(left, fmt.Sprintf("container %s alive (pids %v)", cid, pids))
	}
	if reg != "" {
		for _, inst := range f.instances(reg) {
			left = append(left, "Cloud Map instance "+inst)
		}
	}
	slices.Sort(left)
	return strings.Join(left, "; ")
}

// settled waits until a deleted service is INACTIVE and nothing is left of
// its tasks, and fails the test with what is left otherwise. It returns
// the service's tasks.
func (f *svcFixture) settled(name, reg string, timeout time.Duration) []types.Task {
	f.t.Helper()
	var tasks []types.Task
	var left string
	deadline := time.Now().Add(timeout)
	for {
		svc := f.describe(name)
		tasks = f.allTasks("service:" + name)
		left = f.orphans(tasks, reg)
		if svc.Status != nil && *svc.Status == "INACTIVE" && left == "" {
			return tasks
		}
		if time.Now().After(deadline) {
			f.dump(name)()
			b, _ := json.MarshalIndent(tasks, "", " ")
			f.t.Logf("tasks of %s: %s", name, b)
			f.t.Fatalf("%s not settled %v after its deletion: status %s; left: %s", name, timeout, aws.ToString(svc.Status), left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stillSettled checks, a while after everything settled, that nothing
// came back: no process of the app runs, no task is live and no Cloud Map
// service of regs has an instance.
func (f *svcFixture) stillSettled(regs []string) {
	f.t.Helper()
	time.Sleep(2 * time.Second) // a resync of the scheduler and of the agent
	if pids := appProcesses(f.t, f.app); len(pids) > 0 {
		f.explainProcesses(pids)
		f.t.Fatalf("app processes alive after every task stopped: %v", pids)
	}
	if left := f.orphans(f.allTasks(""), ""); left != "" {
		f.t.Fatalf("after settling: %s", left)
	}
	for _, reg := range regs {
		if ids := f.instances(reg); len(ids) > 0 {
			f.t.Fatalf("Cloud Map service %s still has instances %v", reg, ids)
		}
	}
}

// phases says how far a race's tasks got before they stopped: never
// started a container, started one but never RUNNING, or RUNNING.
func phases(tasks []types.Task) string {
	var never, started, ran int
	for _, task := range tasks {
		switch {
		case task.StartedAt != nil:
			ran++
		case len(task.Containers) > 0 && aws.ToString(task.Containers[0].RuntimeId) != "":
			started++
		default:
			never++
		}
	}
	return fmt.Sprintf("%d tasks: %d never started a container, %d started one but were never RUNNING, %d RUNNING", len(tasks), never, started, ran)
}

// raceService creates service name at 0 tasks, registered in a Cloud Map
// service of its own in nsID, and returns that service's ARN.
func (f *svcFixture) raceService(nsID, name, taskDef string) string {
	f.t.Helper()
	reg := f.registry(nsID, name)
	f.createService(name, taskDef, serviceOpts{desired: 0, registries: []types.ServiceRegistry{{RegistryArn: &reg, Port: aws.Int32(8080)}}})
	return reg
}

func (f *svcFixture) scale(name string, n int32) {
	f.t.Helper()
	if _, err := f.ecs.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: &name, DesiredCount: &n}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *svcFixture) forceDelete(name string) {
	f.t.Helper()
	if _, err := f.ecs.DeleteService(context.Background(), &ecs.DeleteServiceInput{Cluster: aws.String("dev"), Service: &name, Force: aws.Bool(true)}); err != nil {
		f.t.Fatal(err)
	}
}

// deleteDuringScaleUp runs the scale-up/delete race iterations times:
// service prefix-i, registered in Cloud Map, is scaled from 0 to 10, then
// race deletes it at its moment of iteration i and says how. Each service
// must settle within settle, and nothing may come back afterwards.
func (f *svcFixture) deleteDuringScaleUp(prefix string, iterations int, settle time.Duration, race func(i int, name string) (when string)) {
	f.t.Helper()
	nsID := f.namespace(prefix + ".local")
	td := f.register(prefix, f.appContainer(false))
	var regs []string
	for i := range iterations {
		name := fmt.Sprintf("%s-%d", prefix, i)
		reg := f.raceService(nsID, name, td)
		regs = append(regs, reg)
		f.scale(name, 10)
		when := race(i, name)
		tasks := f.settled(name, reg, settle)
		f.t.Logf("%s: %s; %s; all gone", name, when, phases(tasks))
	}
	f.stillSettled(regs)
}

// TestDeleteServiceDuringScaleUp: UpdateService scales a service with
// Cloud Map registration from 0 to 10 and DeleteService --force follows,
// at once or a little later, while the scheduler and the agent are still
// starting its tasks. Every time, the service ends INACTIVE with every
// task STOPPED, no process and no instance left.
func TestDeleteServiceDuringScaleUp(t *testing.T) {
	f := newServiceFixture(t)
	f.deleteDuringScaleUp("race", 16, 60*time.Second, func(i int, name string) string {
		time.Sleep(raceDelay(i))
		f.forceDelete(name)
		return fmt.Sprintf("deleted %v after the scale-up", raceDelay(i))
	})
}

// TestDeleteServiceDuringScaleUpKill9 is the same race with the server
// SIGKILLed and restarted on its data dir in the middle: between the
// scale-up and the deletion (while the tasks start), or after the deletion
// (while they stop: deregistering, draining for a second, signalled,
// deprovisioned). The restarted server finishes the job: it neither loses
// a task that was starting nor leaves one running.
func TestDeleteServiceDuringScaleUpKill9(t *testing.T) {
	f, srv := newProcessFixture(t)
	f.deleteDuringScaleUp("race9", 12, 90*time.Second, func(i int, name string) string {
		start := raceDelay(i + 2)
		time.Sleep(start)
		if i%2 == 0 {
			srv.kill9()
			srv.start()
			f.forceDelete(name)
			return fmt.Sprintf("killed %v after the scale-up, then deleted", start)
		}
		f.forceDelete(name)
		stop := time.Duration(i) * 100 * time.Millisecond
		time.Sleep(stop)
		srv.kill9()
		srv.start()
		return fmt.Sprintf("deleted %v after the scale-up, killed %v later", start, stop)
	})
}

// TestStopTaskDuringStart: StopTask comes at once or a little after the
// task was asked for, while the agent provisions it, starts its container
// or registers it. Standalone tasks (RunTask) and a service's tasks (which
// the scheduler replaces, until the service is deleted) all end STOPPED,
// with no process and no Cloud Map instance left.
func TestStopTaskDuringStart(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	td := f.register("stoprace", f.appContainer(false))
	// stopAll stops the tasks all at once, so that the stops land at one
	// moment of their starts.
	stopAll := func(arns []string) {
		t.Helper()
		errs := make([]error, len(arns))
		var wg sync.WaitGroup
		for i, arn := range arns {
			wg.Go(func() {
				_, errs[i] = f.ecs.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: &arn})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}

	// Standalone tasks.
	for i := range 16 {
		arns := f.run(td, 10)
		time.Sleep(raceDelay(i))
		stopAll(arns)
		tasks := f.waitFor("STOPPED", arns, stopped)
		eventually(t, 10*time.Second, "no process left", func() bool { return f.orphans(tasks, "") == "" }, func() { t.Log(f.orphans(tasks, "")) })
		t.Logf("RunTask, stopped %v later: %s; all gone", raceDelay(i), phases(tasks))
	}

	// A service's tasks.
	nsID := f.namespace("stoprace.local")
	reg := f.raceService(nsID, "stoprace", td)
	f.scale("stoprace", 10)
	// Stop each task the moment it is listed, a few rounds of
	// replacements long, at a different point of its start each round.
	for round := range 12 {
		var arns []string
		eventually(t, 30*time.Second, "tasks to stop", func() bool {
			list, err := f.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev"), ServiceName: aws.String("stoprace")})
			if err != nil {
				t.Fatal(err)
			}
			arns = list.TaskArns
			return len(arns) > 0
		})
		time.Sleep(raceDelay(round))
		stopAll(arns)
	}
	f.forceDelete("stoprace")
	tasks := f.settled("stoprace", reg, 60*time.Second)
	t.Logf("service: %s; all gone", phases(tasks))
	f.stillSettled([]string{reg})
}

// TestKill9DuringSelfStop: a service task stops by itself (its essential
// container exits) and the server is SIGKILLed while it takes the task
// down, at the moment DeprovisionTask has removed the task's containers but
// not yet the task: the crash is made by hand, as that moment lasts
// microseconds (the server is killed while the task waits up to the
// sidecar's 5 s stopTimeout for a sidecar that ignores SIGTERM, then the
// sidecar and the container records go as DeprovisionTask would have
// removed them). The restarted server must
// finish stopping the task, not start it again: a task that had decided to
// stop and then runs anyway counts for nothing to the scheduler (its
// status carries a stop code), which neither stops it nor lets the service
// go INACTIVE.
func TestKill9DuringSelfStop(t *testing.T) {
	f, srv := newProcessFixture(t)
	ctx := context.Background()
	nsID := f.namespace("selfstop.local")
	reg := f.registry(nsID, "selfstop")
	app := f.appContainer(false)
	sidecar := types.ContainerDefinition{
		Name:        aws.String("sidecar"),
		Image:       aws.String(f.app),
		EntryPoint:  []string{f.app, "sleep"}, // ignores SIGTERM
		Essential:   aws.Bool(false),
		StopTimeout: aws.Int32(5),
	}
	td := f.register("selfstop", app, sidecar)
	f.createService("selfstop", td, serviceOpts{desired: 1, registries: []types.ServiceRegistry{{RegistryArn: &reg, Port: aws.Int32(8080)}}})
	f.waitStable(30*time.Second, "selfstop")
	victim := f.serviceTasks("selfstop")[0]
	id := taskID(*victim.TaskArn)

	// The essential container exits; the task stops, waiting on the sidecar.
	c := http.Client{Timeout: 5 * time.Second}
	if resp, err := c.Get("http://" + address(victim) + ":8080/exit?code=1"); err == nil {
		resp.Body.Close()
	}
	f.waitFor("STOPPING", []string{*victim.TaskArn}, func(task types.Task) bool { return *task.LastStatus == "STOPPING" })
	srv.kill9()
	// What DeprovisionTask does before it removes the task itself.
	for cid, pids := range processesOf([]string{id}) {
		for _, pid := range pids {
			killPID(pid)
		}
		eventually(t, 10*time.Second, cid+" killed", func() bool { return len(processesOf([]string{id})[cid]) == 0 })
	}
	state := filepath.Join(srv.dataDir, "runtime", "process")
	for _, name := range []string{"app", "sidecar"} {
		if err := os.RemoveAll(filepath.Join(state, "containers", id+"-"+name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "tasks", id+".json")); err != nil {
		t.Fatalf("the task's runtime record: %v", err)
	}
	srv.start()

	stoppedTask := f.waitFor("STOPPED", []string{*victim.TaskArn}, stopped)[0]
	if stoppedTask.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stop code %s, want EssentialContainerExited", stoppedTask.StopCode)
	}
	f.waitStable(30*time.Second, "selfstop")
	if _, err := f.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("dev"), Service: aws.String("selfstop"), Force: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	f.settled("selfstop", reg, 30*time.Second)
	f.stillSettled([]string{reg})
}
