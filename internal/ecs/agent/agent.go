package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/store"
)

// LogSink receives container output for awslogs log configurations.
type LogSink interface {
	OpenStream(ctx context.Context, group, stream string) (LogStream, error)
}

// LogStream is one open log stream.
type LogStream interface {
	Log(t time.Time, message string)
	Close() error
}

// Lifecycle hooks run at the task's ACTIVATING and DEACTIVATING steps:
// service discovery registers a task before it is RUNNING and deregisters
// it before any container is signalled.
type Lifecycle interface {
	Activate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error
	Deactivate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error
}

// Config is what an Agent needs.
type Config struct {
	Store     store.Store
	Driver    runtime.Driver
	Logs      LogSink   // nil: output is not shipped
	Lifecycle Lifecycle // nil: no hooks
	Logger    *slog.Logger
	// Resync is how often every task is reconciled even without a change.
	Resync time.Duration
	// StoppedRetention is how long STOPPED tasks stay visible (AWS: about an hour).
	StoppedRetention time.Duration
}

// Agent runs the tasks of this node.
type Agent struct {
	cfg Config
	st  store.Store
	drv runtime.Driver
	log *slog.Logger

	mu      sync.Mutex
	runners map[string]*runner // by cluster/taskId
	wg      sync.WaitGroup
	ready   chan struct{}
}

// New returns an agent; Run starts it.
func New(cfg Config) *Agent {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Resync == 0 {
		cfg.Resync = 5 * time.Second
	}
	if cfg.StoppedRetention == 0 {
		cfg.StoppedRetention = time.Hour
	}
	return &Agent{cfg: cfg, st: cfg.Store, drv: cfg.Driver, log: cfg.Logger, runners: map[string]*runner{}, ready: make(chan struct{})}
}

