package loadbalancing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/elbv2"
)

// Tasks reads one task afresh; *ecs.Control implements it.
type Tasks = ecs.TaskReader

// Config is what a Registrar needs.
type Config struct {
	LoadBalancing ecs.LoadBalancing
	Tasks         Tasks
	// RepairAfter is how long a RUNNING task may lack its target before the
	// reconciler registers it again; shorter would race the agent's own
	// ACTIVATING registration. Default 5 s.
	RepairAfter time.Duration
	// DrainPoll is how often Deactivate looks whether its targets have
	// finished draining. Default 250 ms.
	DrainPoll time.Duration
	Logger    *slog.Logger
}

// Registrar keeps service tasks registered with their target groups: it
// is the agent's Lifecycle and the scheduler's Discovery.
type Registrar struct {
	cfg Config
	lb  ecs.LoadBalancing
	log *slog.Logger
}

// New returns a Registrar.
func New(cfg Config) *Registrar {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RepairAfter == 0 {
		cfg.RepairAfter = 5 * time.Second
	}
	if cfg.DrainPoll == 0 {
		cfg.DrainPoll = 250 * time.Millisecond
	}
	return &Registrar{cfg: cfg, lb: cfg.LoadBalancing, log: cfg.Logger}
}

// Activate registers the task with each of its target groups. It runs at
// ACTIVATING: the task is RUNNING only afterwards.
func (r *Registrar) Activate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	if len(rec.LoadBalancers) == 0 {
		return nil
	}
	if st == nil || st.Address == "" {
		return fmt.Errorf("task %s has no address to register", rec.TaskID)
	}
	var errs []error
	for _, lb := range rec.LoadBalancers {
		errs = append(errs, r.register(ctx, lb, st))
	}
	return errors.Join(errs...)
}

func (r *Registrar) register(ctx context.Context, lb ecs.LoadBalancer, st *ecs.TaskStatus) error {
	_, err := r.lb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: lb.TargetGroupArn, Targets: []elbv2.TargetDescription{ecs.TargetOf(st, lb)}})
	if err != nil {
		return fmt.Errorf("register %s in %s: %w", st.Address, lb.TargetGroupArn, err)
	}
	return nil
}

// Deactivate deregisters the task from its target groups and, if it still
// serves, waits until its targets have drained. It runs at DEACTIVATING,
// before any container is signalled.
func (r *Registrar) Deactivate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	if len(rec.LoadBalancers) == 0 || st == nil || st.Address == "" {
		return nil
	}
	var errs []error
	for _, lb := range rec.LoadBalancers {
		errs = append(errs, r.deregister(ctx, lb.TargetGroupArn, ecs.TargetOf(st, lb)))
	}
	if ecs.NeedsDrain(rec, st) {
		errs = append(errs, r.awaitDrained(ctx, rec.LoadBalancers, st))
	}
	return errors.Join(errs...)
}

// deregister starts a target draining; one not registered, or whose group
// is gone, is no error.
func (r *Registrar) deregister(ctx context.Context, tg string, target elbv2.TargetDescription) error {
	_, err := r.lb.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: tg, Targets: []elbv2.TargetDescription{target}})
	if errors.Is(err, elbv2.ErrInvalidTarget) || errors.Is(err, elbv2.ErrTargetGroupNotFound) {
		return nil
	}
	return err
}

// awaitDrained waits until none of the task's targets is draining any
// more: ECS holds a task in DEACTIVATING for the deregistration delay.
func (r *Registrar) awaitDrained(ctx context.Context, lbs []ecs.LoadBalancer, st *ecs.TaskStatus) error {
	t := time.NewTicker(r.cfg.DrainPoll)
	defer t.Stop()
	for {
		draining, err := r.draining(ctx, lbs, st)
		if err != nil || !draining {
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}

func (r *Registrar) draining(ctx context.Context, lbs []ecs.LoadBalancer, st *ecs.TaskStatus) (bool, error) {
	for _, lb := range lbs {
		out, err := r.lb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: lb.TargetGroupArn, Targets: []elbv2.TargetDescription{ecs.TargetOf(st, lb)}})
		if errors.Is(err, elbv2.ErrTargetGroupNotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbv2.HealthDraining {
				return true, nil
			}
		}
	}
	return false, nil
}

