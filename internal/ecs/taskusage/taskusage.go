package taskusage

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/ecs/agent"
)

// Tasks is where the usage comes from: the node's agent.
type Tasks interface {
	Usage(ctx context.Context) []agent.TaskUsage
}

// Config is what an Exporter needs.
type Config struct {
	Tasks Tasks
	// Interval is the time between samples (20 s, ECS's own sampling
	// period, when zero).
	Interval time.Duration
	Logger   *slog.Logger
}

// DefaultInterval is how often tasks are sampled unless told otherwise.
const DefaultInterval = 20 * time.Second

var (
	labels  = []string{"cluster", "service", "family", "task_id"}
	cpuDesc = prometheus.NewDesc("portolan_ecs_task_cpu_seconds_total",
		"CPU time a RUNNING task's containers have used since they started, as the runtime measures it (sampled; see portolan_ecs_task_usage_sampled_timestamp_seconds).",
		labels, nil)
	memDesc = prometheus.NewDesc("portolan_ecs_task_memory_bytes",
		"Memory a RUNNING task's containers use (their working set: resident memory, or the cgroup's usage without inactive page cache).",
		labels, nil)
	sampledDesc = prometheus.NewDesc("portolan_ecs_task_usage_sampled_timestamp_seconds",
		"When the task usage series were last sampled from the runtime.", nil, nil)
)

// Exporter samples the tasks and serves the last sample as a
// prometheus.Collector.
type Exporter struct {
	cfg  Config
	last atomic.Pointer[sample]
}

type sample struct {
	at    time.Time
	tasks []agent.TaskUsage
}

// New returns an Exporter; register it, and Run it.
func New(cfg Config) *Exporter {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Exporter{cfg: cfg}
}

// Run samples at once and then every interval until ctx ends.
func (e *Exporter) Run(ctx context.Context) error {
	t := time.NewTicker(e.cfg.Interval)
	defer t.Stop()
	for {
		e.Sample(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sample takes one sample of every RUNNING task now.
func (e *Exporter) Sample(ctx context.Context) {
	tasks := e.cfg.Tasks.Usage(ctx)
	if ctx.Err() != nil {
		return
	}
	e.last.Store(&sample{at: time.Now(), tasks: tasks})
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- cpuDesc
	ch <- memDesc
	ch <- sampledDesc
}

// Collect implements prometheus.Collector: the last sample, nothing
// before the first.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	s := e.last.Load()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(sampledDesc, prometheus.GaugeValue, float64(s.at.UnixNano())/1e9)
	for _, u := range s.tasks {
		l := []string{u.Cluster, u.Service, u.Family, u.TaskID}
		ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.CounterValue, u.Stats.CPUTime.Seconds(), l...)
		ch <- prometheus.MustNewConstMetric(memDesc, prometheus.GaugeValue, float64(u.Stats.MemoryBytes), l...)
	}
}
