package ecs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
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

// Discoveries runs several reconcilers of the tasks' registrations (Cloud
// Map instances, load balancer targets) as one Discovery.
type Discoveries []Discovery

func (ds Discoveries) Reconcile(ctx context.Context, tasks []TaskState) error {
	var errs []error
	for _, d := range ds {
		errs = append(errs, d.Reconcile(ctx, tasks))
	}
	return errors.Join(errs...)
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
	// The periodic pass is a wake-up, not a resync: a pass reads what it
	// needs itself, so listing the whole ECS prefix for it would be waste.
	var wake time.Time // when the last pass asked to look again
	return store.Follow(ctx, s.c.st, keyPrefix, 0, s.log, func(ctx context.Context, u store.Update) time.Time {
		if u.Events == nil || u.Listed || concerns(u.Events) {
			wake = earliest(s.pass(ctx), time.Now().Add(s.cfg.Resync))
		}
		return wake
	})
}

// concerns says whether a change can call for scheduling.
func concerns(batch []store.Event) bool {
	for _, ev := range batch {
		k := ev.KV.Key
		if strings.HasPrefix(k, ServicePrefix) || strings.HasPrefix(k, TaskPrefix) || strings.HasPrefix(k, TaskStatusPrefix) || strings.HasPrefix(k, taskDefDeletePrefix) || strings.HasPrefix(k, nodeStatePrefix) {
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
	if err := s.c.markDraining(ctx, views); err != nil {
		s.logErr(ctx, "read container instances", err)
	}
	elb := s.c.targetHealth(ctx, views)
	byService := map[string][]taskView{}
	for _, v := range views {
		v.elb = elb[v.rec.TaskID]
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
	if err := s.c.purgeDeletedTaskDefinitions(ctx, services, views); err != nil {
		s.logErr(ctx, "delete task definitions", err)
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
			PlacementStrategy:        rec.PlacementStrategy,
			PlacementConstraints:     rec.PlacementConstraints,
		}, taskExtras{registries: d.ServiceRegistries, loadBalancers: d.LoadBalancers, guard: []store.KV{kv}, inactiveOK: true})
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
