package runtimetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Harness adapts one driver to the suite.
type Harness struct {
	// New returns a Driver over the state named key: a state directory, or
	// an owner on an engine. Calls with the same key must return fresh
	// instances over the same state, as a restarted server would create;
	// calls with different keys must not see each other's tasks.
	New func(t *testing.T, key string) runtime.Driver
	// App is the image that holds the test app (see BuildApp) and AppPath
	// the app's path as a container's entryPoint names it.
	App, AppPath string
	// MissingImage is an image the driver cannot find.
	MissingImage string
	// TaskLocal is the host at which a container reaches the other
	// containers of its task: 127.0.0.1 where they share a network
	// namespace, the task's address where they only share the address.
	TaskLocal func(task runtime.Task) string
}

// Run runs the conformance suite: every runtime.Driver must pass it.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Lifecycle", testLifecycle},
		{"StopTimeoutKills", testStopTimeoutKills},
		{"ExitCode", testExitCode},
		{"TwoTasksSamePort", testTwoTasksSamePort},
		{"SharedAddress", testSharedAddress},
		{"MissingImage", testMissingImage},
		{"NotFound", testNotFound},
		{"Readopt", testReadopt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, h)
		})
	}
}

// AppSpec returns a container definition that runs the test app listening on
// port, with env added and, if args are given, a subcommand.
func (h Harness) AppSpec(name string, port int, env map[string]string, args ...string) runtime.ContainerSpec {
	e := map[string]string{"PORT": strconv.Itoa(port)}
	for k, v := range env {
		e[k] = v
	}
	s := runtime.ContainerSpec{
		Name: name, Image: h.App, Environment: e,
		PortMappings: []runtime.PortMapping{{ContainerPort: port, Protocol: "tcp"}},
	}
	if len(args) > 0 {
		s.EntryPoint, s.Command = []string{h.AppPath}, args
	}
	return s
}

// Context returns a context that ends with the test, or after a minute.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// NewTaskID returns a random task ID in ECS's format (32 hex digits), so
// that concurrent test runs on one engine never share names.
func NewTaskID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Provision provisions a new task on d and deprovisions it when the test
// ends.
func Provision(t testing.TB, d runtime.Driver, cluster string) runtime.Task {
	t.Helper()
	task, err := d.ProvisionTask(Context(t), runtime.TaskSpec{TaskID: NewTaskID(), Cluster: cluster})
	if err != nil {
		t.Fatalf("ProvisionTask: %v", err)
	}
	if !task.Address.Is4() {
		t.Fatalf("ProvisionTask: address %v, want an IPv4 address", task.Address)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.DeprovisionTask(ctx, task.ID); err != nil {
			t.Errorf("DeprovisionTask(%s): %v", task.ID, err)
		}
	})
	return task
}

// Start starts spec in task and fails the test if it cannot.
func Start(t testing.TB, d runtime.Driver, task runtime.Task, spec runtime.ContainerSpec) runtime.ContainerState {
	t.Helper()
	st, err := d.StartContainer(Context(t), task.ID, spec)
	if err != nil {
		t.Fatalf("StartContainer(%s): %v", spec.Name, err)
	}
	return st
}

// URL is http://addr:port/path.
func URL(addr netip.Addr, port int, path string) string {
	return "http://" + netip.AddrPortFrom(addr, uint16(port)).String() + path
}

// Endpoint is where the container's containerPort is reached from the
// host: its address and the port's host port (the port itself unless the
// driver binds it elsewhere, as the process runtime does in ports mode).
func Endpoint(st runtime.ContainerState, containerPort int) netip.AddrPort {
	return netip.AddrPortFrom(st.Address, uint16(st.HostPort(containerPort)))
}

// AppURL is http://<Endpoint(st, containerPort)>/path.
func AppURL(st runtime.ContainerState, containerPort int, path string) string {
	return "http://" + Endpoint(st, containerPort).String() + path
}

