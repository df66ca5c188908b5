package appautoscaling

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// The policy types.
const (
	PolicyTargetTracking = "TargetTrackingScaling"
	PolicyStepScaling    = "StepScaling"
)

type PutScalingPolicyInput struct {
	PolicyName                               string
	ServiceNamespace                         string
	ResourceId                               string
	ScalableDimension                        string
	PolicyType                               string
	StepScalingPolicyConfiguration           *StepScalingPolicyConfiguration
	TargetTrackingScalingPolicyConfiguration *TargetTrackingScalingPolicyConfiguration
}

type PutScalingPolicyOutput struct {
	PolicyARN string
	Alarms    []Alarm
}

// PutScalingPolicy creates or replaces a policy. A target tracking policy
// gets its pair of alarms (the old pair goes).
func (c *Control) PutScalingPolicy(ctx context.Context, in *PutScalingPolicyInput) (*PutScalingPolicyOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if in.PolicyName == "" {
		return nil, required("policyName")
	}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	if in.PolicyType == "" {
		in.PolicyType = PolicyStepScaling
	}
	var metric *metricSpec
	switch in.PolicyType {
	case PolicyTargetTracking:
		m, err := checkTargetTracking(ref, in.TargetTrackingScalingPolicyConfiguration)
		if err != nil {
			return nil, err
		}
		metric = m
	case PolicyStepScaling:
		if err := checkStepScaling(in.StepScalingPolicyConfiguration); err != nil {
			return nil, err
		}
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [PredictiveScaling, StepScaling, TargetTrackingScaling]", in.PolicyType)
	}
	rec, _, err := c.target(ctx, ref)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, targetNotFound(ref)
	}
	id := awsapi.NewUUID()
	p := &ScalingPolicy{PolicyARN: c.policyARN(id, ref, in.PolicyName), PolicyName: in.PolicyName, ServiceNamespace: ref.ServiceNamespace,
		ResourceId: ref.ResourceId, ScalableDimension: ref.ScalableDimension, PolicyType: in.PolicyType, Alarms: []Alarm{}, CreationTime: awsapi.Now()}
	if metric != nil {
		p.TargetTrackingScalingPolicyConfiguration = in.TargetTrackingScalingPolicyConfiguration
		if p.Alarms, err = c.putTrackingAlarms(ctx, p, metric); err != nil {
			return nil, err
		}
	} else {
		p.StepScalingPolicyConfiguration = in.StepScalingPolicyConfiguration
	}
	var replaced []Alarm
	err = c.commit(ctx, func() (store.Txn, error) {
		old, kv, err := store.GetJSON[ScalingPolicy](ctx, c.st, policyKey(ref, in.PolicyName))
		cmp := store.Absent(policyKey(ref, in.PolicyName))
		replaced = nil
		switch {
		case err == nil:
			// A policy keeps its ARN (alarms that name it go on working).
			p.PolicyARN, p.CreationTime, replaced, cmp = old.PolicyARN, old.CreationTime, old.Alarms, store.Unchanged(kv)
		case !errors.Is(err, store.ErrNotFound):
			return store.Txn{}, err
		}
		tkv, err := c.st.Get(ctx, targetKey(ref))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, targetNotFound(ref) // deregistered meanwhile
		}
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{cmp, store.Unchanged(tkv)}, Then: []store.Op{store.Put(policyKey(ref, in.PolicyName), store.JSON(p))}}, nil
	})
	if err != nil {
		c.deleteAlarms(ctx, alarmNames(p.Alarms))
		return nil, err
	}
	var gone []string
	for _, a := range replaced {
		if !slices.Contains(p.Alarms, a) {
			gone = append(gone, a.AlarmName)
		}
	}
	c.deleteAlarms(ctx, gone)
	return &PutScalingPolicyOutput{PolicyARN: p.PolicyARN, Alarms: p.Alarms}, nil
}

func alarmNames(alarms []Alarm) []string {
	out := make([]string, len(alarms))
	for i, a := range alarms {
		out[i] = a.AlarmName
	}
	return out
}

