package stack

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/cloudwatch"
)

// scalableTarget is AWS::ApplicationAutoScaling::ScalableTarget. Its Ref
// is AWS's: resourceId|scalableDimension|serviceNamespace, which a
// ScalingPolicy's ScalingTargetId names it by (as CDK's
// autoScaleTaskCount().scaleOnCpuUtilization() synthesizes).
type scalableTarget struct{ c *appautoscaling.Control }

type scalableTargetProps struct {
	appautoscaling.RegisterScalableTargetInput
	ScheduledActions []appautoscaling.PutScheduledActionInput
}

func (h scalableTarget) props(r *Resource) (*scalableTargetProps, error) {
	var p scalableTargetProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func (h scalableTarget) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	p, err := h.props(r)
	if err != nil {
		return "", nil, err
	}
	if _, err := h.c.RegisterScalableTarget(ctx, &p.RegisterScalableTargetInput); err != nil {
		return "", nil, err
	}
	id := p.ResourceId + "|" + p.ScalableDimension + "|" + p.ServiceNamespace
	attrs := map[string]any{"Id": id}
	if err := r.Exists(id, attrs); err != nil {
		return "", nil, err
	}
	return id, attrs, h.putScheduled(ctx, p, nil)
}

// putScheduled puts the target's scheduled actions and deletes those it
// no longer has.
func (h scalableTarget) putScheduled(ctx context.Context, p *scalableTargetProps, old *scalableTargetProps) error {
	keep := map[string]bool{}
	for _, a := range p.ScheduledActions {
		a.ServiceNamespace, a.ResourceId, a.ScalableDimension = p.ServiceNamespace, p.ResourceId, p.ScalableDimension
		if _, err := h.c.PutScheduledAction(ctx, &a); err != nil {
			return err
		}
		keep[a.ScheduledActionName] = true
	}
	if old == nil {
		return nil
	}
	for _, a := range old.ScheduledActions {
		if keep[a.ScheduledActionName] {
			continue
		}
		_, err := h.c.DeleteScheduledAction(ctx, &appautoscaling.DeleteScheduledActionInput{ServiceNamespace: p.ServiceNamespace,
			ResourceId: p.ResourceId, ScalableDimension: p.ScalableDimension, ScheduledActionName: a.ScheduledActionName})
		if ignoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

func (h scalableTarget) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	p, err := h.props(r)
	if err != nil {
		return nil, err
	}
	was, err := h.props(&Resource{Props: old})
	if err != nil {
		return nil, err
	}
	if p.ResourceId != was.ResourceId || p.ScalableDimension != was.ScalableDimension || p.ServiceNamespace != was.ServiceNamespace {
		return nil, ErrReplace
	}
	if _, err := h.c.RegisterScalableTarget(ctx, &p.RegisterScalableTargetInput); err != nil {
		return nil, err
	}
	return r.Attrs, h.putScheduled(ctx, p, was)
}

func (h scalableTarget) Delete(ctx context.Context, r *Resource) error {
	res, dim, ns := splitTargetID(r.PhysicalID)
	_, err := h.c.DeregisterScalableTarget(ctx, &appautoscaling.DeregisterScalableTargetInput{ServiceNamespace: ns, ResourceId: res, ScalableDimension: dim})
	return ignoreNotFound(err)
}

func splitTargetID(id string) (resourceID, dimension, namespace string) {
	parts := strings.SplitN(id, "|", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// scalingPolicy is AWS::ApplicationAutoScaling::ScalingPolicy; its Ref
// is the policy's ARN.
type scalingPolicy struct{ c *appautoscaling.Control }

type scalingPolicyProps struct {
	appautoscaling.PutScalingPolicyInput
	ScalingTargetId string
}

func (h scalingPolicy) input(props map[string]any) (*appautoscaling.PutScalingPolicyInput, error) {
	var p scalingPolicyProps
	if err := decodeProps(props, &p); err != nil {
		return nil, err
	}
	if p.ScalingTargetId != "" {
		p.ResourceId, p.ScalableDimension, p.ServiceNamespace = splitTargetID(p.ScalingTargetId)
	}
	return &p.PutScalingPolicyInput, nil
}

func (h scalingPolicy) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in, err := h.input(r.Props)
	if err != nil {
		return "", nil, err
	}
	out, err := h.c.PutScalingPolicy(ctx, in)
	if err != nil {
		return "", nil, err
	}
	return out.PolicyARN, map[string]any{"Arn": out.PolicyARN}, nil
}

func (h scalingPolicy) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	in, err := h.input(r.Props)
	if err != nil {
		return nil, err
	}
	was, err := h.input(old)
	if err != nil {
		return nil, err
	}
	if in.PolicyName != was.PolicyName || in.ResourceId != was.ResourceId || in.ScalableDimension != was.ScalableDimension || in.ServiceNamespace != was.ServiceNamespace {
		return nil, ErrReplace
	}
	if _, err := h.c.PutScalingPolicy(ctx, in); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

func (h scalingPolicy) Delete(ctx context.Context, r *Resource) error {
	in, err := h.input(r.Props)
	if err != nil {
		return err
	}
	_, err = h.c.DeleteScalingPolicy(ctx, &appautoscaling.DeleteScalingPolicyInput{PolicyName: in.PolicyName, ServiceNamespace: in.ServiceNamespace,
		ResourceId: in.ResourceId, ScalableDimension: in.ScalableDimension})
	if errors.Is(err, appautoscaling.ErrObjectNotFound) {
		return nil
	}
	return err
}

// cloudWatchAlarm is AWS::CloudWatch::Alarm; its Ref is the alarm's name.
type cloudWatchAlarm struct{ c *cloudwatch.Control }

func (h cloudWatchAlarm) input(r *Resource) (*cloudwatch.PutMetricAlarmInput, error) {
	var in cloudwatch.PutMetricAlarmInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	if in.AlarmName == "" {
		in.AlarmName = r.PhysicalID
	}
	return &in, nil
}

func (h cloudWatchAlarm) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in, err := h.input(r)
	if err != nil {
		return "", nil, err
	}
	if in.AlarmName == "" {
		in.AlarmName = generatedName(r, 255)
	}
	if _, err := h.c.PutMetricAlarm(ctx, in); err != nil {
		return "", nil, err
	}
	return in.AlarmName, map[string]any{"Arn": h.c.AlarmARN(in.AlarmName)}, nil
}

func (h cloudWatchAlarm) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "AlarmName") != str(old, "AlarmName") {
		return nil, ErrReplace
	}
	in, err := h.input(r)
	if err != nil {
		return nil, err
	}
	if _, err := h.c.PutMetricAlarm(ctx, in); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

func (h cloudWatchAlarm) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{r.PhysicalID}})
	return ignoreNotFound(err)
}
