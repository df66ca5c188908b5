package process

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// child is a container process started by this Driver.
type child struct {
	rec  containerRecord // as written at start; never changed
	proc *os.Process
	done chan struct{} // closed once the process is reaped and exit is set
	exit runtime.ExitStatus
	// removing is set by DeprovisionTasks before it kills the process: it
	// ends the session itself, for many containers at once, and removes
	// the record, so reap does neither.
	removing atomic.Bool
}

// leader names a container's main process as its record does.
type leader struct {
	pid        int
	startTicks uint64
}

// handle is a container as one call sees it: our child, or a record of a
// container started by an earlier server.
type handle struct {
	rec   containerRecord
	child *child
}

// reap waits for a child to exit, cleans up after it and records the exit.
func (d *Driver) reap(c *child) {
	pid := c.rec.PID
	if err := waitChildExit(pid, c.rec.StartTicks); err != nil {
		d.log.Warn("waiting for container process", "containerId", c.rec.ID, "pid", pid, "err", err)
	}
	// The leader is a zombie now, which keeps its pid from being reused:
	// the right moment to kill what it left in its session, as the end of a
	// pid namespace would.
	removing := c.removing.Load()
	if !removing {
		killSession(pid, c.rec.StartTicks, syscall.SIGKILL)
	}
	ps, err := c.proc.Wait()
	exit := runtime.ExitStatus{Code: runtime.UnknownExitCode, FinishedAt: time.Now()}
	if err != nil {
		exit.Reason = "exit status unknown: " + err.Error()
	} else {
		exit.Code = exitCode(ps)
	}
	rec := c.rec
	rec.Exit = &exit
	// A container being removed has no record left to write the exit to.
	if !removing {
		if err := writeJSON(d.containerPath(rec.ID), rec); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Warn("recording container exit", "containerId", rec.ID, "err", err)
		}
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
		Address: h.rec.Address, Ports: h.rec.Ports, StartedAt: h.rec.StartedAt, Status: runtime.StatusRunning, PID: h.rec.PID,
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
