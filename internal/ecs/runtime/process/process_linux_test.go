//go:build linux

package process_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// gone reports whether pid has exited (a zombie nobody reaped counts).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return f[0] == "Z" || f[0] == "X"
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !gone(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestContainerProcessesDie checks that a container's processes end with it,
// whether it is stopped or its main process exits by itself, as they would
// in a pid namespace.
func TestContainerProcessesDie(t *testing.T) {
	app := runtimetest.BuildApp(t)
	d := newDriver(t, process.Config{StateDir: t.TempDir()})
	ctx := runtimetest.Context(t)
	spawn := func(task runtime.Task) int {
		body := runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/spawn"), 10*time.Second)
		pid, err := strconv.Atoi(strings.TrimSpace(string(body)))
		if err != nil || gone(pid) {
			t.Fatalf("spawn: %q, %v", body, err)
		}
		return pid
	}

	task := runtimetest.Provision(t, d, "kids")
	st := runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}})
	kid := spawn(task)
	if err := d.StopContainer(ctx, st.ID, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitGone(t, kid)

	task = runtimetest.Provision(t, d, "kids")
	st = runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}})
	kid = spawn(task)
	runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/exit?code=4"), 5*time.Second)
	if e, err := d.Wait(ctx, st.ID); err != nil || e.Code != 4 {
		t.Fatalf("Wait = %+v, %v; want 4", e, err)
	}
	waitGone(t, kid)
}

// TestDeprovisionTasks removes several tasks in one call, as a reset does:
// every container's process and what it spawned are gone, their records and
// directories too, and the first task's address is free again. Names it
// does not know are not an error.
func TestDeprovisionTasks(t *testing.T) {
	app := runtimetest.BuildApp(t)
	state := t.TempDir()
	d := newDriver(t, process.Config{StateDir: state})
	ctx := runtimetest.Context(t)
	var ids []string
	var pids []int
	var first netip.Addr
	for i := range 4 {
		task := runtimetest.Provision(t, d, "many")
		if i == 0 {
			first = task.Address
		}
		st := runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}})
		body := runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/spawn"), 10*time.Second)
		kid, err := strconv.Atoi(strings.TrimSpace(string(body)))
		if err != nil || gone(kid) {
			t.Fatalf("spawn: %q, %v", body, err)
		}
		ids = append(ids, task.ID)
		pids = append(pids, st.PID, kid)
	}
	if err := d.DeprovisionTasks(ctx, append(ids, runtimetest.NewTaskID(), "../x")); err != nil {
		t.Fatal(err)
	}
	for i, pid := range pids {
		if i%2 == 0 && !gone(pid) {
			t.Errorf("container process %d is alive after DeprovisionTasks returned", pid)
		}
	}
	for i, pid := range pids {
		if i%2 == 1 {
			waitGone(t, pid) // SIGKILLed, reparented: its end is not ours to wait for
		}
	}
	if tasks, err := d.List(ctx); err != nil || len(tasks) != 0 {
		t.Fatalf("List after DeprovisionTasks = %+v, %v; want nothing", tasks, err)
	}
	if left, err := os.ReadDir(filepath.Join(state, "containers")); err != nil || len(left) != 0 {
		t.Errorf("containers directory after DeprovisionTasks: %v, %v; want it empty", left, err)
	}
	if task := runtimetest.Provision(t, d, "many"); task.Address != first {
		t.Errorf("a new task got %s; want %s, freed by DeprovisionTasks", task.Address, first)
	}
}

// TestNoInheritedDescriptors checks that a container does not inherit a
// descriptor the server inherited without close-on-exec (as a shell's pipe
// would be), which it would keep open after the server is gone.
func TestNoInheritedDescriptors(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil { // no O_CLOEXEC, like an inherited fd
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	app := runtimetest.BuildApp(t)
	d := newDriver(t, process.Config{StateDir: t.TempDir()})
	task := runtimetest.Provision(t, d, "fds")
	st := runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}})
	runtimetest.WaitHTTP(t, runtimetest.URL(task.Address, 8080, "/"), 10*time.Second)
	for _, fd := range p {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", st.PID, fd)); err == nil && strings.HasPrefix(target, "pipe:") {
			t.Errorf("the container inherited the server's fd %d (%s)", fd, target)
		}
	}
}

