package process

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Config configures a Driver.
type Config struct {
	// StateDir holds the records and logs of the driver's containers, e.g.
	// <data-dir>/runtime/process. One server per directory. Created if
	// missing.
	StateDir string
	// Owner is recorded with every task and seeds the default AddressPool,
	// e.g. the server's data-dir id. Default: StateDir's absolute path.
	Owner string
	// AddressPool is where task addresses come from; it must lie inside
	// 127.0.0.0/8. Default: a /24 picked by hashing Owner.
	AddressPool netip.Prefix
	// WorkingDirectory is the base of relative image paths and the working
	// directory of containers that name none. Default: the server's.
	WorkingDirectory string
	// PassEnvironment names the server's environment variables that every
	// container inherits before its own. Default: DefaultPassEnvironment().
	PassEnvironment []string
	Logger          *slog.Logger
}

// DefaultPassEnvironment is what a container inherits from the server by
// default: enough for ordinary programs to work (find executables, a home,
// a locale, a temp dir), and nothing that could carry the server's
// credentials or configuration.
func DefaultPassEnvironment() []string {
	return []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "TZ", "TMPDIR"}
}

// Driver is the process runtime. Create it with New.
type Driver struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex // serialises address allocation and guards children
	// children are the containers this Driver started itself: it is their
	// parent, so it reaps them and knows their exit codes.
	children map[string]*child

	// spawned, if set, is called between starting a container's process and
	// recording its pid: a test hook for a crash in that window.
	spawned func(pid int)
}

// child is a container process started by this Driver.
type child struct {
	rec  containerRecord // as written at start; never changed
	proc *os.Process
	done chan struct{} // closed once the process is reaped and exit is set
	exit runtime.ExitStatus
}

// handle is a container as one call sees it: our child, or a record of a
// container started by an earlier server.
type handle struct {
	rec   containerRecord
	child *child
}

var _ runtime.Driver = (*Driver)(nil)

// New returns a Driver over cfg.StateDir, ready to re-adopt the containers
// an earlier Driver left there.
func New(cfg Config) (*Driver, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	if cfg.StateDir == "" {
		return nil, errors.New("process runtime: StateDir is required")
	}
	dir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	cfg.StateDir = dir
	if cfg.Owner == "" {
		cfg.Owner = dir
	}
	if !cfg.AddressPool.IsValid() {
		cfg.AddressPool = defaultPool(cfg.Owner)
	}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	if p := cfg.AddressPool; !p.Addr().Is4() || p.Bits() < 8 || !loopback.Contains(p.Addr()) {
		return nil, fmt.Errorf("process runtime: address pool %s is not inside %s", p, loopback)
	}
	cfg.AddressPool = cfg.AddressPool.Masked()
	if cfg.WorkingDirectory == "" {
		if cfg.WorkingDirectory, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	if cfg.PassEnvironment == nil {
		cfg.PassEnvironment = DefaultPassEnvironment()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := closeOnExecInherited(); err != nil {
		return nil, fmt.Errorf("process runtime: %w", err)
	}
	d := &Driver{cfg: cfg, log: cfg.Logger, children: map[string]*child{}}
	for _, p := range []string{d.tasksDir(), d.containersDir()} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			return nil, err
		}
	}
	d.settleUnrecorded()
	return d, nil
}

// The environment variables that mark a container's main process as ours,
// so that a new Driver can find it without its record. See start.
const (
	envContainerID = "PORTOLAN_CONTAINER_ID"
	envOwner       = "PORTOLAN_OWNER"
)

