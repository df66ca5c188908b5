package frontdoor_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestRestAPIThroughTheCLI is the REST API front door, driven with the AWS
// CLI v2 as a user would: create-rest-api, get-resources, create-resource
// {proxy+}, put-method ANY, put-integration HTTP_PROXY over a VPC link to
// an NLB in front of an ECS service of two tasks, create-deployment. Then,
// on the gateway's one listener: the stage reaches both tasks with the
// path passed through, an unknown path answers 403 Missing Authentication
// Token, and a call over timeoutInMillis answers 504.
func TestRestAPIThroughTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t, func(c *server.Config) { c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.200.128/25") })
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	lbArn, dns, port := serviceBehindNLB(ctx, t, env, app)

	cli := func(v any, args ...string) {
		t.Helper()
		out := awstest.CLI(ctx, t, env.URL, append([]string{"apigateway"}, args...)...)
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws apigateway %v: %v\n%s", args, err, out)
			}
		}
	}
	var api struct{ Id string }
	cli(&api, "create-rest-api", "--name", "pets")
	var resources struct{ Items []struct{ Id, Path string } }
	cli(&resources, "get-resources", "--rest-api-id", api.Id)
	if len(resources.Items) != 1 || resources.Items[0].Path != "/" {
		t.Fatalf("resources of a new API: %+v", resources.Items)
	}
	var proxyRes struct{ Id string }
	cli(&proxyRes, "create-resource", "--rest-api-id", api.Id, "--parent-id", resources.Items[0].Id, "--path-part", "{proxy+}")
	var link struct{ Id string }
	cli(&link, "create-vpc-link", "--name", "web", "--target-arns", lbArn)
	awaitVpcLink(ctx, t, apigateway.NewFromConfig(env.AWS), link.Id)
	cli(nil, "put-method", "--rest-api-id", api.Id, "--resource-id", proxyRes.Id, "--http-method", "ANY",
		"--authorization-type", "NONE", "--request-parameters", "method.request.path.proxy=true")
	cli(nil, "put-integration", "--rest-api-id", api.Id, "--resource-id", proxyRes.Id, "--http-method", "ANY",
		"--type", "HTTP_PROXY", "--integration-http-method", "ANY", "--uri", "http://"+dns+":"+port+"/{proxy}",
		"--connection-type", "VPC_LINK", "--connection-id", link.Id, "--timeout-in-millis", "1500",
		"--request-parameters", "integration.request.path.proxy=method.request.path.proxy")
	// The root too, as CDK's proxy does: / is not a {proxy+} match.
	cli(nil, "put-method", "--rest-api-id", api.Id, "--resource-id", resources.Items[0].Id, "--http-method", "ANY", "--authorization-type", "NONE")
	cli(nil, "put-integration", "--rest-api-id", api.Id, "--resource-id", resources.Items[0].Id, "--http-method", "ANY",
		"--type", "HTTP_PROXY", "--integration-http-method", "ANY", "--uri", "http://"+dns+":"+port+"/",
		"--connection-type", "VPC_LINK", "--connection-id", link.Id)
	cli(nil, "create-deployment", "--rest-api-id", api.Id, "--stage-name", "prod")
	syncCtx, syncCancel := context.WithTimeout(ctx, 10*time.Second)
	defer syncCancel()
	if err := env.Server.RestGateway.Sync(syncCtx); err != nil {
		t.Fatal(err)
	}

	base := "http://" + api.Id + ".execute-api.localhost:" + portOf(env.Server.GatewayAddr())
	client := &http.Client{Transport: awstest.Transport(), Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("/prod/message"); status != 200 || body != "web\n" {
		t.Fatalf("GET /prod/message: %d %q, want the task's SERVICE_NAME", status, body)
	}
	// Both tasks: the NLB balances connections, and calls at once open
	// several.
	hosts := map[string]bool{}
	var mu sync.Mutex
	for round := 0; len(hosts) < 2; round++ {
		if round == 30 {
			t.Fatalf("calls reached %v, want both tasks", hosts)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				status, body := get("/prod/")
				var info struct{ Host string }
				if status == 200 && json.Unmarshal([]byte(body), &info) == nil && info.Host != "" {
					mu.Lock()
					hosts[info.Host] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	if status, body := get("/message"); status != 403 || body != `{"message":"Missing Authentication Token"}` {
		t.Fatalf("unknown stage: %d %s", status, body)
	}
	if status, body := get("/prod/sleep?ms=5000"); status != 504 || body != `{"message": "Endpoint request timed out"}` {
		t.Fatalf("over timeoutInMillis: %d %s", status, body)
	}
}

// serviceBehindNLB runs an ECS service of two tasks of app behind an
// internal NLB and returns the NLB's ARN, DNS name and listener port once
// both targets are healthy.
func serviceBehindNLB(ctx context.Context, t *testing.T, env *servertest.Env, app string) (string, string, string) {
	t.Helper()
	lbc, ecsc := elb.NewFromConfig(env.AWS), ecs.NewFromConfig(env.AWS)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	lb, err := lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1"}})
	check(err)
	tg, err := lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(8080), TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String("vpc-1"), HealthCheckIntervalSeconds: aws.Int32(5),
		HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2)})
	check(err)
	port := int32(18080)
	if os.Geteuid() == 0 {
		port = 80
	}
	_, err = lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(port), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	check(err)
	_, err = ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")})
	check(err)
	td, err := ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(app),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}},
			Environment:  []ecstypes.KeyValuePair{{Name: aws.String("SERVICE_NAME"), Value: aws.String("web")}}}}})
	check(err)
	_, err = ecsc.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}},
		LoadBalancers:        []ecstypes.LoadBalancer{{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}})
	check(err)
	for {
		out, err := lbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn})
		check(err)
		healthy := 0
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
				healthy++
			}
		}
		if healthy == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the service's targets never turned healthy: %+v", out.TargetHealthDescriptions)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(lb.LoadBalancers[0].DNSName), strconv.Itoa(int(port))
}

func awaitVpcLink(ctx context.Context, t *testing.T, c *apigateway.Client, id string) {
	t.Helper()
	for {
		l, err := c.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: &id})
		if err != nil {
			t.Fatal(err)
		}
		if l.Status == agtypes.VpcLinkStatusAvailable {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("VPC link %s stays %s", id, l.Status)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
