package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// scalingTemplate is what CDK synthesizes for
// service.autoScaleTaskCount({minCapacity: 1, maxCapacity: 2})
// .scaleOnCpuUtilization('CpuScaling', {targetUtilizationPercent: 80}),
// plus an alarm of the user's own.
const scalingTemplate = `
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      Cpu: "256"
      Memory: "512"
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      ContainerDefinitions:
        - {Name: web, Image: app, Essential: true}
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TaskDef
      DesiredCount: 1
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: [subnet-1]}
  ServiceTaskCountTarget23E25614:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      MaxCapacity: 2
      MinCapacity: 1
      ResourceId: !Join ["", ["service/", !Ref Cluster, "/", !GetAtt Service.Name]]
      RoleARN: !Join ["", ["arn:", !Ref "AWS::Partition", ":iam::", !Ref "AWS::AccountId", ":role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"]]
      ScalableDimension: ecs:service:DesiredCount
      ServiceNamespace: ecs
  ServiceTaskCountTargetCpuScalingB2F9C0A7:
    Type: AWS::ApplicationAutoScaling::ScalingPolicy
    Properties:
      PolicyName: StackServiceTaskCountTargetCpuScaling9D6DB8E1
      PolicyType: TargetTrackingScaling
      ScalingTargetId: !Ref ServiceTaskCountTarget23E25614
      TargetTrackingScalingPolicyConfiguration:
        PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}
        TargetValue: 80
  MemoryAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ECS
      MetricName: MemoryUtilization
      Dimensions:
        - {Name: ClusterName, Value: !Ref Cluster}
        - {Name: ServiceName, Value: !GetAtt Service.Name}
      Statistic: Average
      Period: 60
      EvaluationPeriods: 3
      Threshold: 90
      ComparisonOperator: GreaterThanThreshold
Outputs:
  Target: {Value: !Ref ServiceTaskCountTarget23E25614}
  Policy: {Value: !Ref ServiceTaskCountTargetCpuScalingB2F9C0A7}
  Alarm: {Value: !Ref MemoryAlarm}
  AlarmArn: {Value: !GetAtt MemoryAlarm.Arn}
`

// TestScalingResources: CDK's CPU autoscaling deploys unchanged (the
// target's ResourceId joined from the cluster and service names, the
// policy naming the target by its Ref), its alarms appear, and destroying
// the stack removes them all.
func TestScalingResources(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	st, events, err := deploy(t, env, "Stack", []byte(scalingTemplate), nil, map[string]string{"app": runtimetest.BuildApp(t)})
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	out := outputs(st)
	cluster := st.Resources["Cluster"].PhysicalID
	resource := "service/" + cluster + "/" + st.Resources["Service"].Attributes["Name"].(string)
	if out["Target"] != resource+"|ecs:service:DesiredCount|ecs" || !strings.Contains(out["Policy"], ":scalingPolicy:") ||
		!strings.HasPrefix(out["Alarm"], "Stack-MemoryAlarm-") || out["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:"+out["Alarm"] {
		t.Fatalf("outputs = %v", out)
	}
	targets, err := env.Server.AppAutoScaling.DescribeScalableTargets(ctx, &appautoscaling.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})
	if err != nil || len(targets.ScalableTargets) != 1 || targets.ScalableTargets[0].ResourceId != resource || targets.ScalableTargets[0].MaxCapacity != 2 {
		t.Fatalf("targets = %+v, %v", targets, err)
	}
	pols, err := env.Server.AppAutoScaling.DescribeScalingPolicies(ctx, &appautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: "ecs"})
	if err != nil || len(pols.ScalingPolicies) != 1 || pols.ScalingPolicies[0].PolicyARN != out["Policy"] || len(pols.ScalingPolicies[0].Alarms) != 2 {
		t.Fatalf("policies = %+v, %v", pols, err)
	}
	alarms, err := env.Server.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if err != nil || len(alarms.MetricAlarms) != 3 {
		t.Fatalf("alarms = %+v, %v; want the policy's two and the template's", alarms, err)
	}

	if err := env.Server.Stacks.Destroy(ctx, "Stack", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	targets, _ = env.Server.AppAutoScaling.DescribeScalableTargets(ctx, &appautoscaling.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})
	pols, _ = env.Server.AppAutoScaling.DescribeScalingPolicies(ctx, &appautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: "ecs"})
	alarms, _ = env.Server.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if len(targets.ScalableTargets)+len(pols.ScalingPolicies)+len(alarms.MetricAlarms) != 0 {
		t.Errorf("after destroy: %d targets, %d policies, %d alarms", len(targets.ScalableTargets), len(pols.ScalingPolicies), len(alarms.MetricAlarms))
	}
}
