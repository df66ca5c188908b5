package process

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

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
	id := containerID(taskID, spec.Name)
	// The directory is made first: it claims the name, and with it the
	// host ports recorded below.
	if err := os.Mkdir(d.containerDir(id), 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return runtime.ContainerState{}, fmt.Errorf("container %s already exists", id)
		}
		return runtime.ContainerState{}, err
	}
	rec, err := d.prepare(id, spec, task)
	if err != nil {
		_ = os.RemoveAll(d.containerDir(id))
		return runtime.ContainerState{}, err
	}
	c, err := d.start(rec)
	if err != nil {
		_ = os.RemoveAll(d.containerDir(id))
		return runtime.ContainerState{}, fmt.Errorf("start container %s: %w", id, err)
	}
	awaitPorts(ctx, c, rec, spec.PortMappings)
	return d.state(&handle{rec: c.rec, child: c}), nil
}

// prepare builds the record of container id of task: its host ports if
// the task is on the shared address, environment, argv and directory.
// Host ports are chosen and recorded under mu, so that two containers
// starting at once never get the same one.
func (d *Driver) prepare(id string, spec runtime.ContainerSpec, task taskRecord) (containerRecord, error) {
	rec := containerRecord{
		ID: id, TaskID: task.ID, Cluster: task.Cluster, Name: spec.Name, Owner: d.cfg.Owner,
		Image: spec.Image, Address: task.Address,
	}
	if task.Address == d.cfg.SharedAddress && len(spec.PortMappings) > 0 {
		d.mu.Lock()
		defer d.mu.Unlock()
		used, err := d.usedHostPorts()
		if err != nil {
			return rec, err
		}
		if rec.Ports, err = hostPorts(d.cfg.SharedAddress, spec.PortMappings, used); err != nil {
			return rec, err
		}
	}
	rec.Env = d.environment(spec, task, rec.Ports)
	var err error
	if rec.Argv, rec.Dir, err = d.resolve(spec, rec.Env); err != nil {
		return rec, err
	}
	// Written here, under mu, so that the next container's usedHostPorts
	// sees these ports; start writes it again as it spawns.
	return rec, writeJSON(d.containerPath(id), rec)
}

// usedHostPorts are the host ports of the containers that have not ended;
// mu is held.
func (d *Driver) usedHostPorts() (map[int]bool, error) {
	recs, err := d.readContainers()
	if err != nil {
		return nil, err
	}
	used := map[int]bool{}
	for _, r := range recs {
		if r.Exit != nil {
			continue
		}
		for _, p := range r.Ports {
			used[p.HostPort] = true
		}
	}
	return used, nil
}

// portWait bounds how long StartContainer waits for a container to listen.
const portWait = 2 * time.Second

// awaitPorts waits until the container's TCP ports accept connections on
// its task's address (at their host ports), it exits, or portWait passes. A process starts in a
// millisecond and listens a few later; a task is registered in Cloud Map
// (and so reached by the gateway and DNS) as soon as its containers have
// started, and without this a client could be sent to a port nobody
// listens on yet (docs/compat.md).
func awaitPorts(ctx context.Context, c *child, rec containerRecord, ports []runtime.PortMapping) {
	deadline := time.Now().Add(portWait)
	dialer := net.Dialer{Timeout: 100 * time.Millisecond}
	st := runtime.ContainerState{Ports: rec.Ports}
	for _, p := range ports {
		if p.Protocol != "" && p.Protocol != "tcp" {
			continue
		}
		target := netip.AddrPortFrom(rec.Address, uint16(st.HostPort(p.ContainerPort))).String()
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

// environment builds a container's environment: the variables passed
// through from the server, the definition's, then PORT and HOST unless the
// definition sets them. With host ports, PORT is the host port (see
// portEnv). Sorted, so that records are stable.
func (d *Driver) environment(spec runtime.ContainerSpec, task taskRecord, bindings []runtime.PortBinding) []string {
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
	if port, ok := portEnv(spec, bindings); ok {
		m["PORT"] = port
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
			detail := "no executable file at that path"
			if strings.Contains(spec.Image, ".dkr.ecr.") {
				// An ECR image (ContainerImage.fromEcrRepository) is an image
				// for the docker runtime.
				detail = "an ECR image: the process runtime runs executables, so map it to one with --image NAME=REF (or run the server with --runtime docker, which pulls it from Portolan's registry)"
			}
			return nil, "", &runtime.ImageNotFoundError{Image: spec.Image, Detail: detail}
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
