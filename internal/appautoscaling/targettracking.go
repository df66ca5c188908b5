package appautoscaling

import (
	"context"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudwatch"
)

// metricSpec is the metric a target tracking policy tracks.
type metricSpec struct {
	namespace, name, statistic, unit string
	dims                             []cloudwatch.Dimension
}

// The predefined metrics Portolan publishes.
const (
	ECSServiceAverageCPUUtilization    = "ECSServiceAverageCPUUtilization"
	ECSServiceAverageMemoryUtilization = "ECSServiceAverageMemoryUtilization"
	ALBRequestCountPerTarget           = "ALBRequestCountPerTarget"
)

// checkTargetTracking validates a configuration and resolves its metric.
func checkTargetTracking(t targetRef, cfg *TargetTrackingScalingPolicyConfiguration) (*metricSpec, error) {
	if cfg == nil {
		return nil, validation("TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling")
	}
	if cfg.TargetValue == nil {
		return nil, required("targetTrackingScalingPolicyConfiguration.targetValue")
	}
	if *cfg.TargetValue <= 0 {
		return nil, validation("The target value must be greater than 0")
	}
	for name, v := range map[string]*int{"scaleOutCooldown": cfg.ScaleOutCooldown, "scaleInCooldown": cfg.ScaleInCooldown} {
		if v != nil && *v < 0 {
			return nil, validation("1 validation error detected: Value '%d' at 'targetTrackingScalingPolicyConfiguration.%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *v, name)
		}
	}
	pre, cust := cfg.PredefinedMetricSpecification, cfg.CustomizedMetricSpecification
	if (pre == nil) == (cust == nil) {
		return nil, validation("Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified")
	}
	if cust != nil {
		switch {
		case len(cust.Metrics) > 0:
			return nil, validation("CustomizedMetricSpecification.Metrics (metric math) is not supported by Portolan")
		case cust.MetricName == "" || cust.Namespace == "":
			return nil, validation("CustomizedMetricSpecification needs a MetricName and a Namespace")
		}
		switch cust.Statistic {
		case "Average", "Minimum", "Maximum", "SampleCount", "Sum":
		default:
			return nil, validation("1 validation error detected: Value '%s' at 'targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic' failed to satisfy constraint: Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]", cust.Statistic)
		}
		m := &metricSpec{namespace: cust.Namespace, name: cust.MetricName, statistic: cust.Statistic, unit: cust.Unit}
		for _, d := range cust.Dimensions {
			m.dims = append(m.dims, cloudwatch.Dimension{Name: d.Name, Value: d.Value})
		}
		return m, nil
	}
	cluster, service, _ := serviceOf(t.ResourceId)
	ecsDims := []cloudwatch.Dimension{{Name: "ClusterName", Value: cluster}, {Name: "ServiceName", Value: service}}
	switch pre.PredefinedMetricType {
	case ECSServiceAverageCPUUtilization:
		return &metricSpec{namespace: "AWS/ECS", name: "CPUUtilization", statistic: "Average", dims: ecsDims}, nil
	case ECSServiceAverageMemoryUtilization:
		return &metricSpec{namespace: "AWS/ECS", name: "MemoryUtilization", statistic: "Average", dims: ecsDims}, nil
	case ALBRequestCountPerTarget:
		// ResourceLabel: app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>.
		lb, tg, ok := strings.Cut(pre.ResourceLabel, "/targetgroup/")
		if !ok || !strings.HasPrefix(lb, "app/") {
			return nil, validation("Invalid resource label %s for metric type ALBRequestCountPerTarget. Expected format: app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>", pre.ResourceLabel)
		}
		return &metricSpec{namespace: "AWS/ApplicationELB", name: "RequestCountPerTarget", statistic: "Sum",
			dims: []cloudwatch.Dimension{{Name: "TargetGroup", Value: "targetgroup/" + tg}}}, nil
	}
	return nil, validation("1 validation error detected: Value '%s' at 'targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType' failed to satisfy constraint: Member must satisfy enum value set: [ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget] (the ones Portolan publishes)", pre.PredefinedMetricType)
}

// putTrackingAlarms creates the alarms target tracking runs on, named and
// shaped as AWS does: AlarmHigh, three one-minute datapoints above the
// target, scales out; AlarmLow, fifteen below 90% of it, scales in (none
// when scale-in is disabled).
func (c *Control) putTrackingAlarms(ctx context.Context, p *ScalingPolicy, m *metricSpec) ([]Alarm, error) {
	cfg := p.TargetTrackingScalingPolicyConfiguration
	target := *cfg.TargetValue
	type shape struct {
		suffix    string
		periods   int
		op        string
		threshold float64
	}
	shapes := []shape{{"AlarmHigh", 3, "GreaterThanThreshold", target}}
	if cfg.DisableScaleIn == nil || !*cfg.DisableScaleIn {
		shapes = append(shapes, shape{"AlarmLow", 15, "LessThanThreshold", target * 0.9})
	}
	var out []Alarm
	for _, s := range shapes {
		name := "TargetTracking-" + p.ResourceId + "-" + s.suffix + "-" + awsapi.NewUUID()
		period, periods, enabled := 60, s.periods, true
		_, err := c.cfg.Alarms.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: name, AlarmDescription: "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy " + p.PolicyARN + ".",
			ActionsEnabled: &enabled, AlarmActions: []string{p.PolicyARN}, MetricName: m.name, Namespace: m.namespace,
			Statistic: m.statistic, Dimensions: m.dims, Period: &period, Unit: m.unit, EvaluationPeriods: &periods,
			DatapointsToAlarm: &periods, Threshold: &s.threshold, ComparisonOperator: s.op,
		})
		if err != nil {
			c.deleteAlarms(ctx, alarmNames(out))
			return nil, err
		}
		out = append(out, Alarm{AlarmName: name, AlarmARN: awsapi.ARN("cloudwatch", c.cfg.Region, c.cfg.AccountID, "alarm:"+name)})
	}
	return out, nil
}
