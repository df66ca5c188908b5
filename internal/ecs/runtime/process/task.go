package process

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// defaultPool picks a /24 in 127.1.0.0–127.254.255.0 from the owner, so that
// servers and test binaries with different owners rarely collide, and none
// uses 127.0.x.x, where 127.0.0.1 and resolvers (127.0.0.53) live.
func defaultPool(owner string) netip.Prefix {
	h := fnv.New32a()
	h.Write([]byte(owner))
	s := h.Sum32()
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, byte(1 + s%254), byte(s >> 8), 0}), 24)
}

// ProvisionTask implements runtime.Driver: it takes the lowest free address
// of the pool (or, in ModePorts, the shared address) and records it.
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
	addr, err := d.taskAddress()
	if err != nil {
		return runtime.Task{}, err
	}
	t = taskRecord{ID: spec.TaskID, Cluster: spec.Cluster, Owner: d.cfg.Owner, Address: addr, CreatedAt: time.Now()}
	if err := writeJSON(d.taskPath(t.ID), t); err != nil {
		return runtime.Task{}, err
	}
	return t.task(), nil
}

// taskAddress is the address of a new task: the shared one in ModePorts,
// else the lowest address of the pool no task holds. mu is held.
func (d *Driver) taskAddress() (netip.Addr, error) {
	if d.cfg.TaskAddresses == ModePorts {
		return d.cfg.SharedAddress, nil
	}
	tasks, err := d.readTasks()
	if err != nil {
		return netip.Addr{}, err
	}
	used := make(map[netip.Addr]bool, len(tasks))
	for _, t := range tasks {
		used[t.Address] = true
	}
	return allocate(d.cfg.AddressPool, used)
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

// removeAtOnce bounds how many tasks' directories and records
// DeprovisionTasks removes at once.
const removeAtOnce = 8

// DeprovisionTask implements runtime.Driver.
func (d *Driver) DeprovisionTask(ctx context.Context, taskID string) error {
	return d.DeprovisionTasks(ctx, []string{taskID})
}

// DeprovisionTasks implements runtime.BatchDeprovisioner. Every container
// of the tasks is killed at once and waited for together, reading the
// process table twice before and twice after for all of them, not four
// times for each; then their directories and the task records go, several
// at once. A crash part-way leaves records that List still reports, for
// the caller to finish.
func (d *Driver) DeprovisionTasks(ctx context.Context, taskIDs []string) error {
	ids := make(map[string]bool, len(taskIDs))
	for _, id := range taskIDs {
		if runtime.ValidName(id) {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		return nil
	}
	recs, err := d.readContainers()
	if err != nil {
		return err
	}
	var hs []*handle
	var leaders []leader
	for _, rec := range recs {
		if !ids[rec.TaskID] {
			continue
		}
		h := d.handleOf(rec)
		if h.child != nil {
			h.child.removing.Store(true)
		}
		hs = append(hs, h)
		leaders = append(leaders, leader{h.rec.PID, h.rec.StartTicks})
	}
	killSessions(leaders)
	for _, h := range hs {
		if err := d.waitGone(ctx, h); err != nil {
			return fmt.Errorf("deprovision task %s: %w", h.rec.TaskID, err)
		}
	}
	// Whatever the leaders left in their sessions goes too: processes
	// forked while the first passes ran, and those of adopted containers,
	// whose sessions no reap ended.
	killSessions(leaders)
	byTask := map[string][]*handle{}
	for _, h := range hs {
		byTask[h.rec.TaskID] = append(byTask[h.rec.TaskID], h)
	}
	errs := make(chan error, len(ids))
	var g errgroup.Group
	// Several at once: the unlinks of one directory do not wait for
	// another's.
	g.SetLimit(removeAtOnce)
	for id := range ids {
		g.Go(func() error {
			errs <- d.removeTask(id, byTask[id])
			return nil
		})
	}
	g.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	// Not synced: a removal a crash undoes brings back a task without
	// containers, which List reports and the agent removes as an orphan;
	// and the next task to take a freed address syncs this directory as
	// it writes its record, removals included.
	return errors.Join(all...)
}

// removeTask removes the directories of a task's containers, which are
// gone, then its record, which frees its address.
func (d *Driver) removeTask(id string, hs []*handle) error {
	for _, h := range hs {
		if err := removeDir(d.containerDir(h.rec.ID)); err != nil {
			// The task's record stays too, so that List still shows it.
			return err
		}
		d.mu.Lock()
		delete(d.children, h.rec.ID)
		d.mu.Unlock()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.Remove(d.taskPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
