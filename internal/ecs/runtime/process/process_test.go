package process_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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

func newDriver(t testing.TB, cfg process.Config) *process.Driver {
	t.Helper()
	d, err := process.New(cfg)
	if err != nil {
		t.Fatalf("process.New: %v", err)
	}
	return d
}

// modes are the task address modes every suite of this package runs in:
// ports mode is what macOS and Windows get, and runs here too.
var modes = []process.AddressMode{process.ModeAddresses, process.ModePorts}

func harness(t *testing.T, mode process.AddressMode) runtimetest.Harness {
	app := runtimetest.BuildApp(t)
	base := t.TempDir()
	return runtimetest.Harness{
		New: func(t *testing.T, key string) runtime.Driver {
			d := newDriver(t, process.Config{StateDir: filepath.Join(base, key), TaskAddresses: mode})
			if d.AddressMode() != mode {
				t.Fatalf("AddressMode = %s, want %s", d.AddressMode(), mode)
			}
			return d
		},
		App:          app,
		AppPath:      app,
		MissingImage: filepath.Join(base, "no-such-app"),
		// No network namespace: a task's containers meet at its address.
		TaskLocal: func(task runtime.Task) string { return task.Address.String() },
	}
}

func TestConformance(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			runtimetest.Run(t, harness(t, mode))
		})
	}
}

// TestDefinition checks what a container definition means to this driver:
// argv, working directory, environment (see the package doc).
func TestDefinition(t *testing.T) {
	app := runtimetest.BuildApp(t)
	wd := t.TempDir()
	imageDir := filepath.Join(t.TempDir(), "image")
	if err := os.MkdirAll(filepath.Join(imageDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, app, filepath.Join(imageDir, "app"))
	// Server environment that must not leak into containers, and one that
	// is passed through.
	t.Setenv("PORTOLAN_SECRET_ACCESS_KEY", "leak")
	t.Setenv("TZ", "UTC")

	d := newDriver(t, process.Config{StateDir: t.TempDir(), WorkingDirectory: wd})
	ctx := runtimetest.Context(t)
	tests := []struct {
		name    string
		spec    runtime.ContainerSpec
		port    string
		wantCwd string
		env     map[string]string
	}{
		{
			name:    "image is the executable, PORT from portMappings",
			spec:    runtime.ContainerSpec{Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "8080",
			wantCwd: wd,
		},
		{
			name: "image directory is the working directory; argv[0] relative to it",
			spec: runtime.ContainerSpec{Image: imageDir, Command: []string{"./app"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 9090}, {ContainerPort: 9091}}},
			port:    "9090",
			wantCwd: imageDir,
		},
		{
			name: "workingDirectory relative to the image directory; definition env wins",
			spec: runtime.ContainerSpec{Image: imageDir, EntryPoint: []string{filepath.Join(imageDir, "app")},
				WorkingDirectory: "sub", Environment: map[string]string{"PORT": "7070", "TZ": "Europe/Paris", "X": "y"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "7070",
			wantCwd: filepath.Join(imageDir, "sub"),
			env:     map[string]string{"TZ": "Europe/Paris", "X": "y"},
		},
		{
			name: "image ignored when it is not a directory; argv[0] from PATH",
			spec: runtime.ContainerSpec{Image: "nginx:latest", EntryPoint: []string{"app"},
				Environment:  map[string]string{"PATH": imageDir + ":/usr/bin"},
				PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}},
			port:    "8080",
			wantCwd: wd,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := runtimetest.Provision(t, d, "def")
			tt.spec.Name = "c" + strconv.Itoa(i)
			runtimetest.Start(t, d, task, tt.spec)
			port, _ := strconv.Atoi(tt.port)
			info := runtimetest.Info(t, runtimetest.URL(task.Address, port, "/"))
			if info.Port != tt.port || info.Host != task.Address.String() {
				t.Errorf("app listens on %s:%s, want %s:%s", info.Host, info.Port, task.Address, tt.port)
			}
			if info.Cwd != tt.wantCwd {
				t.Errorf("cwd = %s, want %s", info.Cwd, tt.wantCwd)
			}
			if _, ok := info.Env["PORTOLAN_SECRET_ACCESS_KEY"]; ok {
				t.Errorf("the server's environment leaked into the container")
			}
			if info.Env["TZ"] == "" || info.Env["PATH"] == "" {
				t.Errorf("env lacks passed-through TZ or PATH: %v", info.Env)
			}
			for k, v := range tt.env {
				if info.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, info.Env[k], v)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		task := runtimetest.Provision(t, d, "def")
		var inf *runtime.ImageNotFoundError
		_, err := d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "a", Image: imageDir})
		if !errors.As(err, &inf) {
			t.Errorf("a directory image without a command = %v, want *ImageNotFoundError", err)
		}
		// An ECR image is for the docker runtime; the error says how to map it.
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "e", Image: "000000000000.dkr.ecr.us-east-1.amazonaws.com/web:v1"})
		if !errors.As(err, &inf) || !strings.Contains(err.Error(), "--image NAME=REF") {
			t.Errorf("an ECR image = %v, want *ImageNotFoundError naming --image", err)
		}
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "b", Command: []string{"no-such-command-xyz"}})
		if err == nil || errors.As(err, &inf) {
			t.Errorf("a command not in PATH = %v, want a start error", err)
		}
		_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "c", Image: app, WorkingDirectory: "/no/such/dir"})
		if err == nil {
			t.Errorf("a missing working directory: no error")
		}
		runtimetest.Start(t, d, task, runtime.ContainerSpec{Name: "d", Image: app, EntryPoint: []string{app, "sleep"}})
		if _, err := d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "d", Image: app}); err == nil {
			t.Errorf("starting a container name twice: no error")
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

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
