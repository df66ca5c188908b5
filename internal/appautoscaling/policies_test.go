package appautoscaling_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudwatch"
)

func (f *fixture) publish(name string, v float64) func() {
	return func() {
		f.CloudWatch.Publish(cloudwatch.Metric{Namespace: "App", MetricName: name}, "", time.Now(),
			cloudwatch.StatisticSet{SampleCount: 1, Sum: v, Minimum: v, Maximum: v})
	}
}

// TestStepScaling: an alarm of the user's whose action is a step policy
// applies the step its breach falls in.
func TestStepScaling(t *testing.T) {
	f := start(t, 1)
	f.register(t, 1, 6)
	pol, err := f.scaling.PutScalingPolicy(f.ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("steps"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeStepScaling,
		StepScalingPolicyConfiguration: &aastypes.StepScalingPolicyConfiguration{AdjustmentType: aastypes.AdjustmentTypeChangeInCapacity, Cooldown: aws.Int32(600),
			StepAdjustments: []aastypes.StepAdjustment{
				{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(10), ScalingAdjustment: aws.Int32(1)},
				{MetricIntervalLowerBound: aws.Float64(10), ScalingAdjustment: aws.Int32(3)}}}})
	must(t, err)
	if !strings.HasPrefix(*pol.PolicyARN, "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:") || !strings.HasSuffix(*pol.PolicyARN, ":resource/ecs/service/dev/web:policyName/steps") {
		t.Errorf("PolicyARN = %s", *pol.PolicyARN)
	}
	period, one, threshold := 60, 1, 50.0
	_, err = f.CloudWatch.PutMetricAlarm(f.ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: "queue-high", MetricName: "Queue", Namespace: "App",
		Statistic: "Average", Period: &period, EvaluationPeriods: &one, Threshold: &threshold, ComparisonOperator: "GreaterThanThreshold",
		AlarmActions: []string{*pol.PolicyARN}})
	must(t, err)
	// 70 is 20 above the threshold: the second step, +3.
	f.waitDesired(t, 4, f.publish("Queue", 70))
	acts := f.activities(t, 1)
	if len(acts) != 1 || *acts[0].Cause != "monitor alarm queue-high in state ALARM triggered policy steps" || *acts[0].Description != "Setting desired count to 4." {
		t.Errorf("activities = %+v", acts)
	}
}

// TestTargetTrackingCustomMetric: a customized metric is tracked like a
// predefined one; without scale-in there is no low alarm; deleting the
// policy deletes its alarm.
func TestTargetTrackingCustomMetric(t *testing.T) {
	f := start(t, 1)
	f.register(t, 1, 10)
	pol, err := f.scaling.PutScalingPolicy(f.ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("backlog"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(10), DisableScaleIn: aws.Bool(true),
			CustomizedMetricSpecification: &aastypes.CustomizedMetricSpecification{MetricName: aws.String("Backlog"), Namespace: aws.String("App"),
				Statistic: aastypes.MetricStatisticAverage}}})
	must(t, err)
	if len(pol.Alarms) != 1 || !strings.HasPrefix(*pol.Alarms[0].AlarmName, "TargetTracking-service/dev/web-AlarmHigh-") {
		t.Fatalf("alarms = %+v, want the high alarm only", pol.Alarms)
	}
	// 40 against a target of 10: four times the capacity, at once.
	f.waitDesired(t, 4, f.publish("Backlog", 40))
	desc, err := f.scaling.DescribeScalingPolicies(f.ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	must(t, err)
	if len(desc.ScalingPolicies) != 1 || *desc.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue != 10 {
		t.Errorf("policies = %+v", desc.ScalingPolicies)
	}

	rev := f.Store.Revision()
	_, err = f.scaling.PutScalingPolicy(f.ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("x"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/dev/other"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization}}})
	awstest.WantCode(t, err, "ObjectNotFoundException")
	_, err = f.scaling.PutScalingPolicy(f.ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("x"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeDynamoDBReadCapacityUtilization}}})
	awstest.WantCode(t, err, "ValidationException")
	_, err = f.scaling.DeleteScalingPolicy(f.ctx, &aas.DeleteScalingPolicyInput{PolicyName: aws.String("nope"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	awstest.WantCode(t, err, "ObjectNotFoundException")
	if got := f.Store.Revision(); got != rev {
		t.Errorf("revision %d -> %d after refused requests", rev, got)
	}

	_, err = f.scaling.DeleteScalingPolicy(f.ctx, &aas.DeleteScalingPolicyInput{PolicyName: aws.String("backlog"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	must(t, err)
	alarms, err := f.CloudWatch.DescribeAlarms(f.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: "TargetTracking-"})
	must(t, err)
	if len(alarms.MetricAlarms) != 0 {
		t.Errorf("alarms after deleting the policy = %+v", alarms.MetricAlarms)
	}
}

// TestScheduledAction: an action due now sets the target's range and
// scales the service into it; the action can be described and deleted.
func TestScheduledAction(t *testing.T) {
	f := start(t, 1)
	f.register(t, 1, 5)
	at := time.Now().UTC().Add(2 * time.Second).Format("2006-01-02T15:04:05")
	_, err := f.scaling.PutScheduledAction(f.ctx, &aas.PutScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ScheduledActionName: aws.String("morning"),
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, Schedule: aws.String("at(" + at + ")"),
		ScalableTargetAction: &aastypes.ScalableTargetAction{MinCapacity: aws.Int32(3), MaxCapacity: aws.Int32(6)}})
	must(t, err)
	f.waitDesired(t, 3, nil)
	if acts := f.activities(t, 1); len(acts) != 1 || *acts[0].Cause != "scheduled action name morning was triggered" || *acts[0].Description != "Setting desired count to 3." {
		t.Errorf("activities = %+v", acts)
	}
	out, err := f.scaling.DescribeScalableTargets(f.ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	must(t, err)
	if st := out.ScalableTargets[0]; *st.MinCapacity != 3 || *st.MaxCapacity != 6 {
		t.Errorf("target after the action = min %d max %d", *st.MinCapacity, *st.MaxCapacity)
	}
	sa, err := f.scaling.DescribeScheduledActions(f.ctx, &aas.DescribeScheduledActionsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	must(t, err)
	if len(sa.ScheduledActions) != 1 || *sa.ScheduledActions[0].Schedule != "at("+at+")" {
		t.Errorf("scheduled actions = %+v", sa.ScheduledActions)
	}
	for _, bad := range []string{"every(5 minutes)", "rate(0 minutes)", "cron(0 8 * * ? 2027)", "at(tomorrow)"} {
		_, err = f.scaling.PutScheduledAction(f.ctx, &aas.PutScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ScheduledActionName: aws.String("bad"),
			ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, Schedule: aws.String(bad)})
		awstest.WantCode(t, err, "ValidationException")
	}
	_, err = f.scaling.PutScheduledAction(f.ctx, &aas.PutScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ScheduledActionName: aws.String("weekdays"),
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, Schedule: aws.String("cron(0 8 ? * MON-FRI *)"), Timezone: aws.String("Europe/Paris")})
	must(t, err)
	_, err = f.scaling.DeleteScheduledAction(f.ctx, &aas.DeleteScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ScheduledActionName: aws.String("morning"),
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	must(t, err)
	_, err = f.scaling.DeleteScheduledAction(f.ctx, &aas.DeleteScheduledActionInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ScheduledActionName: aws.String("morning"),
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	awstest.WantCode(t, err, "ObjectNotFoundException")
}
