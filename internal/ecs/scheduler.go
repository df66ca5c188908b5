package ecs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// TaskState is one task's desired and observed records, as the scheduler
// hands them to Discovery.
type TaskState struct {
	Record *TaskRecord
	Status *TaskStatus // nil until the agent has written one
}

// Discovery keeps Cloud Map in step with the tasks (package ecs/discovery):
// it deregisters instances of tasks that are stopping or gone, repairs a
// registration a task is missing, and publishes container health as
// custom health. The scheduler calls it after each pass with every task.
type Discovery interface {
	Reconcile(ctx context.Context, tasks []TaskState) error
}

// SchedulerConfig is what a Scheduler needs.
type SchedulerConfig struct {
	Control   *Control
	Discovery Discovery // nil: no Cloud Map upkeep
	// Resync is how often every service is reconciled without a change;
	// it also ends relaunch back-offs on time. Default 1 s.
	Resync time.Duration
	Logger *slog.Logger
}

// Scheduler is the ECS service scheduler: a level-triggered reconciler
// that keeps each service's desired count of tasks, replaces tasks that
// stop or turn UNHEALTHY, and rolls deployments forward (or back) within
// minimumHealthyPercent and maximumPercent.
//
// Every pass reads the whole state (services, tasks, task statuses), takes
// the steps that state calls for, and forgets: whatever it did before is
// visible in the store, so a crash between any two steps leaves nothing to
// recover but another pass. One scheduler runs per store.
type Scheduler struct {
	cfg SchedulerConfig
	c   *Control
	log *slog.Logger
}

// NewScheduler returns a scheduler; Run starts it.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Resync == 0 {
		cfg.Resync = time.Second
	}
	return &Scheduler{cfg: cfg, c: cfg.Control, log: cfg.Logger}
}

// Run reconciles on every change to services, tasks or task statuses,
// when a pass asked to look again (a task settling, a back-off ending), and
// every Resync, until ctx ends. Errors of a pass are logged; the next pass
// tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	var wake time.Time // when the last pass asked to look again
	return store.Follow(ctx, s.c.st, keyPrefix, s.cfg.Resync, s.log, func(ctx context.Context, u store.Update) time.Time {
		if u.Events == nil || u.Listed || concerns(u.Events) {
			wake = s.pass(ctx)
		}
		return wake
	})
}

// concerns says whether a change can call for scheduling.
func concerns(batch []store.Event) bool {
	for _, ev := range batch {
		k := ev.KV.Key
		if strings.HasPrefix(k, ServicePrefix) || strings.HasPrefix(k, TaskPrefix) || strings.HasPrefix(k, TaskStatusPrefix) {
			return true
		}
	}
	return false
}