// TestServerKill9 starts a task from a helper process, kills the helper with
// SIGKILL as a crashing server would be, and re-adopts the task, in each
// address mode.
func TestServerKill9(t *testing.T) {
	if os.Getenv("PORTOLAN_TEST_KILL9_HELPER") != "" {
		kill9Helper(t)
		return
	}
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) { serverKill9(t, mode) })
	}
}

func serverKill9(t *testing.T, mode process.AddressMode) {
	app := runtimetest.BuildApp(t)
	state := t.TempDir()
	cmd, out := process.StartHelperProcess(t, "TestServerKill9", "PORTOLAN_TEST_KILL9_HELPER=1",
		"HELPER_STATE="+state, "HELPER_APP="+app, "HELPER_MODE="+string(mode))
	var ready struct {
		TaskID, ContainerID string
		Address             netip.Addr
		Endpoint            netip.AddrPort
		PID                 int
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			if err := json.Unmarshal([]byte(line), &ready); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if ready.ContainerID == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("helper did not get ready: %v", cmd.Wait())
	}
	appURL := "http://" + ready.Endpoint.String()
	runtimetest.WaitHTTP(t, appURL+"/", 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// The task outlived its server and is still serving.
	runtimetest.WaitHTTP(t, appURL+"/log?msg=after-the-crash", 5*time.Second)

	d := newDriver(t, process.Config{StateDir: state, TaskAddresses: mode})
	ctx := runtimetest.Context(t)
	tasks, err := d.List(ctx)
	if err != nil || len(tasks) != 1 || tasks[0].ID != ready.TaskID || tasks[0].Address != ready.Address ||
		len(tasks[0].Containers) != 1 || tasks[0].Containers[0].Status != runtime.StatusRunning || tasks[0].Containers[0].PID != ready.PID {
		t.Fatalf("List after the crash = %+v, %v; want task %s with its container running as pid %d", tasks, err, ready.TaskID, ready.PID)
	}
	if got := runtimetest.Endpoint(tasks[0].Containers[0], 8080); got != ready.Endpoint {
		t.Errorf("the re-adopted container is at %v, was at %v", got, ready.Endpoint)
	}
	// Its output went on to the log file while no server was there.
	runtimetest.WaitLog(t, d, ready.ContainerID, runtime.Stdout, "after-the-crash")

	if err := d.StopContainer(ctx, ready.ContainerID, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	e, err := d.Wait(ctx, ready.ContainerID)
	if err != nil || e.Known() || e.Reason == "" {
		t.Errorf("Wait on a container whose parent died = %+v, %v; want an unknown exit code with a reason", e, err)
	}
	if !gone(ready.PID) {
		t.Errorf("pid %d still alive after StopContainer", ready.PID)
	}
	if err := d.DeprovisionTask(ctx, ready.TaskID); err != nil {
		t.Fatal(err)
	}
}

// kill9Helper is the "server" TestServerKill9 kills: it starts a task and
// waits to die.
func kill9Helper(t *testing.T) {
	d := newDriver(t, process.Config{StateDir: os.Getenv("HELPER_STATE"), TaskAddresses: process.AddressMode(os.Getenv("HELPER_MODE"))})
	ctx := runtimetest.Context(t)
	task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.StartContainer(ctx, task.ID, runtime.ContainerSpec{
		Name: "web", Image: os.Getenv("HELPER_APP"), PortMappings: []runtime.PortMapping{{ContainerPort: 8080}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"TaskID": task.ID, "ContainerID": st.ID, "Address": task.Address,
		"Endpoint": runtimetest.Endpoint(st, 8080), "PID": st.PID})
	fmt.Printf("READY %s\n", b)
	time.Sleep(time.Minute)
	t.Fatal("helper was not killed")
}

// BenchmarkStartToRunning measures StartContainer until the app accepts a
// TCP connection.
func BenchmarkStartToRunning(b *testing.B) {
	app := runtimetest.BuildApp(b)
	d := newDriver(b, process.Config{StateDir: b.TempDir()})
	ctx := context.Background() // a benchmark may run for longer than Context allows
	spec := runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: runtimetest.NewTaskID(), Cluster: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := d.StartContainer(ctx, task.ID, spec); err != nil {
			b.Fatal(err)
		}
		runtimetest.WaitAccept(b, netip.AddrPortFrom(task.Address, 8080).String(), 10*time.Second)
		b.StopTimer()
		if err := d.DeprovisionTask(ctx, task.ID); err != nil {
			b.Fatal(err)
		}
	}
}