func checkStepScaling(cfg *StepScalingPolicyConfiguration) error {
	if cfg == nil {
		return validation("StepScalingPolicyConfiguration is required for a policy of type StepScaling")
	}
	switch cfg.AdjustmentType {
	case "ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity":
	case "":
		return validation("AdjustmentType is required for a StepScaling policy")
	default:
		return validation("1 validation error detected: Value '%s' at 'stepScalingPolicyConfiguration.adjustmentType' failed to satisfy constraint: Member must satisfy enum value set: [ChangeInCapacity, PercentChangeInCapacity, ExactCapacity]", cfg.AdjustmentType)
	}
	if len(cfg.StepAdjustments) == 0 {
		return validation("StepAdjustments are required for a StepScaling policy")
	}
	for i, s := range cfg.StepAdjustments {
		if s.ScalingAdjustment == nil {
			return required(fmt.Sprintf("stepScalingPolicyConfiguration.stepAdjustments.%d.member.scalingAdjustment", i+1))
		}
		if s.MetricIntervalLowerBound == nil && s.MetricIntervalUpperBound == nil && len(cfg.StepAdjustments) > 1 {
			return validation("Only one step adjustment can have an infinite lower and upper bound")
		}
		if s.MetricIntervalLowerBound != nil && s.MetricIntervalUpperBound != nil && *s.MetricIntervalLowerBound >= *s.MetricIntervalUpperBound {
			return validation("Step adjustment lower bound must be less than the upper bound")
		}
	}
	if t := cfg.MetricAggregationType; t != "" && t != "Average" && t != "Minimum" && t != "Maximum" {
		return validation("1 validation error detected: Value '%s' at 'stepScalingPolicyConfiguration.metricAggregationType' failed to satisfy constraint: Member must satisfy enum value set: [Maximum, Minimum, Average]", t)
	}
	return nil
}

type DescribeScalingPoliciesInput struct {
	ServiceNamespace  string
	PolicyNames       []string
	ResourceId        string
	ScalableDimension string
	MaxResults        *int
	NextToken         string
}

type DescribeScalingPoliciesOutput struct {
	ScalingPolicies []ScalingPolicy
	NextToken       string `json:",omitempty"`
}

// DescribeScalingPolicies lists a namespace's policies.
func (c *Control) DescribeScalingPolicies(ctx context.Context, in *DescribeScalingPoliciesInput) (*DescribeScalingPoliciesOutput, error) {
	if in.ServiceNamespace == "" {
		return nil, required("serviceNamespace")
	}
	recs, err := list[ScalingPolicy](ctx, c.st, policyPrefix+in.ServiceNamespace+"/")
	if err != nil {
		return nil, err
	}
	var match []ScalingPolicy
	for _, p := range recs {
		if (len(in.PolicyNames) > 0 && !slices.Contains(in.PolicyNames, p.PolicyName)) || (in.ResourceId != "" && p.ResourceId != in.ResourceId) ||
			(in.ScalableDimension != "" && p.ScalableDimension != in.ScalableDimension) {
			continue
		}
		match = append(match, *p)
	}
	page, next, err := awsapi.Paginate(pager, match, func(p ScalingPolicy) string {
		return targetRef{p.ServiceNamespace, p.ResourceId, p.ScalableDimension}.id() + "/" + p.PolicyName
	}, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &DescribeScalingPoliciesOutput{ScalingPolicies: orEmpty(page), NextToken: next}, nil
}

type DeleteScalingPolicyInput struct {
	PolicyName        string
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
}

type DeleteScalingPolicyOutput struct{}

// DeleteScalingPolicy deletes a policy and the alarms target tracking
// created for it.
func (c *Control) DeleteScalingPolicy(ctx context.Context, in *DeleteScalingPolicyInput) (*DeleteScalingPolicyOutput, error) {
	ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
	if in.PolicyName == "" {
		return nil, required("policyName")
	}
	if err := checkTarget(ref); err != nil {
		return nil, err
	}
	var alarms []Alarm
	err := c.commit(ctx, func() (store.Txn, error) {
		p, kv, err := store.GetJSON[ScalingPolicy](ctx, c.st, policyKey(ref, in.PolicyName))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, ErrObjectNotFound.Newf("No scaling policy found for service namespace: %s, resource ID: %s, scalable dimension: %s, policy name: %s",
				ref.ServiceNamespace, ref.ResourceId, ref.ScalableDimension, in.PolicyName)
		}
		if err != nil {
			return store.Txn{}, err
		}
		alarms = p.Alarms
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	if err != nil {
		return nil, err
	}
	c.deleteAlarms(ctx, alarmNames(alarms))
	return &DeleteScalingPolicyOutput{}, nil
}
