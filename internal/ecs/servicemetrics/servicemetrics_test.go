package servicemetrics_test

import (
	"math"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/servicemetrics"
)

// TestUtilization: ECS's formulas, percent of what the task reserves.
func TestUtilization(t *testing.T) {
	t0 := time.Unix(1000, 0)
	sample := func(at time.Duration, cpu time.Duration, units int) agent.TaskUsage {
		return agent.TaskUsage{CPUUnits: units, Stats: runtime.Stats{Time: t0.Add(at), CPUTime: cpu}}
	}
	for _, c := range []struct {
		name      string
		prev, cur agent.TaskUsage
		want      float64
		ok        bool
	}{
		{"a quarter CPU busy of 256 units", sample(0, 0, 256), sample(time.Second, 250*time.Millisecond, 256), 100, true},
		{"one CPU of 1024 units half busy", sample(0, time.Second, 1024), sample(2*time.Second, 2*time.Second, 1024), 50, true},
		{"two CPUs busy of 1024 units", sample(0, 0, 1024), sample(time.Second, 2*time.Second, 1024), 200, true},
		{"no reservation counts as one vCPU", sample(0, 0, 0), sample(time.Second, 100*time.Millisecond, 0), 10, true},
		{"no time between samples", sample(time.Second, 0, 256), sample(time.Second, time.Second, 256), 0, false},
		{"a restarted container's clock", sample(0, time.Second, 256), sample(time.Second, 0, 256), 0, false},
	} {
		got, ok := servicemetrics.CPUUtilization(c.prev, c.cur)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	mem := agent.TaskUsage{MemoryMiB: 512, Stats: runtime.Stats{MemoryBytes: 128 << 20}}
	if got, ok := servicemetrics.MemoryUtilization(mem); !ok || got != 25 {
		t.Errorf("128 MiB of 512: %v, %v; want 25", got, ok)
	}
	if _, ok := servicemetrics.MemoryUtilization(agent.TaskUsage{}); ok {
		t.Error("no reservation: want no memory utilisation")
	}
}
