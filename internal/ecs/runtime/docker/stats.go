package docker

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Stats implements runtime.Driver with one sample from the engine.
func (d *Driver) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return runtime.Stats{}, err
	}
	if c.State == nil || !c.State.Running {
		return runtime.Stats{}, fmt.Errorf("container %s is not running", id)
	}
	res, err := d.cli.ContainerStats(ctx, c.ID, client.ContainerStatsOptions{})
	if err != nil {
		return runtime.Stats{}, err
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return runtime.Stats{}, fmt.Errorf("stats of container %s: %w", id, err)
	}
	m := s.MemoryStats
	// The working set, as docker stats shows it: usage without the page
	// cache the kernel can drop (cgroup v2 and v1 name it differently).
	inactive := cmp.Or(m.Stats["inactive_file"], m.Stats["total_inactive_file"])
	used := m.Usage
	if inactive < used {
		used -= inactive
	}
	return runtime.Stats{
		Time:             cmp.Or(s.Read, time.Now()),
		CPUTime:          time.Duration(s.CPUStats.CPUUsage.TotalUsage),
		MemoryBytes:      used,
		MemoryLimitBytes: m.Limit,
		Processes:        int(s.PidsStats.Current),
	}, nil
}
