package appautoscaling

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
)

// ECS's default cooldowns for target tracking, in seconds.
const defaultCooldown = 300

// desiredCount is the ECS service's desired count, which is what
// Application Auto Scaling calls the target's capacity.
func (c *Control) desiredCount(ctx context.Context, t targetRef) (int, error) {
	cluster, service, _ := serviceOf(t.ResourceId)
	out, err := c.cfg.Services.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{service}})
	if err != nil {
		if errors.Is(err, ecs.ErrClusterNotFound) {
			return 0, validation("ECS service doesn't exist: %s", t.ResourceId)
		}
		return 0, err
	}
	if len(out.Services) != 1 || out.Services[0].Status != "ACTIVE" {
		return 0, validation("ECS service doesn't exist: %s", t.ResourceId)
	}
	return out.Services[0].DesiredCount, nil
}

// setCapacity sets the service's desired count from cur to to through
// ECS's UpdateService and records the activity with its cause; note, if
// set, updates the target's cooldown clock in the same write.
func (c *Control) setCapacity(ctx context.Context, t targetRef, cur, to int, cause string, now time.Time, note func(*targetRecord)) {
	cluster, service, _ := serviceOf(t.ResourceId)
	act := ScalingActivity{ActivityId: awsapi.NewUUID(), ServiceNamespace: t.ServiceNamespace, ResourceId: t.ResourceId,
		ScalableDimension: t.ScalableDimension, Description: fmt.Sprintf("Setting desired count to %d.", to), Cause: cause,
		StartTime: awsapi.Timestamp(now.Truncate(time.Millisecond))}
	_, err := c.cfg.Services.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: cluster, Service: service, DesiredCount: &to})
	end := awsapi.Now()
	act.EndTime = &end
	if err != nil {
		act.StatusCode = "Failed"
		act.StatusMessage = fmt.Sprintf("Failed to set desired count to %d. Reason: %v", to, err)
	} else {
		act.StatusCode = "Successful"
		act.StatusMessage = fmt.Sprintf("Successfully set desired count to %d. Change successfully fulfilled by ecs.", to)
	}
	c.log.Info("scaling", "resourceId", t.ResourceId, "from", cur, "to", to, "cause", cause, "status", act.StatusCode)
	werr := c.commit(ctx, func() (store.Txn, error) {
		ops := []store.Op{store.Put(activityKey(t, now, act.ActivityId), store.JSON(act))}
		var cmps []store.Cmp
		if note != nil && err == nil {
			rec, kv, err := c.target(ctx, t)
			if err != nil {
				return store.Txn{}, err
			}
			if rec != nil {
				note(rec)
				cmps = append(cmps, store.Unchanged(kv))
				ops = append(ops, store.Put(kv.Key, store.JSON(rec)))
			}
		}
		return store.Txn{If: cmps, Then: ops}, nil
	})
	if werr != nil {
		c.log.Error("record scaling activity", "resourceId", t.ResourceId, "err", werr)
	}
	c.pruneActivities(ctx, t)
}

// AlarmAction implements cloudwatch.AlarmActions: an alarm in ALARM runs
// the scaling policy its action names.
func (c *Control) AlarmAction(ctx context.Context, arn string, ev cloudwatch.AlarmEvent) (bool, error) {
	ref, name, ok := parsePolicyARN(arn)
	if !ok {
		return false, nil
	}
	if ev.Alarm.StateValue != cloudwatch.StateAlarm {
		return true, nil
	}
	p, _, err := store.GetJSON[ScalingPolicy](ctx, c.st, policyKey(ref, name))
	if errors.Is(err, store.ErrNotFound) {
		return true, nil // deleted since the alarm was evaluated
	}
	if err != nil || p.PolicyARN != arn {
		return true, err
	}
	rec, _, err := c.target(ctx, ref)
	if err != nil || rec == nil {
		return true, err
	}
	cur, err := c.desiredCount(ctx, ref)
	if err != nil {
		return true, err
	}
	now := time.Now()
	cause := fmt.Sprintf("monitor alarm %s in state ALARM triggered policy %s", ev.Alarm.AlarmName, p.PolicyName)
	var d decision
	switch p.PolicyType {
	case PolicyTargetTracking:
		d = c.targetTracking(rec, p, ev, cur, now)
	default:
		d = c.stepScaling(rec, p, ev, cur, now)
	}
	if d.to == cur || d.skip {
		return true, nil
	}
	c.setCapacity(ctx, ref, cur, d.to, cause, now, d.note)
	return true, nil
}

// decision is what a policy makes of an alarm: the new capacity, and how
// the target's cooldown clock changes if it is applied.
type decision struct {
	to   int
	skip bool
	note func(*targetRecord)
}