// pass hands the tasks to Discovery, then reconciles every service once.
// Discovery goes first so that a task this pass counts as healthy is
// already HEALTHY in Cloud Map before any older task is stopped for it.
// It returns when it wants to look again without a change (or zero).
func (s *Scheduler) pass(ctx context.Context) time.Time {
	var wake time.Time
	services, _, err := s.c.st.List(ctx, ServicePrefix)
	if err != nil {
		s.logErr(ctx, "list services", err)
		return wake
	}
	views, err := s.c.taskViews(ctx, TaskPrefix, TaskStatusPrefix)
	if err != nil {
		s.logErr(ctx, "list tasks", err)
		return wake
	}
	if s.cfg.Discovery != nil {
		states := make([]TaskState, len(views))
		for i, v := range views {
			states[i] = TaskState{Record: v.rec, Status: v.st}
		}
		if err := s.cfg.Discovery.Reconcile(ctx, states); err != nil {
			s.logErr(ctx, "service discovery", err)
		}
	}
	byService := map[string][]taskView{}
	for _, v := range views {
		if name, ok := v.serviceName(); ok {
			k := v.rec.Cluster + "/" + name
			byService[k] = append(byService[k], v)
		}
	}
	for _, kv := range services {
		rec := store.DecodeJSON[serviceRecord](kv.Value)
		if rec == nil || len(rec.Deployments) == 0 {
			continue
		}
		again, err := s.reconcile(ctx, kv, rec, byService[rec.Cluster+"/"+rec.ServiceName])
		if err != nil {
			s.logErr(ctx, "reconcile service", err, "serviceArn", rec.ServiceArn)
		}
		wake = earliest(wake, again)
	}
	return wake
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func (s *Scheduler) logErr(ctx context.Context, what string, err error, args ...any) {
	if ctx.Err() != nil {
		return
	}
	s.log.Warn(what, append(args, "err", err)...)
}

// stopRequest is one task the pass decided to stop.
type stopRequest struct {
	v            taskView
	code, reason string
}

// plan is what one pass decided for one service.
type plan struct {
	stops    []stopRequest
	stopping map[string]bool // task ids
	launch   int
	// events go to the record whatever else changed; transition only if
	// the record is still the one the pass read.
	events     []string
	transition func(r *serviceRecord, now awsapi.Timestamp)
}

func (p *plan) stop(v taskView, code, reason string) {
	if p.stopping[v.rec.TaskID] {
		return
	}
	p.stopping[v.rec.TaskID] = true
	p.stops = append(p.stops, stopRequest{v: v, code: code, reason: reason})
}

// then chains a state transition after those already planned.
func (p *plan) then(f func(r *serviceRecord, now awsapi.Timestamp)) {
	prev := p.transition
	p.transition = func(r *serviceRecord, now awsapi.Timestamp) {
		if prev != nil {
			prev(r, now)
		}
		f(r, now)
	}
}

// reconcile takes one service one step toward its desired state, and says
// when time alone will call for another step.
func (s *Scheduler) reconcile(ctx context.Context, kv store.KV, rec *serviceRecord, views []taskView) (time.Time, error) {
	if rec.Status == ServiceInactive {
		return time.Time{}, nil
	}
	now := time.Now()
	var wake time.Time
	for _, v := range views {
		if v.running() && !v.rec.Definition.HasHealthCheck() && now.Before(v.settled()) {
			wake = earliest(wake, v.settled())
		}
	}
	desired := rec.DesiredCount
	if rec.Status == ServiceDraining {
		desired = 0
	}
	primary := rec.primary()
	deployments := map[string]*deploymentRecord{}
	for _, d := range rec.Deployments {
		deployments[d.ID] = d
	}
	byDeployment := map[string][]taskView{}
	for _, v := range views {
		byDeployment[v.rec.StartedBy] = append(byDeployment[v.rec.StartedBy], v)
	}
	p := &plan{stopping: map[string]bool{}}
	live := func(v taskView) bool { return v.live() && !p.stopping[v.rec.TaskID] }

	// A service task that turns UNHEALTHY is stopped and replaced (C.6),
	// once past the grace period. It counts as healthy for nothing, so
	// stopping it first never breaks minimumHealthyPercent.
	grace := time.Duration(rec.HealthCheckGracePeriodSeconds) * time.Second
	replaced := 0
	for _, v := range views {
		if v.running() && v.t.HealthStatus == HealthUnhealthy && v.t.StartedAt != nil {
			if end := v.t.StartedAt.Time().Add(grace); now.Before(end) {
				wake = earliest(wake, end)
				continue
			}
			p.stop(v, StopCodeServiceSchedulerInitiated, reasonUnhealthy)
			p.events = append(p.events, "(task "+v.rec.TaskID+") failed container health checks.")
			replaced++
		}
	}

	// The circuit breaker watches the primary while it rolls out. Tripping
	// is a transition of its own: the next pass acts on the new state.
	cb := rec.DeploymentConfiguration.DeploymentCircuitBreaker
	primaryViews := byDeployment[primary.ID]
	failed := rec.failures(primary, primaryViews)
	if cb != nil && cb.Enable && rec.Status == ServiceActive && primary.RolloutState == RolloutInProgress && failed.count >= breakerThreshold(cb, desired) {
		return wake, s.c.recordPass(ctx, kv, func(r *serviceRecord, now awsapi.Timestamp) { trip(r, now) }, nil)
	}
	for _, v := range primaryViews {
		if since, ok := v.healthySince(now); ok && !since.After(now) && since.After(primary.ResetAt.Time()) {
			p.then(func(r *serviceRecord, now awsapi.Timestamp) { r.primary().ResetAt = now })
			break
		}
	}

	maximum, minimum := 200, 100
	if dc := rec.DeploymentConfiguration; dc != nil {
		maximum, minimum = *dc.MaximumPercent, *dc.MinimumHealthyPercent
	}
	upper := desired * maximum / 100
	lower := (desired*minimum + 99) / 100

	// Scale-in: the primary's extra tasks go, least useful first (not yet
	// running, then unhealthy, then the newest).
	var primaryLive []taskView
	for _, v := range primaryViews {
		if live(v) {
			primaryLive = append(primaryLive, v)
		}
	}
	if len(primaryLive) > desired {
		sort.SliceStable(primaryLive, func(i, j int) bool { return lessUseful(primaryLive[i], primaryLive[j], now) })
		for _, v := range primaryLive[:len(primaryLive)-desired] {
			p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(primary.ID))
		}
		primaryLive = primaryLive[len(primaryLive)-desired:]
	}

	// Older deployments drain: tasks not yet running go at once; running
	// ones only while minimumHealthyPercent holds without them (a task
	// still settling counts for nothing yet, but may be all there is).
	// Tasks a vanished deployment left behind drain with them.
	var old []taskView
	for _, v := range views {
		if v.rec.StartedBy != primary.ID && live(v) {
			old = append(old, v)
		}
	}
	sort.SliceStable(old, func(i, j int) bool { return old[i].rec.CreatedAt.Time().Before(old[j].rec.CreatedAt.Time()) })
	healthy := 0
	for _, v := range views {
		if live(v) && v.healthy(now) {
			healthy++
		}
	}
	for _, v := range old {
		switch {
		case !v.running():
			p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(primary.ID))
		case !v.healthy(now) && healthy >= lower:
			p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(primary.ID))
		case v.healthy(now) && healthy-1 >= lower:
			p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(primary.ID))
			healthy--
		}
	}

	// Launch for the primary, within maximumPercent, unless it failed or
	// keeps failing to start (then back off, as ECS throttles relaunches).
	total := 0
	allHealthy := true
	for _, v := range views {
		if live(v) {
			total++
			allHealthy = allHealthy && v.healthy(now)
		}
	}
	want := desired - len(primaryLive)
	room := upper - total
	if n := min(want, room); n > 0 && primary.RolloutState != RolloutFailed {
		if retry := failed.last.Add(relaunchDelay(failed.consecutive)); failed.consecutive > 0 && now.Before(retry) {
			wake = earliest(wake, retry)
			if failed.consecutive >= 3 {
				p.events = append(p.events, "is unable to consistently start tasks successfully.")
			}
		} else {
			p.launch = n
		}
	}
	if want > 0 && room <= 0 && len(p.stops) == 0 && len(old) > 0 && allHealthy {
		p.events = append(p.events, "was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.")
	}

	// Bookkeeping once the tasks have settled: a finished rollout
	// completes, drained deployments leave the list, a drained service goes
	// INACTIVE, a settled one reports a steady state.
	settled := len(p.stops) == 0 && p.launch == 0
	var drained []string
	for _, d := range rec.Deployments[1:] {
		if !anyUnstopped(byDeployment[d.ID]) {
			drained = append(drained, d.ID)
		}
	}
	onlyPrimary := len(rec.Deployments)-len(drained) == 1 && !anyOrphan(views, deployments)
	primaryReady := len(primaryLive) == desired
	for _, v := range primaryLive {
		primaryReady = primaryReady && v.healthy(now)
	}
	steady := settled && onlyPrimary && primaryReady && rec.Status == ServiceActive
	completes := steady && primary.RolloutState == RolloutInProgress
	if completes {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) {
			d := r.primary()
			d.RolloutState, d.RolloutStateReason, d.UpdatedAt = RolloutCompleted, "ECS deployment "+d.ID+" completed.", now
			done := *d
			r.LastCompleted = &done
			r.event(now, "(deployment %s) deployment completed.", d.ID)
		})
	}
	// While the primary rolls out, drained deployments stay listed (as on
	// AWS, where a FAILED one shows until the rollback is done); they go
	// when it completes or stops rolling.
	if len(drained) > 0 && (completes || primary.RolloutState != RolloutInProgress) {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) {
			kept := r.Deployments[:1]
			for _, d := range r.Deployments[1:] {
				if !contains(drained, d.ID) {
					kept = append(kept, d)
				}
			}
			r.Deployments = kept
		})
	}
	if steady && primary.RolloutState != RolloutFailed {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) { r.event(now, "has reached a steady state.") })
	}
	if rec.Status == ServiceDraining && settled && !anyUnstopped(views) {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) { r.Status = ServiceInactive })
	}
	return wake, s.execute(ctx, kv, rec, p, replaced)
}

