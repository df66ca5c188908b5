package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
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
	// Environment adds to every container's environment (nil: nothing).
	Environment TaskEnvironment
	Logger      *slog.Logger
	// Resync is how often every task is reconciled even without a change.
	Resync time.Duration
	// StoppedRetention is how long STOPPED tasks stay visible (AWS: about an hour).
	StoppedRetention time.Duration
	// Node, when set, is the container instance this agent registers
	// under a lease from Leases (instance.go); it then runs only the tasks
	// placed on it. Without it the agent runs every task (ECS alone).
	Node   *ecs.Node
	Leases func(ctx context.Context) (Lease, error)
}

// Agent runs the tasks of this node.
type Agent struct {
	cfg   Config
	tasks *ecs.TaskStates
	drv   runtime.Driver
	log   *slog.Logger

	mu      sync.Mutex
	runners map[string]*runner // by cluster/taskId
	wg      sync.WaitGroup
	ready   chan struct{}
	once    sync.Once
	// fenced is signalled when a status write finds the lease ended.
	fenced chan struct{}
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
	return &Agent{cfg: cfg, tasks: ecs.NewTaskStates(cfg.Store), drv: cfg.Driver, log: cfg.Logger, runners: map[string]*runner{}, ready: make(chan struct{}), fenced: make(chan struct{}, 1)}
}

// Ready is closed once the agent has re-adopted what it found at start.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Run registers the node, re-adopts, then reconciles on every change and
// every Resync until ctx ends. Task containers keep running when Run
// returns: a restarted server re-adopts them. When the node's lease is
// lost, the control plane gives its tasks up, so the agent stops them all
// and registers again (instance.go).
func (a *Agent) Run(ctx context.Context) error {
	defer a.wg.Wait()
	for {
		lost, err := a.register(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := a.serve(ctx, lost); err != errLeaseLost {
			return err
		}
		a.log.Warn("node lease lost: stopping every task of this node, then registering again")
		if err := a.Purge(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("stop the tasks of a lost lease", "err", err)
		}
	}
}

// serve runs one registration's worth of the agent: until ctx ends or
// the lease is lost (errLeaseLost).
func (a *Agent) serve(ctx context.Context, lost <-chan struct{}) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var leaseLost atomic.Bool
	go func() {
		select {
		case <-lost:
		case <-a.fenced:
		case <-runCtx.Done():
			return
		}
		leaseLost.Store(true)
		cancel()
	}()
	if err := a.adopt(runCtx); err != nil {
		if leaseLost.Load() {
			return errLeaseLost
		}
		return err
	}
	a.once.Do(func() { close(a.ready) })
	err := a.tasks.Follow(runCtx, a.cfg.Resync, a.log, func(ctx context.Context, recs []*ecs.TaskRecord, listed bool) {
		if listed {
			a.collectStopped(ctx)
		}
		for _, rec := range recs {
			if a.mine(rec) {
				a.reconcile(ctx, rec)
			}
		}
	})
	if leaseLost.Load() && ctx.Err() == nil {
		return errLeaseLost
	}
	return err
}

func taskName(cluster, id string) string { return cluster + "/" + id }

// reconcile takes one step toward a task's desired state.
func (a *Agent) reconcile(ctx context.Context, rec *ecs.TaskRecord) {
	name := taskName(rec.Cluster, rec.TaskID)
	a.mu.Lock()
	r := a.runners[name]
	a.mu.Unlock()
	if r != nil {
		r.update(rec)
		return
	}
	st, err := a.tasks.Status(ctx, rec.Cluster, rec.TaskID)
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
		a.writeStatus(ctx, rec, st)
		return
	}
	a.start(ctx, rec, st, nil)
}

func (a *Agent) start(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus, adopted *runtime.Task) {
	r := newRunner(a, rec, st)
	ctx, r.cancel = context.WithCancel(ctx)
	a.mu.Lock()
	a.runners[taskName(rec.Cluster, rec.TaskID)] = r
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(r.done)
		defer r.cancel()
		r.run(ctx, adopted)
		a.mu.Lock()
		delete(a.runners, taskName(rec.Cluster, rec.TaskID))
		a.mu.Unlock()
	}()
}

// writeStatus records a task's observed state; the agent is its only writer.
func (a *Agent) writeStatus(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) {
	// A status write must land even while the agent shuts down, or a
	// restart would find a stale state.
	err := a.tasks.PutStatus(context.WithoutCancel(ctx), rec, st)
	if errors.Is(err, ecs.ErrFenced) {
		select {
		case a.fenced <- struct{}{}:
		default:
		}
		return
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
		rec, err := a.tasks.Record(ctx, t.Cluster, t.ID)
		if err != nil {
			return err
		}
		var st *ecs.TaskStatus
		if rec != nil {
			if st, err = a.tasks.Status(ctx, t.Cluster, t.ID); err != nil {
				return err
			}
		}
		if rec == nil || st.Stopped() || !a.mine(rec) {
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
	observed, err := a.tasks.Observed(ctx)
	if err != nil {
		return err
	}
	for _, o := range observed {
		st := o.Status
		if st.Stopped() || onNode[taskName(o.Cluster, o.TaskID)] {
			continue
		}
		started := false
		for _, c := range st.Containers {
			started = started || c.RuntimeId != ""
		}
		if !started {
			continue // never got going: the normal path starts it
		}
		rec, err := a.tasks.Record(ctx, o.Cluster, o.TaskID)
		if err != nil || rec == nil || !a.mine(rec) || rec.ContainerInstance == "" {
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

// collectStopped forgets tasks that have been STOPPED for longer than the
// retention, as ECS stops showing them after about an hour.
func (a *Agent) collectStopped(ctx context.Context) {
	if err := a.tasks.ForgetStopped(ctx, time.Now().Add(-a.cfg.StoppedRetention)); err != nil && ctx.Err() == nil {
		a.log.Error("collect stopped tasks", "err", err)
	}
}

// Purge drops every task this agent runs at once: their runners end
// without another status write, and the driver removes their containers
// (SIGKILL, no stop timeout). It is for a reset of the whole state, whose
// callers delete the tasks' records first, so that nothing starts them
// again; status writes already under way may land after it, and are the
// caller's to delete.
func (a *Agent) Purge(ctx context.Context) error {
	a.mu.Lock()
	runners := make([]*runner, 0, len(a.runners))
	for _, r := range a.runners {
		runners = append(runners, r)
	}
	a.mu.Unlock()
	for _, r := range runners {
		r.cancel()
	}
	for _, r := range runners {
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tasks, err := a.drv.List(ctx)
	if err != nil {
		return err
	}
	return runtime.DeprovisionTasks(ctx, a.drv, tasks)
}