// settleUnrecorded finds the container processes an earlier Driver started
// but did not live to record (killed between spawning a process and writing
// its pid; see start) by the marker in their environment, and settles each,
// so that after a restart no container is both running and reported as
// ended, which would leave it orphaned and let the agent start a duplicate:
//
//   - its record still says "starting": the start succeeded, so the process
//     is adopted (its pid is recorded) and List reports it running; the
//     agent then re-adopts the task instead of starting it again;
//   - it has no record (its task was deprovisioned) or its record has
//     reported it ended already (a Driver without this check did): nobody
//     owns it any more, and the task may have been replaced, so its
//     session is killed.
//
// A process whose record names a pid already is left alone: it is that
// container's, or a descendant that made a session of its own.
func (d *Driver) settleUnrecorded() {
	for _, p := range markedLeaders(d.cfg.Owner) {
		id := p.ContainerID
		if strings.ContainsAny(id, "/\x00") || id == "." || id == ".." {
			continue
		}
		rec, err := d.readContainer(id)
		var nf *runtime.NotFoundError
		switch {
		case errors.As(err, &nf):
		case err != nil:
			d.log.Warn("reading the record of an unrecorded container process", "containerId", id, "pid", p.PID, "err", err)
			continue
		case rec.PID != 0:
			continue
		case rec.Exit == nil:
			// markedLeaders lists oldest first, so this is the process
			// start spawned, not a descendant that made a session of its own.
			rec.PID, rec.StartTicks, rec.StartedAt = p.PID, p.StartTicks, startTime(p.StartTicks)
			if err := writeJSON(d.containerPath(id), rec); err != nil {
				d.log.Warn("adopting an unrecorded container process", "containerId", id, "pid", p.PID, "err", err)
				continue
			}
			d.log.Info("adopted a container process started by a server that died before recording it", "containerId", id, "pid", p.PID)
			continue
		}
		d.log.Info("killing a container process nobody owns", "containerId", id, "pid", p.PID)
		killSession(p.PID, p.StartTicks, syscall.SIGKILL)
		// Wait, so that its address and ports are free once New returns.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := waitExit(ctx, p.PID, p.StartTicks); err != nil {
			d.log.Warn("killing a container process nobody owns", "containerId", id, "pid", p.PID, "err", err)
		}
		cancel()
	}
}

// defaultPool picks a /24 in 127.1.0.0–127.254.255.0 from the owner, so that
// servers and test binaries with different owners rarely collide, and none
// uses 127.0.x.x, where 127.0.0.1 and resolvers (127.0.0.53) live.
func defaultPool(owner string) netip.Prefix {
	h := fnv.New32a()
	h.Write([]byte(owner))
	s := h.Sum32()
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, byte(1 + s%254), byte(s >> 8), 0}), 24)
}

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "process" }

// AddressPool returns the prefix task addresses come from.
func (d *Driver) AddressPool() netip.Prefix { return d.cfg.AddressPool }

