package ecrimages_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// cdkCPUScaling is what CDK adds to the REST API fixture's template for
// service.autoScaleTaskCount({minCapacity: 1, maxCapacity: 2})
// .scaleOnCpuUtilization('CpuScaling', {targetUtilizationPercent: 80}).
const cdkCPUScaling = `  ApiServiceTaskCountTarget9B4E2F4E:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      MaxCapacity: 2
      MinCapacity: 1
      ResourceId:
        Fn::Join: ["", ["service/", {Ref: ClusterEB0386A7}, "/", {"Fn::GetAtt": [ApiServiceC9037CF0, Name]}]]
      RoleARN:
        Fn::Join: ["", ["arn:", {Ref: "AWS::Partition"}, ":iam::", {Ref: "AWS::AccountId"}, ":role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"]]
      ScalableDimension: ecs:service:DesiredCount
      ServiceNamespace: ecs
    DependsOn: [ApiServiceC9037CF0]
  ApiServiceTaskCountTargetCpuScaling7A1B3C5D:
    Type: AWS::ApplicationAutoScaling::ScalingPolicy
    Properties:
      PolicyName: PrivateRestApiApiServiceTaskCountTargetCpuScaling3E7D9A11
      PolicyType: TargetTrackingScaling
      ScalingTargetId: {Ref: ApiServiceTaskCountTarget9B4E2F4E}
      TargetTrackingScalingPolicyConfiguration:
        PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}
        TargetValue: 80
`

// TestPrivateRestAPIFixtureScales: the REST API fixture with CDK's CPU
// autoscaling added deploys unchanged and serves; its service is a
// scalable target (min 1, max 2) with its target tracking policy and
// alarms, and the stack destroys clean. (The fixture's ECR image is the
// ECR half of the issue; here the image is mapped.)
func TestPrivateRestAPIFixtureScales(t *testing.T) {
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	tpl, err := os.ReadFile("../../stack/testdata/private-restapi-nlb-fargate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withScaling := strings.Replace(string(tpl), "\nOutputs:\n", "\n"+cdkCPUScaling+"Outputs:\n", 1)
	if withScaling == string(tpl) {
		t.Fatal("the fixture has no Outputs section to insert before")
	}
	env := servertest.Start(t, func(c *server.Config) {
		c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.90.16/28")
		c.MetricPeriod = time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "PrivateRestApi", Template: []byte(withScaling),
		Images: map[string]string{"example/web:latest": app}}, func(stack.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := ""
	for _, o := range st.Outputs {
		if o.Name == "RestApiEndpoint" {
			endpoint = o.Value
		}
	}
	host := strings.TrimSuffix(strings.TrimPrefix(endpoint, "https://"), "/prod/") + ":" + portOf(env.Server.GatewayAddr())
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+env.Server.GatewayAddr()+"/prod/pets/7", nil)
		req.Host = host
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), `"path":"/pets/7"`) {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("the endpoint never answered from the tasks")
		case <-time.After(100 * time.Millisecond):
		}
	}
	resource := "service/" + st.Resources["ClusterEB0386A7"].PhysicalID + "/" + st.Resources["ApiServiceC9037CF0"].Attributes["Name"].(string)
	targets, err := env.Server.AppAutoScaling.DescribeScalableTargets(ctx, &appautoscaling.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})
	if err != nil || len(targets.ScalableTargets) != 1 || targets.ScalableTargets[0].ResourceId != resource ||
		targets.ScalableTargets[0].MinCapacity != 1 || targets.ScalableTargets[0].MaxCapacity != 2 {
		t.Fatalf("scalable targets = %+v, %v; want %s", targets, err, resource)
	}
	pols, err := env.Server.AppAutoScaling.DescribeScalingPolicies(ctx, &appautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: "ecs", ResourceId: resource})
	if err != nil || len(pols.ScalingPolicies) != 1 || len(pols.ScalingPolicies[0].Alarms) != 2 {
		t.Fatalf("policies = %+v, %v", pols, err)
	}
	if err := env.Server.Stacks.Destroy(ctx, "PrivateRestApi", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	targets, _ = env.Server.AppAutoScaling.DescribeScalableTargets(ctx, &appautoscaling.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})
	if len(targets.ScalableTargets) != 0 {
		t.Errorf("targets after destroy = %+v", targets.ScalableTargets)
	}
}
