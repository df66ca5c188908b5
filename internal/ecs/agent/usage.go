package agent

import (
	"context"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/runtime"
)

// TaskUsage is one RUNNING task's resource use, sampled from the runtime
// and summed over its running containers, with what its definition
// reserves.
type TaskUsage struct {
	Cluster string
	TaskID  string
	// Service is the service the task belongs to ("" for a standalone
	// task), from its group "service:<name>".
	Service string
	// Family is the task definition's family.
	Family string
	// CPUUnits is the cpu the task reserves (1024 = one vCPU): the task
	// definition's task-level cpu, else the sum of its containers'; 0 if
	// neither says.
	CPUUnits int
	// MemoryMiB is the memory it reserves: task-level memory, else the sum
	// of its containers' hard limits (or soft ones); 0 if none says.
	MemoryMiB int
	Stats     runtime.Stats
}

// Usage samples every RUNNING task of this node. A container the runtime
// cannot sample (it is just exiting) is left out of its task's sum.
func (a *Agent) Usage(ctx context.Context) []TaskUsage {
	a.mu.Lock()
	runners := make([]*runner, 0, len(a.runners))
	for _, r := range a.runners {
		runners = append(runners, r)
	}
	a.mu.Unlock()
	var out []TaskUsage
	for _, r := range runners {
		r.mu.Lock()
		running := r.st.LastStatus == ecs.StatusRunning
		rec := r.rec
		var ids []string
		for _, c := range r.containers {
			if c.started && !c.exited && c.id != "" {
				ids = append(ids, c.id)
			}
		}
		r.mu.Unlock()
		if !running || len(ids) == 0 {
			continue
		}
		u := TaskUsage{Cluster: rec.Cluster, TaskID: rec.TaskID, Family: rec.Definition.Family, CPUUnits: reservedCPU(rec.Definition), MemoryMiB: reservedMemory(rec.Definition)}
		u.Service, _ = strings.CutPrefix(rec.Group, "service:")
		if u.Service == rec.Group {
			u.Service = ""
		}
		sampled := false
		for _, id := range ids {
			s, err := a.drv.Stats(ctx, id)
			if err != nil {
				continue
			}
			sampled = true
			if s.Time.After(u.Stats.Time) {
				u.Stats.Time = s.Time
			}
			u.Stats.CPUTime += s.CPUTime
			u.Stats.MemoryBytes += s.MemoryBytes
			u.Stats.MemoryLimitBytes += s.MemoryLimitBytes
			u.Stats.Processes += s.Processes
		}
		if sampled {
			out = append(out, u)
		}
	}
	return out
}

func reservedCPU(d ecs.TaskDefinition) int {
	if n, err := strconv.Atoi(d.Cpu); err == nil && n > 0 {
		return n
	}
	sum := 0
	for _, c := range d.ContainerDefinitions {
		sum += c.Cpu
	}
	return sum
}

func reservedMemory(d ecs.TaskDefinition) int {
	if n, err := strconv.Atoi(d.Memory); err == nil && n > 0 {
		return n
	}
	sum := 0
	for _, c := range d.ContainerDefinitions {
		switch {
		case c.Memory != nil:
			sum += *c.Memory
		case c.MemoryReservation != nil:
			sum += *c.MemoryReservation
		}
	}
	return sum
}
