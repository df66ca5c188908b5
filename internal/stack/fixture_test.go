package stack_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// fixturePath is the template `cdk synth` wrote for HTTP API + VPC link +
// Cloud Map + Fargate. The shared copy is the source of truth; the package
// keeps one for machines without shared/.
func fixture(t *testing.T) []byte {
	for _, p := range []string{"../../../shared/fixtures/cloudformation/httpapi-cloudmap-fargate.yaml", "template/testdata/httpapi-cloudmap-fargate.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
	}
	t.Fatal("fixture template not found")
	return nil
}

// quickstartTemplate is the quickstart stack, as `portolan up` deploys it.
func quickstartTemplate(t *testing.T) []byte {
	t.Helper()
	tpl, err := os.ReadFile("../../examples/quickstart/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// buildQuickstartApp builds the quickstart's backend, which answers any path.
func buildQuickstartApp(t *testing.T) string {
	return servertest.BuildApp(t, "./examples/quickstart/app")
}

// gatewayClient reaches <apiId>.execute-api.localhost on the server's gateway.
func gatewayClient(env *servertest.Env) *http.Client {
	addr := env.Server.GatewayAddr()
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// TestCDKFixture deploys the CDK-synthesized template unchanged (its image
// mapped to a local binary), calls the API through the gateway, redeploys it
// with another desiredCount and environment (a rolling deployment of the same
// service behind the same API), and destroys it.
func TestCDKFixture(t *testing.T) {
	app := buildQuickstartApp(t)
	env := servertest.Start(t)
	tpl := fixture(t)
	images := map[string]string{"example/backend:latest": app}
	ctx := context.Background()

	st, events, err := deploy(t, env, "BackendStack", tpl, nil, images)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	// The task role is IAM's, the VPC, its subnets, route tables and
	// security groups EC2's: none is left "accepted, not emulated".
	if slices.ContainsFunc(st.NotEmulated, func(s string) bool { return strings.Contains(s, "AWS::IAM::") || strings.Contains(s, "AWS::EC2::") }) {
		t.Fatalf("IAM or EC2 resources listed as not emulated: %v", st.NotEmulated)
	}
	apiID := st.Resources["BackendApi"].PhysicalID
	endpoint := st.Resources["BackendApi"].Attributes["ApiEndpoint"].(string)
	client := gatewayClient(env)
	call := func() (map[string]any, bool) {
		resp, err := client.Get(endpoint + "/orders/42?x=1")
		if err != nil {
			return nil, false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var info map[string]any
		return info, resp.StatusCode == 200 && json.Unmarshal(b, &info) == nil
	}
	eventually(t, "the API answering through the gateway", func() bool { _, ok := call(); return ok })

	// Redeploy with desiredCount 2 and an environment variable.
	changed := strings.Replace(string(tpl), "      DesiredCount: 1\n", "      DesiredCount: 2\n", 1)
	changed = strings.Replace(changed, "          Name: BackendContainer\n", "          Name: BackendContainer\n          Environment:\n            - Name: GREETING\n              Value: blue\n", 1)
	if changed == string(tpl) {
		t.Fatal("fixture edit did not apply")
	}
	st, events, err = deploy(t, env, "BackendStack", []byte(changed), nil, images)
	if err != nil {
		t.Fatalf("update: %v\n%v", err, events)
	}
	if st.Status != "UPDATE_COMPLETE" || st.Resources["BackendApi"].PhysicalID != apiID {
		t.Fatalf("update: status %s, api %s (was %s)", st.Status, st.Resources["BackendApi"].PhysicalID, apiID)
	}
	for _, e := range events {
		if e.LogicalResourceId == "BackendApi" || e.LogicalResourceId == "BackendService7A4224EE" && strings.HasPrefix(e.ResourceStatus, "CREATE") {
			t.Fatalf("update recreated %s: %+v", e.LogicalResourceId, e)
		}
	}
	ec := ecs.NewFromConfig(env.AWS)
	cluster, service := st.Resources["EcsCluster97242B84"].PhysicalID, st.Resources["BackendService7A4224EE"].PhysicalID
	eventually(t, "2 tasks of the new revision, GREETING=blue served through the API", func() bool {
		out, err := ec.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}})
		if err != nil || len(out.Services) != 1 || out.Services[0].RunningCount != 2 || len(out.Services[0].Deployments) != 1 {
			return false
		}
		info, ok := call()
		return ok && info["message"] == "blue"
	})

	if err := env.Server.Stacks.Destroy(ctx, "BackendStack", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	apis, _ := apigatewayv2.NewFromConfig(env.AWS).GetApis(ctx, &apigatewayv2.GetApisInput{})
	if len(apis.Items) != 0 {
		t.Fatalf("APIs left after destroy: %d", len(apis.Items))
	}
	tasks, err := ec.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster)})
	if err == nil && len(tasks.TaskArns) != 0 {
		t.Fatalf("tasks still running after destroy: %v", tasks.TaskArns)
	}
	noVPCsLeft(t, ec2.NewFromConfig(env.AWS))
}

// noVPCsLeft checks that only the default VPC and its subnets remain.
func noVPCsLeft(t *testing.T, c *ec2.Client) {
	t.Helper()
	notDefault := []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"false"}}}
	vpcs, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{Filters: notDefault})
	if err != nil || len(vpcs.Vpcs) != 0 {
		t.Fatalf("VPCs left after destroy: %+v %v", vpcs, err)
	}
	groups, err := c.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("security groups left after destroy: %+v %v", groups, err)
	}
}