// targetTracking scales proportionally: the capacity that would bring the
// metric to the target, rounded up (scale out fast, in conservatively),
// within min and max, and only as cooldowns allow: during a scale-out
// cooldown only a larger scale-out, during either cooldown no scale-in.
func (c *Control) targetTracking(rec *targetRecord, p *ScalingPolicy, ev cloudwatch.AlarmEvent, cur int, now time.Time) decision {
	cfg := p.TargetTrackingScalingPolicyConfiguration
	if cfg == nil || cfg.TargetValue == nil || *cfg.TargetValue <= 0 || !ev.HasValue {
		return decision{skip: true}
	}
	high := strings.Contains(ev.Alarm.AlarmName, "-AlarmHigh-")
	want := int(math.Ceil(float64(max(cur, 1)) * ev.Value / *cfg.TargetValue))
	if high {
		want = max(want, cur+1)
	} else {
		want = min(want, cur)
	}
	to := min(max(want, rec.MinCapacity), rec.MaxCapacity)
	outCool := c.cfg.Alarms.Seconds(orDefault(cfg.ScaleOutCooldown, defaultCooldown))
	inCool := c.cfg.Alarms.Seconds(orDefault(cfg.ScaleInCooldown, defaultCooldown))
	switch {
	case to > cur:
		if rec.SuspendedState.out() || (now.Before(rec.ScaleOutUntil) && to <= rec.ScaledOutTo) {
			return decision{skip: true}
		}
		return decision{to: to, note: func(r *targetRecord) {
			r.LastScaleOut, r.ScaledOutTo, r.ScaleOutUntil = now, to, now.Add(outCool)
		}}
	case to < cur:
		if rec.SuspendedState.in() || (cfg.DisableScaleIn != nil && *cfg.DisableScaleIn) || now.Before(rec.ScaleInUntil) || now.Before(rec.ScaleOutUntil) {
			return decision{skip: true}
		}
		return decision{to: to, note: func(r *targetRecord) { r.LastScaleIn, r.ScaleInUntil = now, now.Add(inCool) }}
	}
	return decision{to: cur}
}

// stepScaling applies the step whose interval holds the breach (the
// metric minus the alarm's threshold), as the policy's adjustment type
// says, within min and max; nothing during its cooldown unless it scales
// out further.
func (c *Control) stepScaling(rec *targetRecord, p *ScalingPolicy, ev cloudwatch.AlarmEvent, cur int, now time.Time) decision {
	cfg := p.StepScalingPolicyConfiguration
	if cfg == nil || !ev.HasValue {
		return decision{skip: true}
	}
	breach := ev.Value - ev.Alarm.Threshold
	var adj *int
	for _, s := range cfg.StepAdjustments {
		lo, hi := math.Inf(-1), math.Inf(1)
		if s.MetricIntervalLowerBound != nil {
			lo = *s.MetricIntervalLowerBound
		}
		if s.MetricIntervalUpperBound != nil {
			hi = *s.MetricIntervalUpperBound
		}
		if breach >= lo && breach < hi || (breach == hi && hi == 0 && lo < 0) {
			adj = s.ScalingAdjustment
			break
		}
	}
	if adj == nil {
		return decision{skip: true}
	}
	want := cur
	switch cfg.AdjustmentType {
	case "ExactCapacity":
		want = *adj
	case "PercentChangeInCapacity":
		d := int(float64(cur) * float64(*adj) / 100)
		if m := cfg.MinAdjustmentMagnitude; m != nil && abs(d) < *m {
			d = *m * sign(*adj)
		}
		want = cur + d
	default: // ChangeInCapacity
		want = cur + *adj
	}
	to := min(max(want, rec.MinCapacity), rec.MaxCapacity)
	cool := c.cfg.Alarms.Seconds(orDefault(cfg.Cooldown, 0))
	switch {
	case to > cur:
		if rec.SuspendedState.out() || (now.Before(rec.ScaleOutUntil) && to <= rec.ScaledOutTo) {
			return decision{skip: true}
		}
		return decision{to: to, note: func(r *targetRecord) { r.LastScaleOut, r.ScaledOutTo, r.ScaleOutUntil = now, to, now.Add(cool) }}
	case to < cur:
		if rec.SuspendedState.in() || now.Before(rec.ScaleInUntil) || now.Before(rec.ScaleOutUntil) {
			return decision{skip: true}
		}
		return decision{to: to, note: func(r *targetRecord) { r.LastScaleIn, r.ScaleInUntil = now, now.Add(cool) }}
	}
	return decision{to: cur}
}

func orDefault(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

func abs(n int) int { return max(n, -n) }

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}

// parsePolicyARN takes a scaling policy ARN apart:
// arn:aws:autoscaling:<region>:<account>:scalingPolicy:<id>:resource/<namespace>/<resource id>:policyName/<name>.
func parsePolicyARN(arn string) (targetRef, string, bool) {
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "autoscaling" {
		return targetRef{}, "", false
	}
	rest, ok := strings.CutPrefix(a.Resource, "scalingPolicy:")
	if !ok {
		return targetRef{}, "", false
	}
	_, rest, _ = strings.Cut(rest, ":resource/")
	res, name, ok := strings.Cut(rest, ":policyName/")
	ns, id, ok2 := strings.Cut(res, "/")
	if !ok || !ok2 || ns != NamespaceECS {
		return targetRef{}, "", false
	}
	return targetRef{ns, id, DimensionDesiredCount}, name, true
}
