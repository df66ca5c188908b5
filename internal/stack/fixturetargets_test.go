package stack_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"go.yaml.in/yaml/v3"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// TestRestAPIFixtureTargets deploys the private REST API + NLB + Fargate
// template (what CDK synthesizes for a NetworkLoadBalancedFargateService
// behind a REST API) on a whole server and follows its load balancer: the
// ECS service's two tasks (the image mapped to a local HTTP server) are
// registered in the target group, turn healthy, and serve through the
// NLB's address on listener port 8000; destroy leaves nothing and closes
// the listener. (internal/server's TestPrivateRestAPIFixture calls the
// same stack through its REST API.)
func TestRestAPIFixtureTargets(t *testing.T) {
	app := buildQuickstartApp(t) // answers every path, /health included
	env := servertest.Start(t, func(c *server.Config) { c.LoadBalancerAddresses = fixtureAddresses })
	ctx := context.Background()
	tpl := restAPIFixture(t)
	images := map[string]string{"example/web:latest": app}
	st, events, err := deploy(t, env, "PrivateRestApi", withQuickHealthChecks(t, tpl), nil, images)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	client := elb.NewFromConfig(env.AWS)
	lbArn, tgArn := st.Resources["NlbBCDB97FE"].PhysicalID, st.Resources["TargetGroup3D7CD9B8"].PhysicalID
	lbs, err := client.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if err != nil || lbs.LoadBalancers[0].Type != elbtypes.LoadBalancerTypeEnumNetwork || len(lbs.LoadBalancers[0].AvailabilityZones) != 2 {
		t.Fatalf("load balancer: %v %+v", err, lbs)
	}
	tgs, _ := client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
	g := tgs.TargetGroups[0]
	if aws.ToString(g.HealthCheckPath) != "/health" || g.HealthCheckProtocol != elbtypes.ProtocolEnumHttp || aws.ToInt32(g.Port) != 8080 || !slices.Equal(g.LoadBalancerArns, []string{lbArn}) {
		t.Fatalf("target group %+v", g)
	}
	listeners, _ := client.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: &lbArn})
	if len(listeners.Listeners) != 1 || aws.ToInt32(listeners.Listeners[0].Port) != 8000 {
		t.Fatalf("listeners %+v", listeners.Listeners)
	}
	eventually(t, "both tasks healthy in the target group", func() bool {
		out, err := client.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tgArn})
		healthy := 0
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy && aws.ToInt32(d.Target.Port) == 8080 {
				healthy++
			}
		}
		return err == nil && healthy == 2 && len(out.TargetHealthDescriptions) == 2
	})
	addr := aws.ToString(lbs.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address)
	tasks := map[string]int{}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 20 {
		var answer struct{ Path, Task string }
		resp, err := c.Get("http://" + net.JoinHostPort(addr, "8000") + "/pets")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || answer.Path != "/pets" {
			t.Fatalf("through the NLB: %d %+v %v", resp.StatusCode, answer, err)
		}
		tasks[answer.Task]++
	}
	if len(tasks) != 2 {
		t.Fatalf("connections through the NLB reached %v, want both tasks", tasks)
	}
	if err := env.Server.Stacks.Destroy(ctx, "PrivateRestApi", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	assertNothingServed(t, env)
	eventually(t, "the listener closed", func() bool {
		nc, err := net.DialTimeout("tcp", net.JoinHostPort(addr, "8000"), time.Second)
		if err == nil {
			nc.Close()
		}
		return err != nil
	})
}

// withQuickHealthChecks is the template with its target group checked
// every 5 s (2 s timeout), 2 checks to turn healthy, instead of the NLB
// defaults (30 s, 5): the same behaviour in seconds rather than minutes.
func withQuickHealthChecks(t *testing.T, tpl []byte) []byte {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(tpl, &doc); err != nil {
		t.Fatal(err)
	}
	tg := doc["Resources"].(map[string]any)["TargetGroup3D7CD9B8"].(map[string]any)["Properties"].(map[string]any)
	tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"], tg["HealthyThresholdCount"] = 5, 2, 2
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertNothingServed: after a destroy, no load balancer, target group
// or ECS cluster is left (ECS deletes a cluster only once it holds no
// service and no task that has not stopped).
func assertNothingServed(t *testing.T, env *servertest.Env) {
	t.Helper()
	ctx := context.Background()
	client := elb.NewFromConfig(env.AWS)
	lbs, err := client.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	tgs, err := client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	clusters, err := ecs.NewFromConfig(env.AWS).ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lbs.LoadBalancers) != 0 || len(tgs.TargetGroups) != 0 || len(clusters.ClusterArns) != 0 {
		t.Fatalf("left after destroy: %d load balancers, %d target groups, clusters %v", len(lbs.LoadBalancers), len(tgs.TargetGroups), clusters.ClusterArns)
	}
}