// AppInfo is what the test app answers to GET /.
type AppInfo struct {
	Host  string            `json:"host"`
	Port  string            `json:"port"`
	PID   int               `json:"pid"`
	Cwd   string            `json:"cwd"`
	Env   map[string]string `json:"env"`
	Local string            `json:"local"`
}

// Info GETs the test app's / at url, waiting for it to come up.
func Info(t testing.TB, url string) AppInfo {
	t.Helper()
	var info AppInfo
	if err := json.Unmarshal(WaitHTTP(t, url, 15*time.Second), &info); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return info
}

// CollectLogs returns the container's log lines so far (no follow).
func CollectLogs(t testing.TB, d runtime.Driver, id string, after string) []runtime.LogLine {
	t.Helper()
	var lines []runtime.LogLine
	err := d.Logs(Context(t), id, runtime.LogOptions{After: after}, func(l runtime.LogLine) error {
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		t.Fatalf("Logs(%s): %v", id, err)
	}
	return lines
}

// WaitLog polls the container's logs until a line of stream s contains
// text, and returns that line.
func WaitLog(t testing.TB, d runtime.Driver, id string, s runtime.Stream, text string) runtime.LogLine {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		lines := CollectLogs(t, d, id, "")
		for _, l := range lines {
			if l.Stream == s && strings.Contains(l.Text, text) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s line containing %q in the logs of %s; got %v", s, text, id, lines)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func testLifecycle(t *testing.T, h Harness) {
	ctx := Context(t)
	d := h.New(t, "lifecycle")
	task := Provision(t, d, "lifecycle")

	again, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: task.ID, Cluster: "lifecycle"})
	if err != nil || again.Address != task.Address {
		t.Errorf("ProvisionTask again = %v, %v; want the same address %v", again.Address, err, task.Address)
	}

	st := Start(t, d, task, h.AppSpec("web", 8080, map[string]string{"TERM_EXIT_CODE": "3", "BALLAST_MB": "32"}))
	if st.ID == "" || st.Status != runtime.StatusRunning || st.Address != task.Address || st.Name != "web" || st.TaskID != task.ID {
		t.Errorf("StartContainer = %+v; want web RUNNING at %v", st, task.Address)
	}
	info := Info(t, AppURL(st, 8080, "/"))
	if want := strconv.Itoa(st.HostPort(8080)); info.Port != want {
		t.Errorf("app port = %q, want %s (container port 8080)", info.Port, want)
	}

	in, err := d.Inspect(ctx, st.ID)
	if err != nil || in.Status != runtime.StatusRunning || in.PID == 0 || in.Address != task.Address || in.Exit != nil {
		t.Errorf("Inspect = %+v, %v; want RUNNING with a pid at %v", in, err, task.Address)
	}

	t.Run("Exec", func(t *testing.T) { lifecycleExec(ctx, t, h, d, task, st) })

	t.Run("Stats", func(t *testing.T) { lifecycleStats(ctx, t, h, d, task, st) })

	t.Run("Logs", func(t *testing.T) {
		first := WaitLog(t, d, st.ID, runtime.Stdout, "listening on")
		WaitLog(t, d, st.ID, runtime.Stderr, "started pid")
		WaitHTTP(t, AppURL(st, 8080, "/log?msg=hello-logs"), 10*time.Second)
		WaitLog(t, d, st.ID, runtime.Stdout, "hello-logs")
		l := WaitLog(t, d, st.ID, runtime.Stderr, "err: hello-logs")
		if l.Time.IsZero() || l.Cursor == "" {
			t.Errorf("log line %+v has no time or cursor", l)
		}
		// Resuming after the first line does not repeat it.
		rest := CollectLogs(t, d, st.ID, first.Cursor)
		texts := texts(rest)
		if slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "listening on") }) ||
			!slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "hello-logs") }) {
			t.Errorf("Logs after %q = %q; want the later lines only", first.Cursor, texts)
		}
	})

	// Follow the logs through the stop: Logs must end by itself once the
	// container has exited, with the last line in.
	var (
		wg        sync.WaitGroup
		followed  []string
		followErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		followErr = d.Logs(ctx, st.ID, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) error {
			followed = append(followed, l.Text)
			return nil
		})
	}()

	start := time.Now()
	if err := d.StopContainer(ctx, st.ID, 10*time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("StopContainer of an app that honours SIGTERM took %v", el)
	}
	exit, err := d.Wait(ctx, st.ID)
	if err != nil || exit.Code != 3 || exit.FinishedAt.IsZero() {
		t.Errorf("Wait = %+v, %v; want exit code 3 (TERM_EXIT_CODE)", exit, err)
	}
	in, err = d.Inspect(ctx, st.ID)
	if err != nil || in.Status != runtime.StatusStopped || in.Exit == nil || in.Exit.Code != 3 {
		t.Errorf("Inspect after stop = %+v, %v; want STOPPED with exit code 3", in, err)
	}
	if err := d.StopContainer(ctx, st.ID, time.Second); err != nil {
		t.Errorf("StopContainer of a stopped container: %v", err)
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Logs with Follow did not return after the container exited")
	}
	if followErr != nil || !slices.Contains(followed, "got SIGTERM") || !slices.ContainsFunc(followed, func(s string) bool { return strings.HasPrefix(s, "listening on") }) {
		t.Errorf("followed logs = %q, %v; want everything up to \"got SIGTERM\"", followed, followErr)
	}

	if err := d.DeprovisionTask(ctx, task.ID); err != nil {
		t.Fatalf("DeprovisionTask: %v", err)
	}
	var nf *runtime.NotFoundError
	if _, err := d.Inspect(ctx, st.ID); !errors.As(err, &nf) {
		t.Errorf("Inspect after DeprovisionTask: %v, want *NotFoundError", err)
	}
	tasks, err := d.List(ctx)
	if err != nil || len(tasks) != 0 {
		t.Errorf("List after DeprovisionTask = %+v, %v; want nothing", tasks, err)
	}
	if err := d.DeprovisionTask(ctx, task.ID); err != nil {
		t.Errorf("DeprovisionTask again: %v", err)
	}
}

