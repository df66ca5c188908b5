package ecs

import (
	"context"
	"sort"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

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
// when time alone will call for another step. Its phases run in this
// order because each plans around what the ones before it stopped.
func (s *Scheduler) reconcile(ctx context.Context, kv store.KV, rec *serviceRecord, views []taskView) (time.Time, error) {
	if rec.Status == ServiceInactive {
		return time.Time{}, nil
	}
	sp := newServicePass(rec, views, time.Now())
	sp.replaceUnhealthy()
	if sp.breakerTrips() {
		// Tripping is a transition of its own: the next pass acts on the
		// new state.
		return sp.wake, s.c.recordPass(ctx, kv, func(r *serviceRecord, now awsapi.Timestamp) { trip(r, sp.failed.count, now) }, nil)
	}
	sp.resetBreakerOnHealthyTask()
	upper, lower := sp.bounds()
	sp.scaleIn()
	sp.drainOldDeployments(lower)
	sp.scaleUp(upper)
	sp.finishRollout()
	return sp.wake, s.execute(ctx, kv, rec, sp.p, sp.replaced)
}

// servicePass is what one reconcile pass knows about one service: read at
// the start, then refined by each phase in turn.
type servicePass struct {
	rec          *serviceRecord
	views        []taskView
	now          time.Time
	wake         time.Time // when time alone calls for another pass
	desired      int
	primary      *deploymentRecord
	deployments  map[string]*deploymentRecord
	byDeployment map[string][]taskView
	p            *plan
	replaced     int          // unhealthy tasks stopped for replacement
	failed       failureCount // the primary's failed tasks
	primaryLive  []taskView   // the primary's live tasks once scaled in
	old          []taskView   // live tasks of older deployments
}

func newServicePass(rec *serviceRecord, views []taskView, now time.Time) *servicePass {
	sp := &servicePass{rec: rec, views: views, now: now, desired: rec.DesiredCount, primary: rec.primary(),
		deployments: map[string]*deploymentRecord{}, byDeployment: map[string][]taskView{}, p: &plan{stopping: map[string]bool{}}}
	for _, v := range views {
		if v.running() && !v.rec.Definition.HasHealthCheck() && now.Before(v.settled()) {
			sp.wake = earliest(sp.wake, v.settled())
		}
	}
	if rec.Status == ServiceDraining {
		sp.desired = 0
	}
	for _, d := range rec.Deployments {
		sp.deployments[d.ID] = d
	}
	for _, v := range views {
		sp.byDeployment[v.rec.StartedBy] = append(sp.byDeployment[v.rec.StartedBy], v)
	}
	return sp
}

// live says whether a task is live and not already planned to stop.
func (sp *servicePass) live(v taskView) bool { return v.live() && !sp.p.stopping[v.rec.TaskID] }

// replaceUnhealthy stops a service task that turns UNHEALTHY, to be
// replaced (C.6), once past the grace period. It counts as healthy for
// nothing, so stopping it first never breaks minimumHealthyPercent.
func (sp *servicePass) replaceUnhealthy() {
	grace := time.Duration(sp.rec.HealthCheckGracePeriodSeconds) * time.Second
	for _, v := range sp.views {
		if v.running() && v.t.HealthStatus == HealthUnhealthy && v.t.StartedAt != nil {
			if end := v.t.StartedAt.Time().Add(grace); sp.now.Before(end) {
				sp.wake = earliest(sp.wake, end)
				continue
			}
			sp.p.stop(v, StopCodeServiceSchedulerInitiated, reasonUnhealthy)
			sp.p.events = append(sp.p.events, "(task "+v.rec.TaskID+") failed container health checks.")
			sp.replaced++
		}
	}
	sp.replaceELBUnhealthy(grace)
}

// replaceELBUnhealthy stops a task a target group finds unhealthy, once
// past the grace period, as ECS does ("failed ELB health checks").
func (sp *servicePass) replaceELBUnhealthy(grace time.Duration) {
	for _, v := range sp.views {
		if !v.running() || v.elb.state != elbUnhealthy || v.t.StartedAt == nil || sp.p.stopping[v.rec.TaskID] {
			continue
		}
		if end := v.t.StartedAt.Time().Add(grace); sp.now.Before(end) {
			sp.wake = earliest(sp.wake, end)
			continue
		}
		tg := "(target-group " + v.elb.targetGroup + ")"
		sp.p.stop(v, StopCodeServiceSchedulerInitiated, reasonELBUnhealthy+" in "+tg)
		sp.p.events = append(sp.p.events, "(task "+v.rec.TaskID+") failed ELB health checks in "+tg+".")
		sp.replaced++
	}
}

// breakerTrips says whether the circuit breaker, which watches the primary
// while it rolls out, has seen enough failed tasks to trip.
func (sp *servicePass) breakerTrips() bool {
	cb := sp.rec.DeploymentConfiguration.DeploymentCircuitBreaker
	sp.failed = sp.rec.failures(sp.primary, sp.byDeployment[sp.primary.ID])
	return cb != nil && cb.Enable && sp.rec.Status == ServiceActive && sp.primary.RolloutState == RolloutInProgress &&
		sp.failed.count >= breakerThreshold(cb, sp.desired)
}

// resetBreakerOnHealthyTask restarts the breaker's count from the moment a
// primary task became healthy.
func (sp *servicePass) resetBreakerOnHealthyTask() {
	for _, v := range sp.byDeployment[sp.primary.ID] {
		if since, ok := v.healthySince(sp.now); ok && !since.After(sp.now) && since.After(sp.primary.ResetAt.Time()) {
			sp.p.then(func(r *serviceRecord, now awsapi.Timestamp) { r.primary().ResetAt = now })
			break
		}
	}
}

// bounds are the most tasks maximumPercent allows and the fewest healthy
// ones minimumHealthyPercent requires.
func (sp *servicePass) bounds() (upper, lower int) {
	maximum, minimum := 200, 100
	if dc := sp.rec.DeploymentConfiguration; dc != nil {
		maximum, minimum = *dc.MaximumPercent, *dc.MinimumHealthyPercent
	}
	return sp.desired * maximum / 100, (sp.desired*minimum + 99) / 100
}

// scaleIn stops the primary's extra tasks, least useful first (not yet
// running, then unhealthy, then the newest).
func (sp *servicePass) scaleIn() {
	for _, v := range sp.byDeployment[sp.primary.ID] {
		if sp.live(v) && !v.draining {
			sp.primaryLive = append(sp.primaryLive, v)
		}
	}
	if len(sp.primaryLive) > sp.desired {
		sort.SliceStable(sp.primaryLive, func(i, j int) bool { return lessUseful(sp.primaryLive[i], sp.primaryLive[j], sp.now) })
		for _, v := range sp.primaryLive[:len(sp.primaryLive)-sp.desired] {
			sp.p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(sp.primary.ID))
		}
		sp.primaryLive = sp.primaryLive[len(sp.primaryLive)-sp.desired:]
	}
}

