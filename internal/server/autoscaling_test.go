package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestCPUTargetTracking is the scaling story on the process
// runtime: a service with a CPU target tracking policy (target 50%, min
// 1, max 4, metric period 1 s) whose tasks burn CPU while a file exists
// scales out to 4 running tasks; when the load stops it scales back in
// to 1; the scaling activities and the CPU datapoints tell the story
// through the AWS CLI.
func TestCPUTargetTracking(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t, func(c *server.Config) { c.MetricPeriod = time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	burner := servertest.BuildApp(t, "./internal/server/testdata/burner")
	load := filepath.Join(t.TempDir(), "load")
	if err := os.WriteFile(load, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ecsc, scaling := ecs.NewFromConfig(env.AWS), aas.NewFromConfig(env.AWS)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("scale")})
	check(err)
	// 256 cpu units are a quarter CPU: each task burning a fifth of a CPU
	// runs at 80%.
	td, err := ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("burner"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("burner"), Image: aws.String(burner),
			Environment: []ecstypes.KeyValuePair{{Name: aws.String("LOAD_FILE"), Value: aws.String(load)}, {Name: aws.String("DUTY_PERCENT"), Value: aws.String("20")}}}}})
	check(err)
	_, err = ecsc.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("scale"), ServiceName: aws.String("burn"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	check(err)
	resource := "service/scale/burn"
	_, err = scaling.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(4)})
	check(err)
	pol, err := scaling.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("cpu50"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization}}})
	check(err)
	if len(pol.Alarms) != 2 || !strings.HasPrefix(*pol.Alarms[0].AlarmName, "TargetTracking-service/scale/burn-AlarmHigh-") ||
		!strings.HasPrefix(*pol.Alarms[1].AlarmName, "TargetTracking-service/scale/burn-AlarmLow-") {
		t.Fatalf("policy alarms = %+v, want the AlarmHigh/AlarmLow pair", pol.Alarms)
	}
	out := awstest.CLI(ctx, t, env.URL, "cloudwatch", "describe-alarms", "--alarm-name-prefix", "TargetTracking-service/scale/burn-")
	if !strings.Contains(string(out), `"Threshold": 50.0`) || !strings.Contains(string(out), `"Threshold": 45.0`) || !strings.Contains(string(out), *pol.PolicyARN) {
		t.Errorf("describe-alarms = %s, want both alarms acting on the policy", out)
	}

	waitService(ctx, t, ecsc, "scaled out to 4 running tasks", func(s ecstypes.Service) bool { return s.DesiredCount == 4 && s.RunningCount == 4 })
	if err := os.Remove(load); err != nil {
		t.Fatal(err)
	}
	waitService(ctx, t, ecsc, "scaled in to 1", func(s ecstypes.Service) bool { return s.DesiredCount == 1 })

	var acts struct {
		ScalingActivities []struct{ Description, Cause, StatusCode, StatusMessage string }
	}
	// The scale-in's activity is recorded just after ECS takes the count.
	for len(acts.ScalingActivities) < 2 || acts.ScalingActivities[0].Description != "Setting desired count to 1." {
		out = awstest.CLI(ctx, t, env.URL, "application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", resource)
		if err := json.Unmarshal(out, &acts); err != nil || ctx.Err() != nil {
			t.Fatalf("describe-scaling-activities = %s (%v)", out, err)
		}
	}
	newest, oldest := acts.ScalingActivities[0], acts.ScalingActivities[len(acts.ScalingActivities)-1]
	if newest.Description != "Setting desired count to 1." || newest.StatusCode != "Successful" || !strings.Contains(newest.Cause, "-AlarmLow-") ||
		newest.StatusMessage != "Successfully set desired count to 1. Change successfully fulfilled by ecs." {
		t.Errorf("newest activity = %+v, want the scale-in to 1", newest)
	}
	if !strings.HasPrefix(oldest.Cause, "monitor alarm TargetTracking-service/scale/burn-AlarmHigh-") || !strings.HasSuffix(oldest.Cause, " in state ALARM triggered policy cpu50") {
		t.Errorf("oldest activity = %+v, want a scale-out by the high alarm", oldest)
	}

	var stats struct {
		Datapoints []struct{ Average, Maximum float64 }
	}
	out = awstest.CLI(ctx, t, env.URL, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
		"--dimensions", "Name=ClusterName,Value=scale", "Name=ServiceName,Value=burn", "--start-time", start.Add(-time.Minute).UTC().Format(time.RFC3339),
		"--end-time", time.Now().Add(time.Minute).UTC().Format(time.RFC3339), "--period", "60", "--statistics", "Average", "Maximum")
	if err := json.Unmarshal(out, &stats); err != nil {
		t.Fatal(err)
	}
	busy := 0
	for _, d := range stats.Datapoints {
		if d.Average > 50 {
			busy++
		}
	}
	if len(stats.Datapoints) < 10 || busy < 3 {
		t.Errorf("get-metric-statistics: %d datapoints, %d above the target; want the load to show", len(stats.Datapoints), busy)
	}
}

// waitService polls the service until ok, or fails after ctx.
func waitService(ctx context.Context, t *testing.T, c *ecs.Client, what string, ok func(ecstypes.Service) bool) {
	t.Helper()
	var last ecstypes.Service
	for {
		out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("scale"), Services: []string{"burn"}})
		if err == nil && len(out.Services) == 1 {
			last = out.Services[0]
			if ok(last) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("service never %s: desired %d, running %d", what, last.DesiredCount, last.RunningCount)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