// lifecycleExec checks Exec in the running container: exit codes, output,
// and 126/127 for a command that cannot run.
func lifecycleExec(ctx context.Context, t *testing.T, h Harness, d runtime.Driver, task runtime.Task, st runtime.ContainerState) {
	local := fmt.Sprintf("http://%s:%d", h.TaskLocal(task), st.HostPort(8080))
	for _, tt := range []struct {
		cmd  []string
		code int
	}{
		{[]string{h.AppPath, "health", local + "/"}, 0},
		{[]string{h.AppPath, "health", local + "/no-such-page"}, 1},
		{[]string{h.AppPath, "exit", "42"}, 42},
	} {
		r, err := d.Exec(ctx, st.ID, tt.cmd)
		if err != nil || r.ExitCode != tt.code {
			t.Errorf("Exec(%q) = %d %q, %v; want exit code %d", tt.cmd, r.ExitCode, r.Output, err, tt.code)
		}
	}
	r, err := d.Exec(ctx, st.ID, []string{h.AppPath, "health", local + "/"})
	if err == nil && !strings.Contains(string(r.Output), "200") {
		t.Errorf("Exec health output = %q, want the status line", r.Output)
	}
	r, err = d.Exec(ctx, st.ID, []string{"/no/such/executable"})
	if err != nil || (r.ExitCode != 126 && r.ExitCode != 127) {
		t.Errorf("Exec(missing) = %d %q, %v; want exit code 126 or 127", r.ExitCode, r.Output, err)
	}
}