// Ready is closed once the agent has re-adopted what it found at start.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Run re-adopts, then reconciles on every change and every Resync until
// ctx ends. Task containers keep running when Run returns: a restarted
// server re-adopts them.
func (a *Agent) Run(ctx context.Context) error {
	defer a.wg.Wait()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.adopt(runCtx); err != nil {
		return err
	}
	close(a.ready)
	tick := time.NewTicker(a.cfg.Resync)
	defer tick.Stop()
	for {
		kvs, rev, err := a.st.List(runCtx, ecs.TaskPrefix)
		if err != nil {
			return ctxErr(ctx, err)
		}
		for _, kv := range kvs {
			a.reconcile(runCtx, kv.Value)
		}
		watch, err := a.st.Watch(runCtx, ecs.TaskPrefix, rev)
		if errors.Is(err, store.ErrCompacted) {
			continue
		} else if err != nil {
			return ctxErr(ctx, err)
		}
	follow:
		for {
			select {
			case batch, ok := <-watch:
				if !ok {
					break follow
				}
				for _, ev := range batch {
					if ev.Type == store.EventPut {
						a.reconcile(runCtx, ev.KV.Value)
					}
				}
			case <-tick.C:
				break follow // a full resync: list again
			case <-ctx.Done():
				return nil
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		a.collectStopped(runCtx)
	}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func taskName(cluster, id string) string { return cluster + "/" + id }

// reconcile takes one step toward a task's desired state.
func (a *Agent) reconcile(ctx context.Context, value []byte) {
	var rec ecs.TaskRecord
	if err := json.Unmarshal(value, &rec); err != nil {
		a.log.Error("undecodable task record", "err", err)
		return
	}
	name := taskName(rec.Cluster, rec.TaskID)
	a.mu.Lock()
	r := a.runners[name]
	a.mu.Unlock()
	if r != nil {
		r.update(&rec)
		return
	}
	st, err := a.status(ctx, rec.Cluster, rec.TaskID)
	if err != nil {
		a.log.Error("read task status", "taskArn", rec.TaskArn, "err", err)
		return
	}
	if st.Stopped() {
		return
	}
	if rec.DesiredStatus == ecs.StatusStopped {
		// Stopped before it ever ran here.
		now := awsapi.Now()
		st.LastStatus, st.StoppedAt, st.ExecutionStoppedAt = ecs.StatusStopped, &now, &now
		st.Version++
		a.writeStatus(ctx, &rec, st)
		return
	}
	a.start(ctx, &rec, st, nil)
}

func (a *Agent) start(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus, adopted *runtime.Task) {
	r := newRunner(a, rec, st)
	a.mu.Lock()
	a.runners[taskName(rec.Cluster, rec.TaskID)] = r
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		r.run(ctx, adopted)
		a.mu.Lock()
		delete(a.runners, taskName(rec.Cluster, rec.TaskID))
		a.mu.Unlock()
	}()
}

func (a *Agent) status(ctx context.Context, cluster, id string) (*ecs.TaskStatus, error) {
	kv, err := a.st.Get(ctx, ecs.TaskStatusPrefix+cluster+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return &ecs.TaskStatus{}, nil
	} else if err != nil {
		return nil, err
	}
	var st ecs.TaskStatus
	return &st, json.Unmarshal(kv.Value, &st)
}

// writeStatus records a task's observed state; the agent is its only writer.
func (a *Agent) writeStatus(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) {
	b, err := json.Marshal(st)
	if err == nil {
		// A status write must land even while the agent shuts down, or a
		// restart would find a stale state.
		wctx := context.WithoutCancel(ctx)
		_, err = a.st.Commit(wctx, store.Txn{Then: []store.Op{store.Put(ecs.TaskStatusPrefix+rec.Cluster+"/"+rec.TaskID, b)}})
	}
	if err != nil {
		a.log.Error("write task status", "taskArn", rec.TaskArn, "err", err)
	}
}

// adopt reconciles what the driver runs with what the store says, once at
// start: tasks still wanted are re-adopted, the rest are removed; tasks the
// store thinks started but the driver no longer has are marked STOPPED.
func (a *Agent) adopt(ctx context.Context) error {
	running, err := a.drv.List(ctx)
	if err != nil {
		return err
	}
	onNode := map[string]bool{}
	for i := range running {
		t := &running[i]
		onNode[taskName(t.Cluster, t.ID)] = true
		rec, err := a.record(ctx, t.Cluster, t.ID)
		if err != nil {
			return err
		}
		var st *ecs.TaskStatus
		if rec != nil {
			if st, err = a.status(ctx, t.Cluster, t.ID); err != nil {
				return err
			}
		}
		if rec == nil || st.Stopped() {
			a.log.Info("removing a task nobody owns", "taskId", t.ID, "cluster", t.Cluster)
			if err := a.drv.DeprovisionTask(ctx, t.ID); err != nil {
				a.log.Error("remove orphaned task", "taskId", t.ID, "err", err)
			}
			continue
		}
		a.log.Info("re-adopting task", "taskArn", rec.TaskArn, "containers", len(t.Containers))
		a.start(ctx, rec, st, t)
	}
	// Tasks that had started but whose containers are gone.
	kvs, _, err := a.st.List(ctx, ecs.TaskStatusPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		var st ecs.TaskStatus
		if json.Unmarshal(kv.Value, &st) != nil || st.Stopped() || onNode[strings.TrimPrefix(kv.Key, ecs.TaskStatusPrefix)] {
			continue
		}
		started := false
		for _, c := range st.Containers {
			started = started || c.RuntimeId != ""
		}
		if !started {
			continue // never got going: the normal path starts it
		}
		cluster, id, _ := strings.Cut(strings.TrimPrefix(kv.Key, ecs.TaskStatusPrefix), "/")
		rec, err := a.record(ctx, cluster, id)
		if err != nil || rec == nil {
			continue
		}
		now := awsapi.Now()
		for i := range st.Containers {
			if st.Containers[i].LastStatus != ecs.StatusStopped {
				st.Containers[i].LastStatus = ecs.StatusStopped
				st.Containers[i].Reason = "Container was no longer running when Portolan restarted"
			}
		}
		st.LastStatus, st.StoppedAt, st.ExecutionStoppedAt = ecs.StatusStopped, &now, &now
		st.StopCode, st.StoppedReason = ecs.StopCodeEssentialContainerExited, "Essential container in task exited"
		st.Version++
		a.writeStatus(ctx, rec, &st)
	}
	return nil
}

func (a *Agent) record(ctx context.Context, cluster, id string) (*ecs.TaskRecord, error) {
	kv, err := a.st.Get(ctx, ecs.TaskPrefix+cluster+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var rec ecs.TaskRecord
	return &rec, json.Unmarshal(kv.Value, &rec)
}

// collectStopped forgets tasks that have been STOPPED for longer than the
// retention, as ECS stops showing them after about an hour.
func (a *Agent) collectStopped(ctx context.Context) {
	kvs, _, err := a.st.List(ctx, ecs.TaskStatusPrefix)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-a.cfg.StoppedRetention)
	var ops []store.Op
	for _, kv := range kvs {
		var st ecs.TaskStatus
		if json.Unmarshal(kv.Value, &st) == nil && st.Stopped() && st.StoppedAt != nil && st.StoppedAt.Time().Before(cutoff) {
			rest := strings.TrimPrefix(kv.Key, ecs.TaskStatusPrefix)
			ops = append(ops, store.Delete(kv.Key), store.Delete(ecs.TaskPrefix+rest))
		}
	}
	if len(ops) > 0 {
		if _, err := a.st.Commit(ctx, store.Txn{Then: ops}); err != nil {
			a.log.Error("collect stopped tasks", "err", err)
		}
	}
}
