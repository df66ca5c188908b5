package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestScalingSurvivesKill9: alarms (with their state), scalable targets,
// policies and scheduled actions acknowledged by a server are there after
// it is SIGKILLed and restarted, and a policy's alarms go on acting on it.
func TestScalingSurvivesKill9(t *testing.T) {
	awstest.NeedCLI(t)
	dir, port := t.TempDir(), servertest.FreePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx := context.Background()
	cmd := servertest.StartProcess(t, dir, port, "--metric-period", "1s")
	cli := func(args ...string) string { return string(awstest.CLI(ctx, t, url, args...)) }
	cli("ecs", "create-cluster", "--cluster-name", "dev")
	cli("ecs", "register-task-definition", "--family", "web", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc",
		"--cpu", "256", "--memory", "512", "--container-definitions", `[{"name":"web","image":"/bin/sleep","command":["600"]}]`)
	cli("ecs", "create-service", "--cluster", "dev", "--service-name", "web", "--task-definition", "web", "--desired-count", "0",
		"--launch-type", "FARGATE", "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1]}")
	cli("application-autoscaling", "register-scalable-target", "--service-namespace", "ecs", "--resource-id", "service/dev/web",
		"--scalable-dimension", "ecs:service:DesiredCount", "--min-capacity", "0", "--max-capacity", "3")
	pol := cli("application-autoscaling", "put-scaling-policy", "--service-namespace", "ecs", "--resource-id", "service/dev/web",
		"--scalable-dimension", "ecs:service:DesiredCount", "--policy-name", "cpu", "--policy-type", "TargetTrackingScaling",
		"--target-tracking-scaling-policy-configuration", `{"TargetValue":50,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"}}`)
	cli("application-autoscaling", "put-scheduled-action", "--service-namespace", "ecs", "--resource-id", "service/dev/web",
		"--scalable-dimension", "ecs:service:DesiredCount", "--scheduled-action-name", "nightly", "--schedule", "cron(0 2 * * ? *)",
		"--scalable-target-action", "MinCapacity=0,MaxCapacity=1")
	cli("cloudwatch", "put-metric-alarm", "--alarm-name", "mine", "--namespace", "App", "--metric-name", "Q", "--statistic", "Sum",
		"--period", "60", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold")

	cmd.Process.Kill()
	cmd.Wait()
	servertest.StartProcess(t, dir, port, "--metric-period", "1s")

	var alarms struct {
		MetricAlarms []struct{ AlarmName, AlarmActions string }
	}
	out := cli("cloudwatch", "describe-alarms", "--query", "{MetricAlarms: MetricAlarms[].{AlarmName: AlarmName, AlarmActions: join(',', AlarmActions)}}")
	if err := json.Unmarshal([]byte(out), &alarms); err != nil || len(alarms.MetricAlarms) != 3 {
		t.Fatalf("alarms after restart = %s (%v)", out, err)
	}
	var policy struct{ PolicyARN string }
	json.Unmarshal([]byte(pol), &policy)
	acting := 0
	for _, a := range alarms.MetricAlarms {
		if strings.HasPrefix(a.AlarmName, "TargetTracking-service/dev/web-Alarm") && a.AlarmActions == policy.PolicyARN {
			acting++
		}
	}
	if acting != 2 {
		t.Errorf("alarms after restart = %+v, want the policy's two acting on %s", alarms.MetricAlarms, policy.PolicyARN)
	}
	for _, c := range []struct{ args []string }{
		{[]string{"describe-scalable-targets", "--service-namespace", "ecs", "--query", "length(ScalableTargets)"}},
		{[]string{"describe-scaling-policies", "--service-namespace", "ecs", "--query", "length(ScalingPolicies)"}},
		{[]string{"describe-scheduled-actions", "--service-namespace", "ecs", "--query", "length(ScheduledActions)"}},
	} {
		if got := strings.TrimSpace(cli(append([]string{"application-autoscaling"}, c.args...)...)); got != "1" {
			t.Errorf("%s after restart: %s, want 1", c.args[0], got)
		}
	}
}