// lessUseful orders tasks for scale-in: the first go first.
func lessUseful(a, b taskView, now time.Time) bool {
	rank := func(v taskView) int {
		switch {
		case !v.running():
			return 0
		case !v.healthy(now):
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra < rb
	}
	return a.rec.CreatedAt.Time().After(b.rec.CreatedAt.Time())
}

// anyUnstopped says whether any task has yet to reach STOPPED; a
// deployment keeps its place (and Cloud Map its instances' owners) until
// none has.
func anyUnstopped(views []taskView) bool {
	for _, v := range views {
		if v.t.LastStatus != StatusStopped {
			return true
		}
	}
	return false
}

func anyOrphan(views []taskView, deployments map[string]*deploymentRecord) bool {
	for _, v := range views {
		if deployments[v.rec.StartedBy] == nil && v.t.LastStatus != StatusStopped {
			return true
		}
	}
	return false
}

// trip fails the primary deployment and, if the service asks for it, rolls
// back: a new PRIMARY from the last deployment that completed (C.8).
func trip(r *serviceRecord, now awsapi.Timestamp) {
	d := r.primary()
	d.RolloutState, d.RolloutStateReason, d.UpdatedAt = RolloutFailed, "ECS deployment circuit breaker: tasks failed to start.", now
	r.event(now, "(deployment %s) deployment failed: tasks failed to start.", d.ID)
	cb := r.DeploymentConfiguration.DeploymentCircuitBreaker
	last := r.LastCompleted
	// Rolling back to the very configuration that just failed would loop.
	if !cb.Rollback || last == nil || sameJSON(last.launchSpec, d.launchSpec) {
		return
	}
	back := newDeployment(last.launchSpec, now)
	back.RolloutStateReason = "ECS deployment circuit breaker: rolling back to deploymentId " + last.ID + "."
	d.Status = DeploymentActive
	r.Deployments = append([]*deploymentRecord{back}, r.Deployments...)
	r.event(now, "rolling back to deployment %s.", last.ID)
}

// execute carries a plan out in crash-safe order: stops, then launches
// (guarded by the service record the plan was made from), then the record.
func (s *Scheduler) execute(ctx context.Context, kv store.KV, rec *serviceRecord, p *plan, replaced int) error {
	var errs []error
	if len(p.stops) > 0 {
		ids, err := s.c.stopTasks(ctx, p.stops)
		errs = append(errs, err)
		for chunk := range chunks(ids, 10) {
			p.events = append(p.events, "has stopped "+strconv.Itoa(len(chunk))+" running tasks: "+taskList(chunk)+".")
		}
	}
	if p.launch > 0 {
		started, err := s.c.launch(ctx, kv, rec, p.launch)
		if err != nil && !errors.Is(err, errStale) {
			errs = append(errs, err)
		}
		for chunk := range chunks(started, 10) {
			msg := "has started " + strconv.Itoa(len(chunk)) + " tasks: " + taskList(chunk) + "."
			if replaced > 0 {
				msg += " Amazon ECS replaced " + strconv.Itoa(replaced) + " tasks due to an unhealthy status."
			}
			p.events = append(p.events, msg)
		}
	}
	if p.transition != nil || len(p.events) > 0 {
		errs = append(errs, s.c.recordPass(ctx, kv, p.transition, p.events))
	}
	return errors.Join(errs...)
}

func chunks(ids []string, n int) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(ids) > 0 {
			k := min(n, len(ids))
			if !yield(ids[:k]) {
				return
			}
			ids = ids[k:]
		}
	}
}

