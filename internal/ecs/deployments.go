package ecs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"

	"github.com/portolan/portolan/internal/store"
)

// What deployments count, derived from tasks every time (spec §C.8):
// nothing here is remembered between passes but what the service record
// holds.

// taskView is one task as the scheduler and DescribeServices see it: its
// desired record, its observed status (nil until the agent has written
// one) and the two merged as DescribeTasks shows them.
type taskView struct {
	rec *TaskRecord
	st  *TaskStatus
	t   *Task
	// elb is what the task's target groups say of it; the scheduler fills
	// it in for tasks with loadBalancers.
	elb elbHealth
	// draining: the task's node is DRAINING, so the scheduler replaces it
	// as it would a task of an older deployment (containerinstances.go).
	draining bool
}

// taskViews lists and merges the tasks under the two prefixes.
func (c *Control) taskViews(ctx context.Context, taskPrefix, statusPrefix string) ([]taskView, error) {
	recs, _, err := c.st.List(ctx, taskPrefix)
	if err != nil {
		return nil, err
	}
	stats, _, err := c.st.List(ctx, statusPrefix)
	if err != nil {
		return nil, err
	}
	statusOf := make(map[string]*TaskStatus, len(stats))
	for _, kv := range stats {
		statusOf[kv.Key[len(TaskStatusPrefix):]] = store.DecodeJSON[TaskStatus](kv.Value)
	}
	views := make([]taskView, 0, len(recs))
	for _, kv := range recs {
		rec := store.DecodeJSON[TaskRecord](kv.Value)
		if rec == nil {
			continue
		}
		st := statusOf[kv.Key[len(TaskPrefix):]]
		views = append(views, taskView{rec: rec, st: st, t: c.merge(rec, st)})
	}
	return views, nil
}

// serviceName names the service that started the task, if one did.
func (v taskView) serviceName() (string, bool) {
	if !strings.HasPrefix(v.rec.StartedBy, "ecs-svc/") {
		return "", false
	}
	return strings.CutPrefix(v.rec.Group, "service:")
}

// live: wanted and not finished; these count toward maximumPercent.
func (v taskView) live() bool {
	return v.t.DesiredStatus == StatusRunning && v.t.LastStatus != StatusStopped
}

func (v taskView) running() bool { return v.live() && v.t.LastStatus == StatusRunning }

// settleTime is how long a task without health checks must have been
// RUNNING to count as healthy. AWS waits 40 s (without a load balancer);
// Portolan waits only long enough to see a process that dies on start,
// which the process runtime reports RUNNING the moment it is spawned: a
// crash-looping deployment must not look healthy, drain the old tasks and
// complete before its circuit breaker has counted a failure.
const settleTime = time.Second

// healthy is what counts toward minimumHealthyPercent and completes a
// deployment: RUNNING and, if an essential container has a health check,
// HEALTHY, else RUNNING for settleTime; with load balancers, also healthy
// in every target group.
func (v taskView) healthy(now time.Time) bool {
	if !v.running() {
		return false
	}
	// ECS waits for every target to be healthy before it counts the task.
	if len(v.rec.LoadBalancers) > 0 && v.elb.state != elbHealthy {
		return false
	}
	if v.rec.Definition.HasHealthCheck() {
		return v.t.HealthStatus == HealthHealthy
	}
	return v.t.StartedAt != nil && !now.Before(v.settled())
}

// settled is when a task without health checks counts as healthy.
func (v taskView) settled() time.Time {
	if v.t.StartedAt == nil {
		return time.Time{}
	}
	return v.t.StartedAt.Time().Add(settleTime)
}

// HasHealthCheck reports whether a task of the definition has a health
// that means something: only essential containers' checks count (C.6).
func (td *TaskDefinition) HasHealthCheck() bool {
	for _, cd := range td.ContainerDefinitions {
		if hc := cd.HealthCheck; cd.IsEssential() && hc != nil && len(hc.Command) > 0 && hc.Command[0] != "NONE" {
			return true
		}
	}
	return false
}

// startupWindow is how soon after RUNNING an exit still counts as a
// failure to start. The process runtime reports RUNNING the instant a
// process is spawned, before a crash at start-up can be seen, where AWS
// would have seen the task go PENDING → STOPPED.
const startupWindow = 10 * time.Second

// reasonUnhealthy is the stoppedReason of a service task replaced for its
// container health (C.6).
const reasonUnhealthy = "Task failed container health checks"

func scalingReason(deploymentID string) string {
	return "Scaling activity initiated by (deployment " + deploymentID + ")"
}

