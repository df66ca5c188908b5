package ecs

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/store"
)

// TaskMetrics counts task lifecycle events for Prometheus: tasks reaching
// RUNNING, tasks stopped by stop code (an AWS enum, so the label stays
// bounded), and the time from RunTask (createdAt) to RUNNING (startedAt).
// It follows the agent's observed task states; it keeps only the last
// status it saw of each task, to count transitions, never as truth.
type TaskMetrics struct {
	st  store.Store
	log *slog.Logger

	started    prometheus.Counter
	stopped    *prometheus.CounterVec
	toRunning  prometheus.Histogram
	lastStatus map[string]string // by status key; only Run touches it
}

// NewTaskMetrics registers the task series on reg; Run feeds them.
func NewTaskMetrics(st store.Store, reg prometheus.Registerer, log *slog.Logger) *TaskMetrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &TaskMetrics{st: st, log: log, lastStatus: map[string]string{},
		started: prometheus.NewCounter(prometheus.CounterOpts{Name: "portolan_ecs_task_starts_total",
			Help: "Tasks that reached RUNNING."}),
		stopped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_ecs_task_stops_total",
			Help: "Tasks that reached STOPPED, by stop code (TaskFailedToStart, EssentialContainerExited, UserInitiated, ServiceSchedulerInitiated...)."},
			[]string{"stop_code"}),
		toRunning: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portolan_ecs_task_start_duration_seconds",
			Help:    "Time from a task's creation (RunTask, or the service scheduler) to RUNNING.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}}),
	}
	reg.MustRegister(m.started, m.stopped, m.toRunning)
	return m
}

// Run follows the observed task states until ctx ends. The first listing
// only learns where each task is: what happened before the process
// started was counted by the process that saw it.
func (m *TaskMetrics) Run(ctx context.Context) error {
	first := true
	err := store.Follow(ctx, m.st, TaskStatusPrefix, 0, m.log, func(ctx context.Context, u store.Update) time.Time {
		if u.Listed {
			seen := make(map[string]bool, len(m.lastStatus))
			for kv := range u.Puts {
				seen[kv.Key] = true
			}
			for k := range m.lastStatus {
				if !seen[k] {
					delete(m.lastStatus, k)
				}
			}
		}
		for kv := range u.Puts {
			var st TaskStatus
			if json.Unmarshal(kv.Value, &st) != nil {
				continue
			}
			prev, known := m.lastStatus[kv.Key]
			m.lastStatus[kv.Key] = st.LastStatus
			if first || prev == st.LastStatus || (!known && u.Listed) {
				continue
			}
			m.transition(ctx, kv.Key, prev, &st)
		}
		for _, ev := range u.Events {
			if ev.Type == store.EventDelete {
				delete(m.lastStatus, ev.KV.Key)
			}
		}
		first = false
		return time.Time{}
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (m *TaskMetrics) transition(ctx context.Context, key, prev string, st *TaskStatus) {
	switch st.LastStatus {
	case "RUNNING":
		m.started.Inc()
		if st.StartedAt == nil {
			return
		}
		cluster, id, _ := strings.Cut(strings.TrimPrefix(key, TaskStatusPrefix), "/")
		rec, _, err := store.GetJSON[TaskRecord](ctx, m.st, taskKey(cluster, id))
		if err == nil {
			m.toRunning.Observe(st.StartedAt.Time().Sub(rec.CreatedAt.Time()).Seconds())
		}
	case "STOPPED":
		if prev == "STOPPED" {
			return
		}
		code := st.StopCode
		if code == "" {
			code = "none"
		}
		m.stopped.WithLabelValues(code).Inc()
	}
}