// recordPass writes a pass's outcome to the service record. The
// transition, computed from the record as read, applies only if the record
// is unchanged (else the next pass decides again); the events record what
// was done either way. Nothing is written when nothing changed.
func (c *Control) recordPass(ctx context.Context, read store.KV, transition func(*serviceRecord, awsapi.Timestamp), events []string) error {
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[serviceRecord](ctx, c.st, read.Key)
		if err != nil {
			return store.Txn{}, err
		}
		now := awsapi.Now()
		if transition != nil && kv.ModRevision == read.ModRevision {
			transition(rec, now)
		}
		for _, e := range events {
			rec.event(now, "%s", e)
		}
		b := store.JSON(rec)
		if bytes.Equal(b, kv.Value) {
			return store.Txn{}, nil
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, b)}}, nil
	})
}

// stopTasks asks tasks to stop in one transaction, skipping those already
// asked, and returns the ids it stopped.
func (c *Control) stopTasks(ctx context.Context, reqs []stopRequest) ([]string, error) {
	var stopped []string
	err := c.commit(ctx, func() (store.Txn, error) {
		stopped = stopped[:0]
		now := awsapi.Now()
		var txn store.Txn
		for _, r := range reqs {
			rec, kv, err := store.GetJSON[TaskRecord](ctx, c.st, taskKey(r.v.rec.Cluster, r.v.rec.TaskID))
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return store.Txn{}, err
			}
			if rec.DesiredStatus == StatusStopped {
				continue
			}
			rec.DesiredStatus, rec.StopCode, rec.StoppedReason, rec.StoppingAt = StatusStopped, r.code, r.reason, &now
			txn.If = append(txn.If, store.Unchanged(kv))
			txn.Then = append(txn.Then, store.Put(kv.Key, store.JSON(rec)))
			stopped = append(stopped, rec.TaskID)
		}
		return txn, nil
	})
	return stopped, err
}