// failedAt says when the task failed, if it counts against its
// deployment's circuit breaker: it stopped before it ran (or within the
// startup window), or the scheduler replaced it for failing its health
// checks. Stops the user or a scale-in asked for do not count.
func (v taskView) failedAt() (time.Time, bool) {
	t := v.t
	if t.LastStatus != StatusStopped {
		return time.Time{}, false
	}
	var end time.Time
	switch {
	case t.StoppingAt != nil:
		end = t.StoppingAt.Time()
	case t.StoppedAt != nil:
		end = t.StoppedAt.Time()
	}
	switch t.StopCode {
	case StopCodeUserInitiated:
		return end, false
	case StopCodeServiceSchedulerInitiated:
		return end, t.StoppedReason == reasonUnhealthy || failedELB(t.StoppedReason)
	}
	if t.StartedAt == nil {
		return end, true
	}
	return end, end.Sub(t.StartedAt.Time()) < startupWindow
}

// healthySince says when the task became healthy for the circuit breaker's
// reset: when it became HEALTHY if it has checks (approximated by its
// start, which the status does not separate), else once it has run
// through the startup window.
func (v taskView) healthySince(now time.Time) (time.Time, bool) {
	if !v.healthy(now) || v.t.StartedAt == nil {
		return time.Time{}, false
	}
	start := v.t.StartedAt.Time()
	if v.rec.Definition.HasHealthCheck() {
		return start, true
	}
	return start.Add(startupWindow), true
}

type failureCount struct {
	count       int       // what the circuit breaker and failedTasks see
	consecutive int       // failures since a task last became healthy
	last        time.Time // the latest of those
}

// failures counts a deployment's failed tasks. With resetOnHealthyTask
// (the default) only those after a task last became healthy count.
func (r *serviceRecord) failures(d *deploymentRecord, views []taskView) failureCount {
	since := d.ResetAt.Time()
	if cb := r.DeploymentConfiguration.DeploymentCircuitBreaker; cb != nil && cb.ResetOnHealthyTask != nil && !*cb.ResetOnHealthyTask {
		since = d.CreatedAt.Time()
	}
	var f failureCount
	for _, v := range views {
		at, failed := v.failedAt()
		if !failed {
			continue
		}
		if at.After(since) {
			f.count++
		}
		if at.After(d.ResetAt.Time()) {
			f.consecutive++
			if at.After(f.last) {
				f.last = at
			}
		}
	}
	return f
}

// breakerThreshold is when the circuit breaker trips: by default
// min(200, max(3, ceil(0.5 × desiredCount))) (the current API reference;
// the 2023 guide said a minimum of 10). A COUNT threshold is taken as is;
// UNBOUNDED_PERCENT drops the [3, 200] clamp.
func breakerThreshold(cb *DeploymentCircuitBreaker, desired int) int {
	typ, value := "BOUNDED_PERCENT", 50
	if tc := cb.ThresholdConfiguration; tc != nil {
		if tc.Type != "" {
			typ = tc.Type
		}
		if tc.Value != nil {
			value = *tc.Value
		}
	}
	pct := (desired*value + 99) / 100
	switch typ {
	case "COUNT":
		return max(1, value)
	case "UNBOUNDED_PERCENT":
		return max(1, pct)
	}
	return min(200, max(3, pct))
}

// relaunchDelay is how long the scheduler waits before starting another
// task for a deployment whose last n tasks failed to start. ECS backs off
// "incrementally, up to 15 minutes" (service-throttle-logic.md); the steps
// are Portolan's. A new deployment starts from zero.
func relaunchDelay(n int) time.Duration {
	const ceiling = 15 * time.Minute
	if n <= 0 {
		return 0
	}
	d := 500 * time.Millisecond
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// Events keep at most 100, newest first; an identical message is not
// repeated within 6 hours unless something else was said in between
// (which is why "has reached a steady state" reappears about every 6 h).
const (
	maxServiceEvents = 100
	eventRepeatAfter = 6 * time.Hour
)

// event prepends "(service <name>) <message>" and reports whether it did.
func (r *serviceRecord) event(now awsapi.Timestamp, format string, args ...any) bool {
	msg := "(service " + r.ServiceName + ") " + fmt.Sprintf(format, args...)
	if len(r.Events) > 0 && r.Events[0].Message == msg && now.Time().Sub(r.Events[0].CreatedAt.Time()) < eventRepeatAfter {
		return false
	}
	r.Events = append([]ServiceEvent{{Id: awsapi.NewUUID(), CreatedAt: now, Message: msg}}, r.Events...)
	if len(r.Events) > maxServiceEvents {
		r.Events = r.Events[:maxServiceEvents]
	}
	return true
}

// taskList formats task ids as service events list them: "(task a) (task b)".
func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

// deploymentRecord is a stored deployment. Its counts are never stored:
// they are derived from its tasks whenever it is shown or reconciled.
type deploymentRecord struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	launchSpec
	CreatedAt          awsapi.Timestamp `json:"createdAt"`
	UpdatedAt          awsapi.Timestamp `json:"updatedAt"`
	RolloutState       string           `json:"rolloutState"`
	RolloutStateReason string           `json:"rolloutStateReason"`
	// ResetAt is the last time one of its tasks became healthy: the
	// circuit breaker only counts failures after it (resetOnHealthyTask).
	ResetAt awsapi.Timestamp `json:"resetAt"`
	// RevisionID is set on a rollback: the service revision it returns
	// to (servicehistory.go); others run the revision of their own id.
	RevisionID string `json:"revisionId,omitempty"`
}