// ProvisionTask implements runtime.Driver: it takes the lowest free address
// of the pool and records it.
func (d *Driver) ProvisionTask(ctx context.Context, spec runtime.TaskSpec) (runtime.Task, error) {
	if err := spec.Validate(); err != nil {
		return runtime.Task{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t, err := d.readTask(spec.TaskID)
	var nf *runtime.NotFoundError
	switch {
	case err == nil && t.Cluster != spec.Cluster:
		return runtime.Task{}, fmt.Errorf("task %s is already provisioned in cluster %s", spec.TaskID, t.Cluster)
	case err == nil:
		return t.task(), nil
	case !errors.As(err, &nf):
		return runtime.Task{}, err
	}
	tasks, err := d.readTasks()
	if err != nil {
		return runtime.Task{}, err
	}
	used := make(map[netip.Addr]bool, len(tasks))
	for _, t := range tasks {
		used[t.Address] = true
	}
	addr, err := allocate(d.cfg.AddressPool, used)
	if err != nil {
		return runtime.Task{}, err
	}
	t = taskRecord{ID: spec.TaskID, Cluster: spec.Cluster, Owner: d.cfg.Owner, Address: addr, CreatedAt: time.Now()}
	if err := writeJSON(d.taskPath(t.ID), t); err != nil {
		return runtime.Task{}, err
	}
	return t.task(), nil
}

func (t taskRecord) task() runtime.Task {
	return runtime.Task{ID: t.ID, Cluster: t.Cluster, Owner: t.Owner, Address: t.Address}
}

// allocate returns the lowest address of pool not in used, skipping .0 and
// .255 (valid on lo, but they read like network and broadcast addresses).
func allocate(pool netip.Prefix, used map[netip.Addr]bool) (netip.Addr, error) {
	for a := pool.Addr(); pool.Contains(a); a = a.Next() {
		if b := a.As4(); b[3] == 0 || b[3] == 255 {
			continue
		}
		if !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("process runtime: address pool %s is exhausted", pool)
}

// removeDir removes a container's directory. The container's waiter may be
// writing its exit record (a temp file, then a rename) at that moment, and
// RemoveAll then meets a file it had not listed; trying again clears it.
func removeDir(dir string) error {
	for i := 0; ; i++ {
		err := os.RemoveAll(dir)
		if err == nil || i == 10 || !errors.Is(err, syscall.ENOTEMPTY) {
			return err
		}
		time.Sleep(time.Millisecond)
	}
}

// DeprovisionTask implements runtime.Driver.
func (d *Driver) DeprovisionTask(ctx context.Context, taskID string) error {
	if !runtime.ValidName(taskID) {
		return nil
	}
	recs, err := d.readContainers()
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.TaskID != taskID {
			continue
		}
		h := d.handleOf(rec)
		if d.exitOf(h) == nil {
			killSession(rec.PID, rec.StartTicks, syscall.SIGKILL)
			if err := d.waitGone(ctx, h); err != nil {
				return fmt.Errorf("deprovision task %s: %w", taskID, err)
			}
		}
		// Whatever the entrypoint left behind goes too; for a child the
		// reaper has done this already.
		if h.child == nil {
			killSession(rec.PID, rec.StartTicks, syscall.SIGKILL)
		}
		if err := removeDir(d.containerDir(rec.ID)); err != nil {
			return err
		}
		d.mu.Lock()
		delete(d.children, rec.ID)
		d.mu.Unlock()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.Remove(d.taskPath(taskID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(d.tasksDir())
}

// StartContainer implements runtime.Driver.
func (d *Driver) StartContainer(ctx context.Context, taskID string, spec runtime.ContainerSpec) (runtime.ContainerState, error) {
	if err := spec.Validate(); err != nil {
		return runtime.ContainerState{}, err
	}
	if !runtime.ValidName(taskID) {
		return runtime.ContainerState{}, &runtime.NotFoundError{Kind: "task", ID: taskID}
	}
	task, err := d.readTask(taskID)
	if err != nil {
		return runtime.ContainerState{}, err
	}
	env := d.environment(spec, task)
	argv, dir, err := d.resolve(spec, env)
	if err != nil {
		return runtime.ContainerState{}, err
	}
	id := containerID(taskID, spec.Name)
	if err := os.Mkdir(d.containerDir(id), 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return runtime.ContainerState{}, fmt.Errorf("container %s already exists", id)
		}
		return runtime.ContainerState{}, err
	}
	rec := containerRecord{
		ID: id, TaskID: taskID, Cluster: task.Cluster, Name: spec.Name, Owner: d.cfg.Owner,
		Image: spec.Image, Address: task.Address, Argv: argv, Dir: dir, Env: env,
	}
	c, err := d.start(rec)
	if err != nil {
		_ = os.RemoveAll(d.containerDir(id))
		return runtime.ContainerState{}, fmt.Errorf("start container %s: %w", id, err)
	}
	awaitPorts(ctx, c, task.Address, spec.PortMappings)
	return d.state(&handle{rec: c.rec, child: c}), nil
}

// portWait bounds how long StartContainer waits for a container to listen.
const portWait = 2 * time.Second

// awaitPorts waits until the container's TCP ports accept connections on
// its task's address, it exits, or portWait passes. A process starts in a
// millisecond and listens a few later; a task is registered in Cloud Map
// (and so reached by the gateway and DNS) as soon as its containers have
// started, and without this a client could be sent to a port nobody
// listens on yet (docs/compat.md).
func awaitPorts(ctx context.Context, c *child, addr netip.Addr, ports []runtime.PortMapping) {
	deadline := time.Now().Add(portWait)
	dialer := net.Dialer{Timeout: 100 * time.Millisecond}
	for _, p := range ports {
		if p.Protocol != "" && p.Protocol != "tcp" {
			continue
		}
		target := netip.AddrPortFrom(addr, uint16(p.ContainerPort)).String()
		for wait := 500 * time.Microsecond; ; wait = min(2*wait, 20*time.Millisecond) {
			conn, err := dialer.DialContext(ctx, "tcp", target)
			if err == nil {
				conn.Close()
				break
			}
			if time.Now().Add(wait).After(deadline) {
				return
			}
			select {
			case <-c.done:
				return
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// start runs rec's process and records it. The record is written before the
// process starts (without a pid) and again after, so that a crash in between
// leaves a record that says so rather than nothing.
//
// A "starting" record cannot say whether the process got started: the pid
// is only known after the spawn, and no order of writes closes that window.
// So the process also carries its container ID and the owner in its
// environment, where a new Driver finds it without the pid and adopts or
// kills it (settleUnrecorded); the record is what decides which. The marker
// is not in rec.Env, so Exec'd commands (session leaders too) never pass
// for the container; descendants inherit it but are not session leaders.
// An app that overwrites its environment area (setproctitle) loses the
// marker, and with it this protection.
func (d *Driver) start(rec containerRecord) (*child, error) {
	if err := writeJSON(d.containerPath(rec.ID), rec); err != nil {
		return nil, err
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	var out [2]*os.File
	for i, s := range []runtime.Stream{runtime.Stdout, runtime.Stderr} {
		f, err := os.OpenFile(d.logPath(rec.ID, s), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		out[i] = f
	}
	// Not exec.CommandContext: the process must outlive any context of the
	// server, and the server itself. setsid makes it the leader of a session
	// and group of its own: signals for the container reach its children,
	// and the server's terminal does not reach it.
	proc, err := os.StartProcess(rec.Argv[0], rec.Argv, &os.ProcAttr{
		Dir:   rec.Dir,
		Env:   markedEnv(rec.Env, rec.ID, d.cfg.Owner),
		Files: []*os.File{stdin, out[0], out[1]},
		Sys:   newSession(),
	})
	if err != nil {
		return nil, err
	}
	if d.spawned != nil {
		d.spawned(proc.Pid)
	}
	// Not reaped yet, so /proc/<pid> is there even if it has exited already.
	st, err := readStat(proc.Pid)
	if err != nil {
		_ = proc.Kill()
		_, _ = proc.Wait()
		return nil, err
	}
	rec.PID, rec.StartTicks, rec.StartedAt = proc.Pid, st.StartTicks, time.Now()
	if err := writeJSON(d.containerPath(rec.ID), rec); err != nil {
		// A container without a record could not be found after a restart;
		// better not to run it at all.
		killSession(rec.PID, rec.StartTicks, syscall.SIGKILL)
		_, _ = proc.Wait()
		return nil, err
	}
	c := &child{rec: rec, proc: proc, done: make(chan struct{})}
	d.mu.Lock()
	d.children[rec.ID] = c
	d.mu.Unlock()
	// The reaper is the parent's duty and ends with the child.
	go d.reap(c)
	return c, nil
}

// markedEnv is env with the variables that mark a process as container id
// of owner, replacing any the definition set.
func markedEnv(env []string, id, owner string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != envContainerID && k != envOwner {
			out = append(out, kv)
		}
	}
	return append(out, envContainerID+"="+id, envOwner+"="+owner)
}

// reap waits for a child to exit, cleans up after it and records the exit.
func (d *Driver) reap(c *child) {
	pid := c.rec.PID
	if err := waitChildExit(pid); err != nil {
		d.log.Warn("waiting for container process", "containerId", c.rec.ID, "pid", pid, "err", err)
	}
	// The leader is a zombie now, which keeps its pid from being reused:
	// the right moment to kill what it left in its session, as the end of a
	// pid namespace would.
	killSession(pid, c.rec.StartTicks, syscall.SIGKILL)
	ps, err := c.proc.Wait()
	exit := runtime.ExitStatus{Code: runtime.UnknownExitCode, FinishedAt: time.Now()}
	if err != nil {
		exit.Reason = "exit status unknown: " + err.Error()
	} else {
		exit.Code = exitCode(ps)
	}
	rec := c.rec
	rec.Exit = &exit
	if err := writeJSON(d.containerPath(rec.ID), rec); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("recording container exit", "containerId", rec.ID, "err", err)
	}
	c.exit = exit
	close(c.done)
}

// exitCode is the process's exit code, or 128+signal when a signal ended it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// handle finds container id: our child, or an earlier server's record.
func (d *Driver) handle(id string) (*handle, error) {
	d.mu.Lock()
	c := d.children[id]
	d.mu.Unlock()
	if c != nil {
		return &handle{rec: c.rec, child: c}, nil
	}
	if !runtime.ValidName(id) {
		return nil, &runtime.NotFoundError{Kind: "container", ID: id}
	}
	rec, err := d.readContainer(id)
	if err != nil {
		return nil, err
	}
	return &handle{rec: rec}, nil
}

func (d *Driver) handleOf(rec containerRecord) *handle {
	d.mu.Lock()
	c := d.children[rec.ID]
	d.mu.Unlock()
	if c != nil {
		return &handle{rec: c.rec, child: c}
	}
	return &handle{rec: rec}
}

// exitOf returns how the container ended, or nil while it runs. The first
// time it sees that an adopted container has ended it records the end, so
// that every later look agrees on it.
func (d *Driver) exitOf(h *handle) *runtime.ExitStatus {
	if c := h.child; c != nil {
		select {
		case <-c.done:
			e := c.exit
			return &e
		default:
			return nil
		}
	}
	if h.rec.Exit != nil {
		return h.rec.Exit
	}
	reason := "exit code unknown: the process ended while the server was not its parent"
	switch {
	case h.rec.PID == 0:
		reason = "the server stopped while starting the container"
	case alive(h.rec.PID, h.rec.StartTicks):
		return nil
	}
	// A driver that was its parent may have recorded the exit meanwhile.
	if rec, err := d.readContainer(h.rec.ID); err == nil && rec.Exit != nil {
		h.rec = rec
		return rec.Exit
	}
	h.rec.Exit = &runtime.ExitStatus{Code: runtime.UnknownExitCode, Reason: reason, FinishedAt: time.Now()}
	if err := writeJSON(d.containerPath(h.rec.ID), h.rec); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("recording container exit", "containerId", h.rec.ID, "err", err)
	}
	return h.rec.Exit
}

// waitGone blocks until the container's main process has exited.
func (d *Driver) waitGone(ctx context.Context, h *handle) error {
	if c := h.child; c != nil {
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if h.rec.PID == 0 {
		return nil
	}
	return waitExit(ctx, h.rec.PID, h.rec.StartTicks)
}

func (d *Driver) state(h *handle) runtime.ContainerState {
	s := runtime.ContainerState{
		ID: h.rec.ID, TaskID: h.rec.TaskID, Cluster: h.rec.Cluster, Name: h.rec.Name, Image: h.rec.Image,
		Address: h.rec.Address, StartedAt: h.rec.StartedAt, Status: runtime.StatusRunning, PID: h.rec.PID,
	}
	if e := d.exitOf(h); e != nil {
		s.Status, s.Exit, s.PID = runtime.StatusStopped, e, 0
	}
	return s
}

// StopContainer implements runtime.Driver: SIGTERM to the container's
// process group, SIGKILL to its whole session after timeout.
func (d *Driver) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	h, err := d.handle(id)
	if err != nil {
		return err
	}
	if d.exitOf(h) != nil {
		return nil
	}
	pid, start := h.rec.PID, h.rec.StartTicks
	killSession(pid, start, syscall.SIGTERM)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	err = d.waitGone(tctx, h)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		killSession(pid, start, syscall.SIGKILL)
		if err := d.waitGone(ctx, h); err != nil {
			return err
		}
	}
	if h.child == nil {
		killSession(pid, start, syscall.SIGKILL)
	}
	d.exitOf(h)
	return nil
}

// Wait implements runtime.Driver.
func (d *Driver) Wait(ctx context.Context, id string) (runtime.ExitStatus, error) {
	h, err := d.handle(id)
	if err != nil {
		return runtime.ExitStatus{}, err
	}
	if e := d.exitOf(h); e != nil {
		return *e, nil
	}
	if err := d.waitGone(ctx, h); err != nil {
		return runtime.ExitStatus{}, err
	}
	if h.child == nil {
		killSession(h.rec.PID, h.rec.StartTicks, syscall.SIGKILL)
	}
	return *d.exitOf(h), nil
}

// Inspect implements runtime.Driver.
func (d *Driver) Inspect(ctx context.Context, id string) (runtime.ContainerState, error) {
	h, err := d.handle(id)
	if err != nil {
		return runtime.ContainerState{}, err
	}
	return d.state(h), nil
}

// Stats implements runtime.Driver by summing /proc/<pid>/stat over the
// processes of the container's session.
func (d *Driver) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	h, err := d.handle(id)
	if err != nil {
		return runtime.Stats{}, err
	}
	if d.exitOf(h) != nil {
		return runtime.Stats{}, fmt.Errorf("container %s is not running", id)
	}
	s := runtime.Stats{Time: time.Now()}
	var ticks uint64
	for _, p := range sessionMembers(h.rec.PID) {
		ticks += p.CPUTicks
		s.MemoryBytes += uint64(max(p.RSSPages, 0)) * uint64(os.Getpagesize())
		s.Processes++
	}
	s.CPUTime = time.Duration(ticks) * (time.Second / ticksPerSecond)
	return s, nil
}

// Exec implements runtime.Driver: cmd runs with the container's environment
// and working directory, in a session of its own that is killed whole when
// ctx ends. An executable that cannot be found or run gives exit code 127 or
// 126, as a shell (and docker exec) would.
func (d *Driver) Exec(ctx context.Context, id string, cmd []string) (runtime.ExecResult, error) {
	h, err := d.handle(id)
	if err != nil {
		return runtime.ExecResult{}, err
	}
	if len(cmd) == 0 {
		return runtime.ExecResult{}, &runtime.InvalidSpecError{Field: "command", Value: ""}
	}
	if d.exitOf(h) != nil {
		return runtime.ExecResult{}, fmt.Errorf("container %s is not running", id)
	}
	path, err := lookPath(cmd[0], h.rec.Dir, h.rec.Env)
	if err != nil {
		code := 127
		if errors.Is(err, fs.ErrPermission) {
			code = 126
		}
		return runtime.ExecResult{ExitCode: code, Output: []byte(err.Error() + "\n")}, nil
	}
	var out cappedBuffer
	c := exec.CommandContext(ctx, path, cmd[1:]...)
	c.Args[0] = cmd[0]
	c.Dir, c.Env, c.Stdout, c.Stderr = h.rec.Dir, h.rec.Env, &out, &out
	c.SysProcAttr = newSession()
	c.Cancel = func() error { return killGroup(c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = time.Second
	err = c.Run()
	if ctx.Err() != nil {
		return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, ctx.Err())
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return runtime.ExecResult{ExitCode: exitCode(ee.ProcessState), Output: out.b}, nil
	case err != nil:
		return runtime.ExecResult{ExitCode: 126, Output: []byte(err.Error() + "\n")}, nil
	}
	return runtime.ExecResult{Output: out.b}, nil
}

// cappedBuffer keeps the first runtime.MaxExecOutput bytes written to it
// and swallows the rest, so the process never blocks on a full pipe.
type cappedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := runtime.MaxExecOutput - len(c.b); n > 0 {
		c.b = append(c.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// List implements runtime.Driver. Containers whose task record is gone
// (a crash in the middle of DeprovisionTask) are reported under a task made
// up from their records, so that the caller can finish the job.
func (d *Driver) List(ctx context.Context) ([]runtime.Task, error) {
	tasks, err := d.readTasks()
	if err != nil {
		return nil, err
	}
	recs, err := d.readContainers()
	if err != nil {
		return nil, err
	}
	byID := map[string]*runtime.Task{}
	for _, t := range tasks {
		rt := t.task()
		byID[t.ID] = &rt
	}
	for _, rec := range recs {
		t := byID[rec.TaskID]
		if t == nil {
			t = &runtime.Task{ID: rec.TaskID, Cluster: rec.Cluster, Owner: rec.Owner, Address: rec.Address}
			byID[rec.TaskID] = t
		}
		t.Containers = append(t.Containers, d.state(d.handleOf(rec)))
	}
	return runtime.Sorted(byID), nil
}

// RemoveAll kills and removes every task of the state directory: the
// cleanup for tests (whose containers would otherwise outlive them, as they
// are meant to outlive a server) and for resetting a data dir.
func (d *Driver) RemoveAll(ctx context.Context) error {
	tasks, err := d.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tasks {
		errs = append(errs, d.DeprovisionTask(ctx, t.ID))
	}
	return errors.Join(errs...)
}

// environment builds a container's environment: the variables passed
// through from the server, the definition's, then PORT and HOST unless the
// definition sets them. Sorted, so that records are stable.
func (d *Driver) environment(spec runtime.ContainerSpec, task taskRecord) []string {
	m := map[string]string{}
	for _, k := range d.cfg.PassEnvironment {
		if v, ok := os.LookupEnv(k); ok {
			m[k] = v
		}
	}
	for k, v := range spec.Environment {
		m[k] = v
	}
	if _, ok := spec.Environment["HOST"]; !ok {
		m["HOST"] = task.Address.String()
	}
	if _, ok := spec.Environment["PORT"]; !ok && len(spec.PortMappings) > 0 {
		m["PORT"] = strconv.Itoa(spec.PortMappings[0].ContainerPort)
	}
	env := make([]string, 0, len(m))
	for k, v := range m {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

// resolve turns a container definition into an absolute argv[0], the rest
// of the argv, and a working directory, as the package doc describes.
func (d *Driver) resolve(spec runtime.ContainerSpec, env []string) (argv []string, dir string, err error) {
	var imageDir, imageExe string
	if spec.Image != "" {
		p := spec.Image
		if !filepath.IsAbs(p) {
			p = filepath.Join(d.cfg.WorkingDirectory, p)
		}
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				imageDir = p
			} else {
				imageExe = p
			}
		}
	}
	base := cmp.Or(imageDir, d.cfg.WorkingDirectory)
	switch dir = spec.WorkingDirectory; {
	case dir == "":
		dir = base
	case !filepath.IsAbs(dir):
		dir = filepath.Join(base, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, "", fmt.Errorf("working directory %s: not a directory", dir)
	}

	argv = append(slices.Clone(spec.EntryPoint), spec.Command...)
	if len(argv) == 0 {
		if imageExe == "" {
			return nil, "", &runtime.ImageNotFoundError{Image: spec.Image, Detail: "no executable file at that path"}
		}
		argv = []string{imageExe}
	}
	path, err := lookPath(argv[0], dir, env)
	if err != nil {
		return nil, "", err
	}
	argv[0] = path
	return argv, dir, nil
}

// lookPath finds an executable as a shell in dir with environment env
// would: a name with a slash is a path (relative to dir), one without is
// searched in env's PATH.
func lookPath(file, dir string, env []string) (string, error) {
	candidates := []string{file}
	if !containsSlash(file) {
		candidates = nil
		for _, p := range filepath.SplitList(envValue(env, "PATH")) {
			candidates = append(candidates, filepath.Join(cmp.Or(p, "."), file))
		}
	}
	var firstErr error
	for _, p := range candidates {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
		case fi.IsDir():
			err = fmt.Errorf("%s is a directory: %w", p, fs.ErrPermission)
		case fi.Mode()&0o111 == 0:
			err = fmt.Errorf("%s is not executable: %w", p, fs.ErrPermission)
		default:
			return p, nil
		}
		if firstErr == nil || errors.Is(err, fs.ErrPermission) {
			firstErr = err
		}
	}
	if containsSlash(file) {
		return "", fmt.Errorf("executable %s: %w", file, firstErr)
	}
	if firstErr != nil && errors.Is(firstErr, fs.ErrPermission) {
		return "", firstErr
	}
	return "", fmt.Errorf("executable %q not found in $PATH", file)
}

func containsSlash(s string) bool { return strings.Contains(s, "/") }

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