// launch starts n tasks of the service's primary deployment, ten to a
// transaction (RunTask's limit), each guarded by the service record the
// decision was made from. It returns the ids it started.
func (c *Control) launch(ctx context.Context, kv store.KV, rec *serviceRecord, n int) ([]string, error) {
	d := rec.primary()
	tags, err := c.taskTags(ctx, rec, d)
	if err != nil {
		return nil, err
	}
	var ids []string
	for n > 0 {
		count := min(n, 10)
		records, err := c.newTasks(ctx, &RunTaskInput{
			Cluster:                  rec.Cluster,
			TaskDefinition:           d.TaskDefinition,
			Count:                    &count,
			LaunchType:               d.LaunchType,
			CapacityProviderStrategy: d.CapacityProviderStrategy,
			NetworkConfiguration:     d.NetworkConfiguration,
			StartedBy:                d.ID,
			Group:                    "service:" + rec.ServiceName,
			Tags:                     tags,
			PlatformVersion:          d.PlatformVersion,
			EnableExecuteCommand:     rec.EnableExecuteCommand,
		}, taskExtras{registries: d.ServiceRegistries, guard: []store.KV{kv}, inactiveOK: true})
		if err != nil {
			return ids, err
		}
		for _, r := range records {
			ids = append(ids, r.TaskID)
		}
		n -= count
	}
	return ids, nil
}

// taskTags are the tags a service's tasks get: propagated from the
// service or the task definition, plus ECS's managed tags if enabled.
func (c *Control) taskTags(ctx context.Context, rec *serviceRecord, d *deploymentRecord) ([]Tag, error) {
	var tags []Tag
	switch rec.PropagateTags {
	case "SERVICE":
		tags = append(tags, rec.Tags...)
	case "TASK_DEFINITION":
		td, _, err := c.resolveTaskDefinition(ctx, d.TaskDefinition)
		if err != nil {
			return nil, err
		}
		tags = append(tags, td.Tags...)
	}
	if rec.EnableECSManagedTags {
		tags = append(tags, Tag{Key: "aws:ecs:clusterName", Value: rec.Cluster}, Tag{Key: "aws:ecs:serviceName", Value: rec.ServiceName})
	}
	return tags, nil
}
