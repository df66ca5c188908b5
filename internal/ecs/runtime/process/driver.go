package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
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
	// TaskAddresses is how tasks are told apart: an address each, or host
	// ports on 127.0.0.1. Default (and ModeAuto): addresses where the host
	// can bind them, ports elsewhere.
	TaskAddresses AddressMode
	// SharedAddress is where every task listens in ModePorts. Default
	// 127.0.0.1; a node that others reach (--advertise) puts its tasks on
	// its own address instead, so that their host ports are reachable
	// from the other machines.
	SharedAddress netip.Addr
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

	mu sync.Mutex // serialises address and port allocation, guards children
	// children are the containers this Driver started itself: it is their
	// parent, so it reaps them and knows their exit codes.
	children map[string]*child

	// spawned, if set, is called between starting a container's process and
	// recording its pid: a test hook for a crash in that window.
	spawned func(pid int)
}

var (
	_ runtime.Driver  = (*Driver)(nil)
	_ runtime.Remover = (*Driver)(nil)
)

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
	if cfg.TaskAddresses == "" {
		cfg.TaskAddresses = ModeAuto
	}
	if _, err := ParseAddressMode(string(cfg.TaskAddresses)); err != nil {
		return nil, fmt.Errorf("process runtime: %w", err)
	}
	cfg.TaskAddresses = resolveMode(cfg.TaskAddresses, cfg.AddressPool)
	if !cfg.SharedAddress.IsValid() {
		cfg.SharedAddress = defaultSharedAddress
	}
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

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "process" }

// AddressPool returns the prefix task addresses come from.
func (d *Driver) AddressPool() netip.Prefix { return d.cfg.AddressPool }

// AddressMode returns how new tasks are told apart: ModeAddresses or
// ModePorts, never ModeAuto.
func (d *Driver) AddressMode() AddressMode { return d.cfg.TaskAddresses }

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
	return runtime.DeprovisionTasks(ctx, d, tasks)
}
