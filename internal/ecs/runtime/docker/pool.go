package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// A warm pause container is started ahead of need on a cluster's network,
// so that provisioning a task there is a rename instead of a container
// start (most of what `docker run` costs: the engine's network setup). It
// carries the owner, role and cluster labels but no task: labels cannot
// change, a name can, and the rename is atomic in the engine. So a pause
// container belongs to the task its name says; a warm one, named
// portolan.warm.<random>, to none, whatever happens around a crash.

const warmPrefix = "portolan.warm."

// fillTimeout bounds one background fill of a cluster's pool.
const fillTimeout = time.Minute

func warmName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return warmPrefix + hex.EncodeToString(b[:])
}

// pauseTaskID returns the task whose pause container has one of names (as
// the engine lists them, with a leading slash), or false for a warm one.
func pauseTaskID(names []string) (string, bool) {
	for _, n := range names {
		id, ok := strings.CutPrefix(strings.TrimPrefix(n, "/"), "portolan-")
		// A task container's name has a dot, a warm one's another prefix.
		if ok && runtime.ValidName(id) {
			return id, true
		}
	}
	return "", false
}

// warmNameOf returns the name of a warm pause container, or false for any
// other container.
func warmNameOf(c container.Summary) (string, bool) {
	if c.Labels[labelRole] != rolePause {
		return "", false
	}
	for _, n := range c.Names {
		if n = strings.TrimPrefix(n, "/"); strings.HasPrefix(n, warmPrefix) {
			return n, true
		}
	}
	return "", false
}

func isWarm(c container.Summary) bool {
	_, ok := warmNameOf(c)
	return ok
}

// warmContainers lists the owner's warm pause containers, of one cluster
// or all.
func (d *Driver) warmContainers(ctx context.Context, cluster string) ([]container.Summary, error) {
	f := make(client.Filters).Add("label", labelOwner+"="+d.cfg.Owner, labelRole+"="+rolePause)
	if cluster != "" {
		f.Add("label", labelCluster+"="+cluster)
	}
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	var out []container.Summary
	for _, c := range list.Items {
		if isWarm(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// removeWarm removes the owner's warm pause containers.
func (d *Driver) removeWarm(ctx context.Context) error {
	warm, err := d.warmContainers(ctx, "")
	if err != nil {
		return err
	}
	for _, c := range warm {
		if err := d.remove(ctx, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// claimWarm renames a warm pause container of the cluster for the task and
// returns its ID and whether it was running, or "" if the pool is empty.
// It prefers a running one; one that is not may be starting still, and
// waiting for that start beats starting another. Under netMu, so that two
// claims never take the same one, nor one that fillPool or the removal of
// the cluster's network is removing.
func (d *Driver) claimWarm(ctx context.Context, spec runtime.TaskSpec) (string, bool, error) {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	warm, err := d.warmContainers(ctx, spec.Cluster)
	if err != nil {
		return "", false, err
	}
	slices.SortStableFunc(warm, func(a, b container.Summary) int {
		return cmpBool(a.State != container.StateRunning, b.State != container.StateRunning)
	})
	for _, c := range warm {
		// By its warm name: if another server of this owner renamed it
		// since the list, the old name is gone and the rename fails.
		name, _ := warmNameOf(c)
		d.renameMu.Lock()
		_, err := d.cli.ContainerRename(ctx, name, client.ContainerRenameOptions{NewName: pauseName(spec.TaskID)})
		d.renameMu.Unlock()
		switch {
		case err == nil:
			return c.ID, c.State == container.StateRunning, nil
		case cerrdefs.IsNotFound(err):
			continue
		}
		return "", false, err
	}
	return "", false, nil
}

// refill has the cluster's pool filled in the background, or filled once
// more after the fill under way, which may have seen a warm container that
// a claim has taken since.
func (d *Driver) refill(cluster string) {
	d.fillMu.Lock()
	defer d.fillMu.Unlock()
	if _, busy := d.filling[cluster]; busy {
		d.filling[cluster] = true
		return
	}
	d.filling[cluster] = false
	d.fills.Add(1)
	go d.fill(cluster)
}

// fill is the goroutine refill starts; the driver owns it, RemoveAll waits
// for it, and fillTimeout bounds each round.
func (d *Driver) fill(cluster string) {
	defer d.fills.Done()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), fillTimeout)
		err := d.fillPool(ctx, cluster)
		cancel()
		if err != nil {
			d.log.Warn("starting a warm pause container", "cluster", cluster, "err", err)
		}
		d.fillMu.Lock()
		again := d.filling[cluster]
		if !again {
			delete(d.filling, cluster)
			d.fillMu.Unlock()
			return
		}
		d.filling[cluster] = false
		d.fillMu.Unlock()
	}
}

// fillPool starts a warm pause container for the cluster unless it has a
// running one. It never creates the cluster's network: the pool lives only
// while the cluster has tasks, and the network's removal takes it along.
func (d *Driver) fillPool(ctx context.Context, cluster string) error {
	name, err := d.createWarm(ctx, cluster)
	if err != nil || name == "" {
		return err
	}
	// By name, as a claim may have renamed it meanwhile, and then started
	// it too (NotModified) or be starting it.
	err = d.start(ctx, name)
	if err == nil || cerrdefs.IsNotModified(err) {
		return nil
	}
	if rerr := d.remove(context.WithoutCancel(ctx), name); rerr != nil {
		return fmt.Errorf("%w (and removing it: %v)", err, rerr)
	}
	if cerrdefs.IsNotFound(err) {
		return nil // the cluster's last task went, and the network with it
	}
	return err
}

// createWarm creates a warm pause container for the cluster and returns
// its name, or "" if the cluster has a running one or no network.
func (d *Driver) createWarm(ctx context.Context, cluster string) (string, error) {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	warm, err := d.warmContainers(ctx, cluster)
	if err != nil {
		return "", err
	}
	for _, c := range warm {
		if c.State == container.StateRunning {
			return "", nil
		}
	}
	// There is one fill per cluster at a time: the others are left over
	// from a fill cut short, or stopped by an engine restart.
	for _, c := range warm {
		if err := d.remove(ctx, c.ID); err != nil {
			return "", err
		}
	}
	nets, err := d.ownNetworks(ctx, cluster)
	if err != nil || len(nets) == 0 {
		return "", err
	}
	name := warmName()
	_, err = d.createPause(ctx, placement{cluster: cluster, network: nets[0].Name}, name)
	return name, err
}