// drainOldDeployments stops older deployments' tasks: tasks not yet running
// go at once; running ones only while minimumHealthyPercent holds without
// them (a task still settling counts for nothing yet, but may be all there
// is). Tasks a vanished deployment left behind drain with them.
func (sp *servicePass) drainOldDeployments(lower int) {
	for _, v := range sp.views {
		if (v.rec.StartedBy != sp.primary.ID || v.draining) && sp.live(v) {
			sp.old = append(sp.old, v)
		}
	}
	sort.SliceStable(sp.old, func(i, j int) bool { return sp.old[i].rec.CreatedAt.Time().Before(sp.old[j].rec.CreatedAt.Time()) })
	healthy := 0
	for _, v := range sp.views {
		if sp.live(v) && v.healthy(sp.now) {
			healthy++
		}
	}
	for _, v := range sp.old {
		switch {
		case !v.running():
			sp.p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(sp.primary.ID))
		case !v.healthy(sp.now) && healthy >= lower:
			sp.p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(sp.primary.ID))
		case v.healthy(sp.now) && healthy-1 >= lower:
			sp.p.stop(v, StopCodeServiceSchedulerInitiated, scalingReason(sp.primary.ID))
			healthy--
		}
	}
}

// scaleUp launches for the primary, within maximumPercent, unless it
// failed or keeps failing to start (then it backs off, as ECS throttles
// relaunches).
func (sp *servicePass) scaleUp(upper int) {
	total := 0
	allHealthy := true
	for _, v := range sp.views {
		if sp.live(v) {
			total++
			allHealthy = allHealthy && v.healthy(sp.now)
		}
	}
	want := sp.desired - len(sp.primaryLive)
	room := upper - total
	if n := min(want, room); n > 0 && sp.primary.RolloutState != RolloutFailed {
		if retry := sp.failed.last.Add(relaunchDelay(sp.failed.consecutive)); sp.failed.consecutive > 0 && sp.now.Before(retry) {
			sp.wake = earliest(sp.wake, retry)
			if sp.failed.consecutive >= 3 {
				sp.p.events = append(sp.p.events, "is unable to consistently start tasks successfully.")
			}
		} else {
			sp.p.launch = n
		}
	}
	if want > 0 && room <= 0 && len(sp.p.stops) == 0 && len(sp.old) > 0 && allHealthy {
		sp.p.events = append(sp.p.events, "was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.")
	}
}

