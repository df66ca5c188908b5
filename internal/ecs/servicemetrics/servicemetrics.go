// Package servicemetrics publishes the ECS service utilisation metrics
// (AWS/ECS CPUUtilization and MemoryUtilization, dimensions ClusterName
// and ServiceName) from what the node's runtime measures, as ECS does.
//
// Where it sits: it runs beside the agent (it samples the agent's tasks
// through Usage) and publishes into CloudWatch in the same process; the
// alarms of Application Auto Scaling's target tracking read these metrics.
package servicemetrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs/agent"
)

// Namespace is where ECS publishes.
const Namespace = "AWS/ECS"

// Tasks is where the usage comes from: the node's agent.
type Tasks interface {
	Usage(ctx context.Context) []agent.TaskUsage
}

// Sink takes the datapoints: CloudWatch.
type Sink interface {
	Publish(m cloudwatch.Metric, unit string, t time.Time, s cloudwatch.StatisticSet)
}

// Config is what a Publisher needs.
type Config struct {
	Tasks Tasks
	Sink  Sink
	// MetricPeriod is the real duration of AWS's minute (1 m when zero).
	// ECS samples every 20 s, three times a period; so does the Publisher.
	MetricPeriod time.Duration
	Logger       *slog.Logger
}

// Publisher samples the tasks and publishes the services' utilisation.
type Publisher struct {
	cfg Config
	// prev is each task's previous sample: CPU utilisation is the CPU
	// time used between two samples over the time between them.
	prev map[string]agent.TaskUsage
}

// New returns a Publisher; Run starts it.
func New(cfg Config) *Publisher {
	if cfg.MetricPeriod <= 0 {
		cfg.MetricPeriod = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg, prev: map[string]agent.TaskUsage{}}
}

// Run samples three times per metric period until ctx ends.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.MetricPeriod / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			p.sample(ctx)
		}
	}
}

// defaultCPUUnits is what a task that reserves no cpu is measured
// against: one vCPU (docs/compat.md).
const defaultCPUUnits = 1024

// group is one service's tasks in one sample.
type group struct {
	cluster, service string
	cpu, mem         cloudwatch.StatisticSet
}

func (p *Publisher) sample(ctx context.Context) {
	usage := p.cfg.Tasks.Usage(ctx)
	next := make(map[string]agent.TaskUsage, len(usage))
	groups := map[[2]string]*group{}
	var at time.Time
	for _, u := range usage {
		key := u.Cluster + "/" + u.TaskID
		next[key] = u
		prev, ok := p.prev[key]
		if u.Service == "" || !ok {
			continue
		}
		g := groups[[2]string{u.Cluster, u.Service}]
		if g == nil {
			g = &group{cluster: u.Cluster, service: u.Service}
			groups[[2]string{u.Cluster, u.Service}] = g
		}
		if u.Stats.Time.After(at) {
			at = u.Stats.Time
		}
		if cpu, ok := CPUUtilization(prev, u); ok {
			addSample(&g.cpu, cpu)
		}
		if mem, ok := MemoryUtilization(u); ok {
			addSample(&g.mem, mem)
		}
	}
	p.prev = next
	for _, g := range groups {
		dims := []cloudwatch.Dimension{{Name: "ClusterName", Value: g.cluster}, {Name: "ServiceName", Value: g.service}}
		if g.cpu.SampleCount > 0 {
			p.cfg.Sink.Publish(cloudwatch.Metric{Namespace: Namespace, MetricName: "CPUUtilization", Dimensions: dims}, "Percent", at, g.cpu)
		}
		if g.mem.SampleCount > 0 {
			p.cfg.Sink.Publish(cloudwatch.Metric{Namespace: Namespace, MetricName: "MemoryUtilization", Dimensions: dims}, "Percent", at, g.mem)
		}
	}
}

func addSample(s *cloudwatch.StatisticSet, v float64) {
	if s.SampleCount == 0 {
		*s = cloudwatch.StatisticSet{SampleCount: 1, Sum: v, Minimum: v, Maximum: v}
		return
	}
	s.SampleCount++
	s.Sum += v
	s.Minimum, s.Maximum = min(s.Minimum, v), max(s.Maximum, v)
}

// CPUUtilization is a task's CPU use between two samples as a percentage
// of the cpu units it reserves (1024 units are one CPU busy all the
// time), as ECS computes it; ok is false when the samples cannot tell.
func CPUUtilization(prev, cur agent.TaskUsage) (float64, bool) {
	wall := cur.Stats.Time.Sub(prev.Stats.Time)
	used := cur.Stats.CPUTime - prev.Stats.CPUTime
	if wall <= 0 || used < 0 {
		return 0, false
	}
	units := cur.CPUUnits
	if units <= 0 {
		units = defaultCPUUnits
	}
	return used.Seconds() / wall.Seconds() * 1024 / float64(units) * 100, true
}

// MemoryUtilization is the memory a task uses as a percentage of what it
// reserves; ok is false for a task that reserves none.
func MemoryUtilization(u agent.TaskUsage) (float64, bool) {
	if u.MemoryMiB <= 0 {
		return 0, false
	}
	return float64(u.Stats.MemoryBytes) / float64(u.MemoryMiB<<20) * 100, true
}