func defaultDeploymentConfiguration() *DeploymentConfiguration {
	maxP, minP := 200, 100
	return &DeploymentConfiguration{
		DeploymentCircuitBreaker: &DeploymentCircuitBreaker{},
		MaximumPercent:           &maxP,
		MinimumHealthyPercent:    &minP,
	}
}

// mergeDeploymentConfiguration lays what a request gives over what is
// there (the defaults, at creation) and validates the result.
func mergeDeploymentConfiguration(base, in *DeploymentConfiguration) (*DeploymentConfiguration, error) {
	out := *base
	if in == nil {
		return &out, nil
	}
	if in.Strategy != "" && in.Strategy != "ROLLING" {
		return nil, invalidParameter("Deployment strategy %s is not supported by Portolan: only ROLLING is.", in.Strategy)
	}
	if !unset(in.CanaryConfiguration) || !unset(in.LinearConfiguration) || !unset(in.LifecycleHooks) {
		return nil, notSupported("Canary, linear and lifecycle-hook deployment configuration")
	}
	if in.Alarms != nil && in.Alarms.Enable {
		return nil, notSupported("Alarm-based deployment failure detection (CloudWatch alarms)")
	}
	if in.MaximumPercent != nil {
		out.MaximumPercent = in.MaximumPercent
	}
	if in.MinimumHealthyPercent != nil {
		out.MinimumHealthyPercent = in.MinimumHealthyPercent
	}
	if in.DeploymentCircuitBreaker != nil {
		out.DeploymentCircuitBreaker = in.DeploymentCircuitBreaker
	}
	if in.Alarms != nil {
		out.Alarms = in.Alarms
	}
	if in.Strategy != "" {
		out.Strategy = in.Strategy
	}
	if in.BakeTimeInMinutes != nil {
		out.BakeTimeInMinutes = in.BakeTimeInMinutes
	}
	if p := *out.MinimumHealthyPercent; p < 0 || p > 100 {
		return nil, invalidParameter("minimumHealthyPercent must be between 0 and 100.")
	}
	// Below 100 a REPLICA service could never run its desired count.
	if *out.MaximumPercent < 100 {
		return nil, invalidParameter("maximumPercent must be at least 100.")
	}
	if cb := out.DeploymentCircuitBreaker; cb != nil && cb.ThresholdConfiguration != nil {
		tc := cb.ThresholdConfiguration
		switch tc.Type {
		case "", "COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT":
		default:
			return nil, invalidParameter("Invalid thresholdConfiguration type %q: it must be COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT.", tc.Type)
		}
		if tc.Value != nil && *tc.Value < 1 {
			return nil, invalidParameter("thresholdConfiguration value must be at least 1.")
		}
	}
	return &out, nil
}

// newDeploymentID makes an id of AWS's shape: ecs-svc/ and 19 digits.
func newDeploymentID() string {
	return "ecs-svc/" + awsapi.RandomString(1, "123456789") + awsapi.RandomString(18, "0123456789")
}

func newDeployment(spec launchSpec, now awsapi.Timestamp) *deploymentRecord {
	id := newDeploymentID()
	return &deploymentRecord{
		ID:                 id,
		Status:             DeploymentPrimary,
		launchSpec:         spec,
		CreatedAt:          now,
		UpdatedAt:          now,
		RolloutState:       RolloutInProgress,
		RolloutStateReason: "ECS deployment " + id + " in progress.",
		ResetAt:            now,
	}
}

func (d *deploymentRecord) resolvedPlatform() string {
	if d.PlatformVersion == "LATEST" {
		return "1.4.0"
	}
	return d.PlatformVersion
}