// lifecycleStats checks that Stats sees the CPU the app burns and the
// memory its ballast holds.
func lifecycleStats(ctx context.Context, t *testing.T, h Harness, d runtime.Driver, task runtime.Task, st runtime.ContainerState) {
	WaitHTTP(t, AppURL(st, 8080, "/burn?ms=300"), 10*time.Second)
	s, err := d.Stats(ctx, st.ID)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if s.CPUTime < 100*time.Millisecond {
		t.Errorf("Stats CPUTime = %v after burning 300ms, want >= 100ms", s.CPUTime)
	}
	if s.MemoryBytes < 32<<20 {
		t.Errorf("Stats MemoryBytes = %d with a 32 MiB ballast, want >= 32 MiB", s.MemoryBytes)
	}
	if s.Processes < 1 || s.Time.IsZero() {
		t.Errorf("Stats = %+v, want processes and a time", s)
	}
}

func texts(lines []runtime.LogLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func testStopTimeoutKills(t *testing.T, h Harness) {
	ctx := Context(t)
	d := h.New(t, "stoptimeout")
	task := Provision(t, d, "stoptimeout")
	st := Start(t, d, task, h.AppSpec("stubborn", 8080, map[string]string{"IGNORE_SIGTERM": "1"}))
	Info(t, AppURL(st, 8080, "/"))

	start := time.Now()
	if err := d.StopContainer(ctx, st.ID, time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	if el := time.Since(start); el < 900*time.Millisecond || el > 10*time.Second {
		t.Errorf("StopContainer(timeout 1s) of an app ignoring SIGTERM took %v; want about 1s", el)
	}
	exit, err := d.Wait(ctx, st.ID)
	if err != nil || exit.Code != 137 {
		t.Errorf("Wait = %+v, %v; want 137 (SIGKILL)", exit, err)
	}
}

func testExitCode(t *testing.T, h Harness) {
	ctx := Context(t)
	d := h.New(t, "exitcode")
	task := Provision(t, d, "exitcode")
	st := Start(t, d, task, h.AppSpec("once", 8080, nil, "exit", "7"))
	exit, err := d.Wait(ctx, st.ID)
	if err != nil || exit.Code != 7 || !exit.Known() {
		t.Fatalf("Wait = %+v, %v; want exit code 7", exit, err)
	}
	in, err := d.Inspect(ctx, st.ID)
	if err != nil || in.Status != runtime.StatusStopped || in.Exit == nil || in.Exit.Code != 7 {
		t.Errorf("Inspect = %+v, %v; want STOPPED, exit code 7", in, err)
	}
	if !slices.Contains(texts(CollectLogs(t, d, st.ID, "")), "exiting 7") {
		t.Errorf("logs of an exited container lack its output")
	}
	if _, err := d.Stats(ctx, st.ID); err == nil {
		t.Errorf("Stats of an exited container: no error")
	}
}

func testTwoTasksSamePort(t *testing.T, h Harness) {
	d := h.New(t, "sameport")
	a, b := Provision(t, d, "sameport"), Provision(t, d, "sameport")
	sa := Start(t, d, a, h.AppSpec("web", 8080, map[string]string{"WHO": "a"}))
	sb := Start(t, d, b, h.AppSpec("web", 8080, map[string]string{"WHO": "b"}))
	// Told apart by address (awsvpc) or by host port (ports mode).
	if Endpoint(sa, 8080) == Endpoint(sb, 8080) {
		t.Fatalf("two tasks' container port 8080 share the endpoint %v", Endpoint(sa, 8080))
	}
	for _, tt := range []struct {
		st  runtime.ContainerState
		who string
	}{{sa, "a"}, {sb, "b"}} {
		info := Info(t, AppURL(tt.st, 8080, "/"))
		if info.Env["WHO"] != tt.who {
			t.Errorf("%v answered as %q, want %q", Endpoint(tt.st, 8080), info.Env["WHO"], tt.who)
		}
		if want := Endpoint(tt.st, 8080).String(); info.Local != want {
			t.Errorf("task %s app saw its local address as %s, want %s", tt.who, info.Local, want)
		}
	}
}

func testSharedAddress(t *testing.T, h Harness) {
	ctx := Context(t)
	d := h.New(t, "shared")
	task := Provision(t, d, "shared")
	a := Start(t, d, task, h.AppSpec("a", 8080, map[string]string{"WHO": "a"}))
	Info(t, AppURL(a, 8080, "/"))
	peer := fmt.Sprintf("http://%s:%d/", h.TaskLocal(task), a.HostPort(8080))
	b := Start(t, d, task, h.AppSpec("b", 8081, map[string]string{"WHO": "b", "PEER_URL": peer}))
	if a.Address != task.Address || b.Address != task.Address {
		t.Errorf("container addresses %v, %v; want both %v", a.Address, b.Address, task.Address)
	}
	var info AppInfo
	if err := json.Unmarshal(WaitHTTP(t, AppURL(b, 8081, "/peer"), 15*time.Second), &info); err != nil {
		t.Fatal(err)
	}
	if info.Env["WHO"] != "a" {
		t.Errorf("b reached %q at %s, want a", info.Env["WHO"], peer)
	}
	tasks, err := d.List(ctx)
	if err != nil || len(tasks) != 1 || len(tasks[0].Containers) != 2 {
		t.Fatalf("List = %+v, %v; want one task with two containers", tasks, err)
	}
	for _, c := range tasks[0].Containers {
		if c.Address != task.Address || c.Status != runtime.StatusRunning {
			t.Errorf("List container %+v; want RUNNING at %v", c, task.Address)
		}
	}
}

func testMissingImage(t *testing.T, h Harness) {
	d := h.New(t, "missing")
	task := Provision(t, d, "missing")
	_, err := d.StartContainer(Context(t), task.ID, runtime.ContainerSpec{Name: "web", Image: h.MissingImage})
	var inf *runtime.ImageNotFoundError
	if !errors.As(err, &inf) {
		t.Fatalf("StartContainer(%s) = %v, want *ImageNotFoundError", h.MissingImage, err)
	}
	tasks, err := d.List(Context(t))
	if err != nil || len(tasks) != 1 || len(tasks[0].Containers) != 0 {
		t.Errorf("List after a failed start = %+v, %v; want the task without containers", tasks, err)
	}
}

func testNotFound(t *testing.T, h Harness) {
	ctx := Context(t)
	d := h.New(t, "notfound")
	var nf *runtime.NotFoundError
	if _, err := d.Inspect(ctx, "no-such-container"); !errors.As(err, &nf) {
		t.Errorf("Inspect(unknown) = %v, want *NotFoundError", err)
	}
	if _, err := d.Wait(ctx, "no-such-container"); !errors.As(err, &nf) {
		t.Errorf("Wait(unknown) = %v, want *NotFoundError", err)
	}
	if _, err := d.StartContainer(ctx, NewTaskID(), h.AppSpec("web", 8080, nil)); !errors.As(err, &nf) {
		t.Errorf("StartContainer(unprovisioned task) = %v, want *NotFoundError", err)
	}
	if err := d.DeprovisionTask(ctx, NewTaskID()); err != nil {
		t.Errorf("DeprovisionTask(unknown) = %v, want nil", err)
	}
	var inv *runtime.InvalidSpecError
	if _, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: "../x", Cluster: "c"}); !errors.As(err, &inv) {
		t.Errorf("ProvisionTask(bad id) = %v, want *InvalidSpecError", err)
	}
}

