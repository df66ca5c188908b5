package appautoscaling

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/store"
)

type RegisterScalableTargetInput struct {
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
	MinCapacity       *int
	MaxCapacity       *int
	RoleARN           string
	SuspendedState    *SuspendedState
	Tags              map[string]string
}

type RegisterScalableTargetOutput struct {
	ScalableTargetARN string
}

// RegisterScalableTarget registers an ECS service's desired count, or
// changes a registered one's range or suspended state. A service whose
// desired count is outside the new range is scaled into it.
func (c *Control) RegisterScalableTarget(ctx context.Context, in *RegisterScalableTargetInput) (*RegisterScalableTargetOutput, error) {
	return c.register(ctx, in, "")
}

// register is RegisterScalableTarget; cause, if set, is why a desired
// count outside the new range is changed (a scheduled action), else the
// new bound is.
func (c *Control) register(ctx context.Context, in *RegisterScalableTargetInput, cause string) (*RegisterScalableTargetOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	for name, v := range map[string]*int{"minCapacity": in.MinCapacity, "maxCapacity": in.MaxCapacity} {
		if v != nil && *v < 0 {
			return nil, validation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *v, name)
		}
	}
	if len(in.Tags) > 0 {
		if fault, _ := awsapi.CheckTags(len(in.Tags), nil); fault == awsapi.TooManyTags {
			return nil, ErrLimitExceeded.Newf("The number of tags exceeds the limit of %d.", awsapi.MaxTags)
		}
	}
	if _, err := c.desiredCount(ctx, ref); err != nil {
		return nil, err
	}
	var out *ScalableTarget
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.target(ctx, ref)
		if err != nil {
			return store.Txn{}, err
		}
		cmp := store.Unchanged(kv)
		if rec == nil {
			if in.MinCapacity == nil || in.MaxCapacity == nil {
				return store.Txn{}, validation("Minimum and maximum capacity are required when registering a new scalable target")
			}
			rec = &targetRecord{ScalableTarget: ScalableTarget{ServiceNamespace: ref.ServiceNamespace, ResourceId: ref.ResourceId,
				ScalableDimension: ref.ScalableDimension, CreationTime: awsapi.Now(), ScalableTargetARN: c.arn("scalable-target/" + awsapi.RandomHex(36)),
				RoleARN: awsapi.ARN("iam", "", c.cfg.AccountID, "role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")},
				Tags: in.Tags}
			cmp = store.Absent(targetKey(ref))
		}
		if in.MinCapacity != nil {
			rec.MinCapacity = *in.MinCapacity
		}
		if in.MaxCapacity != nil {
			rec.MaxCapacity = *in.MaxCapacity
		}
		if rec.MinCapacity > rec.MaxCapacity {
			return store.Txn{}, validation("Minimum capacity cannot be greater than maximum capacity")
		}
		if in.RoleARN != "" {
			rec.RoleARN = in.RoleARN
		}
		if s := in.SuspendedState; s != nil {
			rec.SuspendedState = mergeSuspended(rec.SuspendedState, s)
		}
		out = &rec.ScalableTarget
		return store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(targetKey(ref), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	// Into the new range (AWS does this at once, as an activity).
	if cur, err := c.desiredCount(ctx, ref); err == nil && (cur < out.MinCapacity || cur > out.MaxCapacity) {
		to := min(max(cur, out.MinCapacity), out.MaxCapacity)
		what := "minimum"
		if cur > out.MaxCapacity {
			what = "maximum"
		}
		if cause == "" {
			cause = what + " capacity was set to " + strconv.Itoa(to)
		}
		c.setCapacity(ctx, ref, cur, to, cause, time.Now(), nil)
	}
	return &RegisterScalableTargetOutput{ScalableTargetARN: out.ScalableTargetARN}, nil
}

func mergeSuspended(old, s *SuspendedState) *SuspendedState {
	out := SuspendedState{}
	if old != nil {
		out = *old
	}
	if s.DynamicScalingInSuspended != nil {
		out.DynamicScalingInSuspended = s.DynamicScalingInSuspended
	}
	if s.DynamicScalingOutSuspended != nil {
		out.DynamicScalingOutSuspended = s.DynamicScalingOutSuspended
	}
	if s.ScheduledScalingSuspended != nil {
		out.ScheduledScalingSuspended = s.ScheduledScalingSuspended
	}
	return &out
}

type DeregisterScalableTargetInput struct {
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
}

type DeregisterScalableTargetOutput struct{}

// DeregisterScalableTarget removes a target with its policies (and their
// alarms) and scheduled actions.
func (c *Control) DeregisterScalableTarget(ctx context.Context, in *DeregisterScalableTargetInput) (*DeregisterScalableTargetOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	var alarms []string
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.target(ctx, ref)
		if err != nil {
			return store.Txn{}, err
		}
		if rec == nil {
			return store.Txn{}, targetNotFound(ref)
		}
		t := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}
		alarms = nil
		for _, prefix := range []string{policiesOf(ref), scheduledOf(ref)} {
			kvs, _, err := c.st.List(ctx, prefix)
			if err != nil {
				return store.Txn{}, err
			}
			for _, kv := range kvs {
				t.Then = append(t.Then, store.Delete(kv.Key))
				if p := store.DecodeJSON[ScalingPolicy](kv.Value); p != nil && prefix == policiesOf(ref) {
					alarms = append(alarms, alarmNames(p.Alarms)...)
				}
			}
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	c.deleteAlarms(ctx, alarms)
	return &DeregisterScalableTargetOutput{}, nil
}

type DescribeScalableTargetsInput struct {
	ServiceNamespace  string
	ResourceIds       []string
	ScalableDimension string
	MaxResults        *int
	NextToken         string
}

type DescribeScalableTargetsOutput struct {
	ScalableTargets []ScalableTarget
	NextToken       string `json:",omitempty"`
}

var pager = awsapi.Pager{Max: 50, Default: 50,
	BadSize:  validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"),
	BadToken: ErrInvalidNextToken.Newf("Invalid token")}

// DescribeScalableTargets lists a namespace's targets.
func (c *Control) DescribeScalableTargets(ctx context.Context, in *DescribeScalableTargetsInput) (*DescribeScalableTargetsOutput, error) {
	if in.ServiceNamespace == "" {
		return nil, required("serviceNamespace")
	}
	recs, err := list[targetRecord](ctx, c.st, targetPrefix+in.ServiceNamespace+"/")
	if err != nil {
		return nil, err
	}
	var match []ScalableTarget
	for _, r := range recs {
		if (len(in.ResourceIds) > 0 && !slices.Contains(in.ResourceIds, r.ResourceId)) || (in.ScalableDimension != "" && r.ScalableDimension != in.ScalableDimension) {
			continue
		}
		match = append(match, r.ScalableTarget)
	}
	page, next, err := awsapi.Paginate(pager, match, func(t ScalableTarget) string { return t.ref().id() }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &DescribeScalableTargetsOutput{ScalableTargets: orEmpty(page), NextToken: next}, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// deleteAlarms deletes the alarms a policy owned; one already gone is no
// matter.
func (c *Control) deleteAlarms(ctx context.Context, names []string) {
	for _, n := range names {
		if _, err := c.cfg.Alarms.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{n}}); err != nil && !errors.Is(err, cloudwatch.ErrResourceNotFound) {
			c.log.Warn("delete target tracking alarm", "alarmName", n, "err", err)
		}
	}
}