// finishRollout does the bookkeeping once the tasks have settled: a
// finished rollout completes, drained deployments leave the list, a
// drained service goes INACTIVE, a settled one reports a steady state.
func (sp *servicePass) finishRollout() {
	rec, primary, p := sp.rec, sp.primary, sp.p
	settled := len(p.stops) == 0 && p.launch == 0
	var drained []string
	for _, d := range rec.Deployments[1:] {
		if !anyUnstopped(sp.byDeployment[d.ID]) {
			drained = append(drained, d.ID)
		}
	}
	onlyPrimary := len(rec.Deployments)-len(drained) == 1 && !anyOrphan(sp.views, sp.deployments)
	primaryReady := len(sp.primaryLive) == sp.desired
	for _, v := range sp.primaryLive {
		primaryReady = primaryReady && v.healthy(sp.now)
	}
	steady := settled && onlyPrimary && primaryReady && rec.Status == ServiceActive
	completes := steady && primary.RolloutState == RolloutInProgress
	if completes {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) {
			d := r.primary()
			d.RolloutState, d.RolloutStateReason, d.UpdatedAt = RolloutCompleted, "ECS deployment "+d.ID+" completed.", now
			done := *d
			r.LastCompleted = &done
			r.deploymentCompleted(d.ID, now)
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
	if rec.Status == ServiceDraining && settled && !anyUnstopped(sp.views) {
		p.then(func(r *serviceRecord, now awsapi.Timestamp) { r.Status = ServiceInactive })
	}
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
func trip(r *serviceRecord, failures int, now awsapi.Timestamp) {
	d := r.primary()
	d.RolloutState, d.RolloutStateReason, d.UpdatedAt = RolloutFailed, "ECS deployment circuit breaker: tasks failed to start.", now
	r.event(now, "(deployment %s) deployment failed: tasks failed to start.", d.ID)
	cb := r.DeploymentConfiguration.DeploymentCircuitBreaker
	last := r.LastCompleted
	// Rolling back to the very configuration that just failed would loop.
	if !cb.Rollback || last == nil || sameJSON(last.launchSpec, d.launchSpec) {
		r.deploymentFailed(d, nil, failures, breakerRollback, now)
		return
	}
	back := r.rollBack(d, last, "ECS deployment circuit breaker: rolling back to deploymentId "+last.ID+".", now)
	r.deploymentFailed(d, back, failures, breakerRollback, now)
}

// rollBack makes a new PRIMARY deployment of the last completed one's
// configuration (its service revision), turning d ACTIVE to drain.
func (r *serviceRecord) rollBack(d, last *deploymentRecord, reason string, now awsapi.Timestamp) *deploymentRecord {
	back := newDeployment(last.launchSpec, now)
	back.RolloutStateReason = reason
	back.RevisionID = last.revisionID()
	d.Status = DeploymentActive
	r.Deployments = append([]*deploymentRecord{back}, r.Deployments...)
	r.event(now, "rolling back to deployment %s.", last.ID)
	return back
}