func testReadopt(t *testing.T, h Harness) {
	ctx := Context(t)
	d1 := h.New(t, "readopt")
	t1, t2 := Provision(t, d1, "readopt"), Provision(t, d1, "readopt")
	web1 := Start(t, d1, t1, h.AppSpec("web", 8080, map[string]string{"WHO": "1"}))
	web2 := Start(t, d1, t2, h.AppSpec("web", 8080, map[string]string{"WHO": "2"}))
	once := Start(t, d1, t1, h.AppSpec("once", 8081, nil, "exit", "5"))
	Info(t, AppURL(web1, 8080, "/"))
	Info(t, AppURL(web2, 8080, "/"))
	if e, err := d1.Wait(ctx, once.ID); err != nil || e.Code != 5 {
		t.Fatalf("Wait(once) = %+v, %v", e, err)
	}

	// The server "dies": d1 is dropped, d2 starts over the same state.
	d2 := h.New(t, "readopt")
	tasks, err := d2.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	got := map[string]runtime.Task{}
	for _, task := range tasks {
		got[task.ID] = task
	}
	if len(tasks) != 2 || got[t1.ID].Address != t1.Address || got[t2.ID].Address != t2.Address {
		t.Fatalf("List = %+v; want exactly tasks %s at %v and %s at %v", tasks, t1.ID, t1.Address, t2.ID, t2.Address)
	}
	states := map[string]runtime.ContainerState{}
	for _, task := range tasks {
		if task.Cluster != "readopt" {
			t.Errorf("task %s cluster = %q", task.ID, task.Cluster)
		}
		for _, c := range task.Containers {
			states[c.ID] = c
		}
	}
	if len(states) != 3 ||
		states[web1.ID].Status != runtime.StatusRunning || states[web1.ID].Name != "web" || states[web1.ID].TaskID != t1.ID ||
		states[web2.ID].Status != runtime.StatusRunning ||
		states[once.ID].Status != runtime.StatusStopped || states[once.ID].Exit == nil || states[once.ID].Exit.Code != 5 {
		t.Fatalf("List containers = %+v; want web (t1, running), web (t2, running), once (t1, exited 5)", states)
	}

	// An adopted container keeps its host ports.
	for _, st := range []runtime.ContainerState{web1, web2} {
		if got := states[st.ID]; Endpoint(got, 8080) != Endpoint(st, 8080) {
			t.Errorf("container %s is at %v after re-adoption, was at %v", st.ID, Endpoint(got, 8080), Endpoint(st, 8080))
		}
	}
	if info := Info(t, AppURL(web1, 8080, "/")); info.Env["WHO"] != "1" {
		t.Errorf("t1 answers as %q", info.Env["WHO"])
	}
	if r, err := d2.Exec(ctx, web2.ID, []string{h.AppPath, "health", fmt.Sprintf("http://%s:%d/", h.TaskLocal(t2), web2.HostPort(8080))}); err != nil || r.ExitCode != 0 {
		t.Errorf("Exec on an adopted container = %d %q, %v", r.ExitCode, r.Output, err)
	}
	if _, err := d2.Stats(ctx, web2.ID); err != nil {
		t.Errorf("Stats on an adopted container: %v", err)
	}
	WaitLog(t, d2, web1.ID, runtime.Stdout, "listening on")

	waited := make(chan runtime.ExitStatus, 1)
	go func() {
		e, err := d2.Wait(ctx, web1.ID)
		if err != nil {
			t.Errorf("Wait on an adopted container: %v", err)
		}
		waited <- e
	}()
	if err := d2.StopContainer(ctx, web1.ID, 10*time.Second); err != nil {
		t.Fatalf("StopContainer on an adopted container: %v", err)
	}
	select {
	case e := <-waited:
		// The exit code of a process the new server did not start may be
		// unknowable (process driver); if known it is the app's.
		if e.Known() && e.Code != 0 {
			t.Errorf("Wait on an adopted container = %+v; want 0 or unknown", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait on an adopted container did not return after StopContainer")
	}
	for _, task := range []runtime.Task{t1, t2} {
		if err := d2.DeprovisionTask(ctx, task.ID); err != nil {
			t.Errorf("DeprovisionTask(%s): %v", task.ID, err)
		}
	}
	if tasks, err := d2.List(ctx); err != nil || len(tasks) != 0 {
		t.Errorf("List after deprovisioning = %+v, %v", tasks, err)
	}
}