// targetKey names a target by address and port.
func targetKey(id string, port int32) string { return net.JoinHostPort(id, strconv.Itoa(int(port))) }

// Reconcile brings the target groups in line with the tasks, which must
// be every task the store holds: a target of a task that is stopping or
// stopped is deregistered, and a task that serves without its target is
// registered again.
func (r *Registrar) Reconcile(ctx context.Context, tasks []ecs.TaskState) error {
	// owners: target group → target → the tasks that name it there.
	owners := map[string]map[string][]*ecs.TaskState{}
	for i := range tasks {
		t := &tasks[i]
		if t.Status == nil || t.Status.Address == "" {
			continue
		}
		for _, lb := range t.Record.LoadBalancers {
			if owners[lb.TargetGroupArn] == nil {
				owners[lb.TargetGroupArn] = map[string][]*ecs.TaskState{}
			}
			k := targetKey(t.Status.Address, int32(t.Status.HostPort(lb.ContainerName, *lb.ContainerPort)))
			owners[lb.TargetGroupArn][k] = append(owners[lb.TargetGroupArn][k], t)
		}
	}
	var errs []error
	now := time.Now()
	for tg, byTarget := range owners {
		out, err := r.lb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg})
		if errors.Is(err, elbv2.ErrTargetGroupNotFound) {
			continue
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		present := map[string]bool{}
		for _, d := range out.TargetHealthDescriptions {
			if d.Target.Port == nil || d.TargetHealth.State == elbv2.HealthDraining {
				continue
			}
			k := targetKey(d.Target.Id, *d.Target.Port)
			present[k] = true
			ts, ok := byTarget[k]
			if !ok || anyUnfinished(ts) {
				continue // not ECS's, or a task that may still serve
			}
			r.log.Info("deregistering the target of a task that no longer serves", "targetGroupArn", tg, "target", k)
			errs = append(errs, r.deregister(ctx, tg, d.Target))
		}
		for k, ts := range byTarget {
			for _, t := range ts {
				if !present[k] && t.Serves() && now.Sub(t.Status.StartedAt.Time()) >= r.cfg.RepairAfter {
					errs = append(errs, r.repair(ctx, t, tg))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// anyUnfinished says whether any of the tasks may still serve: a task's
// address is its own only while it runs, but one task that has not
// finished is enough to keep the target.
func anyUnfinished(ts []*ecs.TaskState) bool {
	for _, t := range ts {
		if !t.Finished() {
			return true
		}
	}
	return false
}

// repair registers a serving task whose target is missing or draining
// (its ACTIVATING registration failed, or someone deregistered it). The
// task is read afresh before and after: should it have started stopping
// meanwhile, its target is deregistered again at once.
func (r *Registrar) repair(ctx context.Context, t *ecs.TaskState, tg string) error {
	if r.cfg.Tasks == nil {
		return nil
	}
	stillServing := func() (bool, error) {
		return ecs.StillServing(ctx, r.cfg.Tasks, t.Record.Cluster, t.Record.TaskID)
	}
	if ok, err := stillServing(); !ok || err != nil {
		return err
	}
	var errs []error
	for _, lb := range t.Record.LoadBalancers {
		if lb.TargetGroupArn != tg {
			continue
		}
		r.log.Info("registering a running task missing from its target group", "taskArn", t.Record.TaskArn, "targetGroupArn", tg)
		errs = append(errs, r.register(ctx, lb, t.Status))
	}
	if ok, err := stillServing(); err == nil && !ok {
		for _, lb := range t.Record.LoadBalancers {
			if lb.TargetGroupArn == tg {
				errs = append(errs, r.deregister(ctx, tg, ecs.TargetOf(t.Status, lb)))
			}
		}
	}
	return errors.Join(errs...)
}
