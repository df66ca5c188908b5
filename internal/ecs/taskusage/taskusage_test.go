package taskusage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/taskusage"
)

// samples hands out one prepared sample per call: the agent's answers
// over time (the agent itself runs in the server tests, on the process
// and docker runtimes).
type samples [][]agent.TaskUsage

func (s *samples) Usage(context.Context) []agent.TaskUsage {
	out := (*s)[0]
	*s = (*s)[1:]
	return out
}

// TestSeriesFollowTheSample: a scrape shows the last sample's tasks with
// their labels and values, and a task missing from a later sample (it
// stopped) is gone from the scrape, with no series left behind.
func TestSeriesFollowTheSample(t *testing.T) {
	web := agent.TaskUsage{Cluster: "c", Service: "web", Family: "web", TaskID: "t1",
		Stats: runtime.Stats{CPUTime: 1500 * time.Millisecond, MemoryBytes: 64 << 20}}
	batch := agent.TaskUsage{Cluster: "c", Family: "batch", TaskID: "t2",
		Stats: runtime.Stats{CPUTime: 250 * time.Millisecond, MemoryBytes: 8 << 20}}
	src := &samples{{web, batch}, {web}}
	e := taskusage.New(taskusage.Config{Tasks: src})
	if n := testutil.CollectAndCount(e); n != 0 {
		t.Fatalf("%d series before the first sample", n)
	}
	names := []string{"portolan_ecs_task_cpu_seconds_total", "portolan_ecs_task_memory_bytes"}
	e.Sample(context.Background())
	want := `
# HELP portolan_ecs_task_memory_bytes Memory a RUNNING task's containers use (their working set: resident memory, or the cgroup's usage without inactive page cache).
# TYPE portolan_ecs_task_memory_bytes gauge
portolan_ecs_task_memory_bytes{cluster="c",family="batch",service="",task_id="t2"} 8.388608e+06
portolan_ecs_task_memory_bytes{cluster="c",family="web",service="web",task_id="t1"} 6.7108864e+07
`
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), names[1]); err != nil {
		t.Fatal(err)
	}
	if got := testutil.CollectAndCount(e, names[0]); got != 2 {
		t.Fatalf("%d CPU series, want 2", got)
	}
	e.Sample(context.Background())
	if got := testutil.CollectAndCount(e, names...); got != 2 {
		t.Fatalf("%d series after t2 stopped, want t1's 2", got)
	}
	if err := testutil.CollectAndCompare(e, strings.NewReader(`
# HELP portolan_ecs_task_cpu_seconds_total CPU time a RUNNING task's containers have used since they started, as the runtime measures it (sampled; see portolan_ecs_task_usage_sampled_timestamp_seconds).
# TYPE portolan_ecs_task_cpu_seconds_total counter
portolan_ecs_task_cpu_seconds_total{cluster="c",family="web",service="web",task_id="t1"} 1.5
`), names[0]); err != nil {
		t.Fatal(err)
	}
}
