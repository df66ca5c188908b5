package multinode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// cluster is the test's Portolan cluster and the app it runs.
type cluster struct {
	t        *testing.T
	servers  []*node
	agents   []*node
	etcd     []string
	app      string
	apiID    string
	taskDefs []string
}

func (c *cluster) ecs(n *node) *ecs.Client {
	return ecs.NewFromConfig(servertest.Config(n.url(), "test", "test"))
}

// TestCluster: 3 etcd members, 2 servers, 3 agents in three zones. A
// service of 6 tasks spreads 2/2/2; the gateway on either server serves
// it; kill -9 of an agent gets its tasks replaced on the others, and when
// it comes back it stops its stale copies (6 task processes in all); kill
// -9 of the leading server mid-deployment leaves the other to finish it;
// a drained node ends up empty.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs etcd, five portolan processes and their tasks")
	}
	members := etcdtest.StartCluster(t, []string{"127.0.18.1", "127.0.18.2", "127.0.18.3"}, t.TempDir())
	endpoints := etcdtest.Endpoints(members)
	etcd := strings.Join(endpoints, ",")
	c := &cluster{t: t, etcd: endpoints, app: servertest.BuildApp(t, "./examples/quickstart/app")}
	t.Cleanup(func() { killApps(c.app) })
	for i, ip := range []string{"127.0.17.1", "127.0.17.2"} {
		c.servers = append(c.servers, startNode(t, etcd, fmt.Sprintf("server%d", i+1), ip, "us-east-1a", "api,controller,gateway,dns"))
	}
	for i, zone := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		c.agents = append(c.agents, startNode(t, etcd, fmt.Sprintf("agent%d", i+1), fmt.Sprintf("127.0.17.%d", 11+i), zone, "agent"))
	}
	api := c.servers[0]
	if _, err := c.ecs(api).CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	c.waitInstances(api, 3)
	registry := c.deploy(api)
	byNode := c.waitRunning(api, 6, nil)
	for _, a := range c.agents {
		if got := len(byNode[a.name]); got != 2 {
			t.Fatalf("tasks per node: %v; want 2 on each", counts(byNode))
		}
	}
	c.apiID = c.gatewayAPI(api, registry)
	for _, s := range c.servers {
		c.get(s)
	}

	// An agent is lost: its tasks are replaced on the others.
	lost := c.agents[2]
	lost.kill()
	byNode = c.waitRunning(api, 6, func(byNode map[string][]string) bool { return len(byNode[lost.name]) == 0 })
	t.Logf("after %s was lost: %v", lost.name, counts(byNode))
	for _, s := range c.servers {
		c.get(s)
	}
	// It comes back: what it still runs is no longer its, and it stops it.
	lost.start(t)
	waitFor(t, "6 task processes once the lost agent is back", 60*time.Second, func() (bool, string) {
		n := appProcesses(t, c.app)
		return n == 6, fmt.Sprintf("%d task processes", n)
	})

	c.leaderLossMidDeployment()
	c.drain(c.agents[0])
}

func counts(byNode map[string][]string) map[string]int {
	out := map[string]int{}
	for k, v := range byNode {
		out[k] = len(v)
	}
	return out
}

// waitInstances waits until n container instances are connected.
func (c *cluster) waitInstances(n *node, want int) {
	ctx := context.Background()
	waitFor(c.t, "container instances", 30*time.Second, func() (bool, string) {
		list, err := c.ecs(n).ListContainerInstances(ctx, &ecs.ListContainerInstancesInput{Cluster: aws.String("default")})
		if err != nil || len(list.ContainerInstanceArns) != want {
			return false, fmt.Sprint(list, err)
		}
		out, err := c.ecs(n).DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{Cluster: aws.String("default"), ContainerInstances: list.ContainerInstanceArns})
		if err != nil {
			return false, err.Error()
		}
		for _, ci := range out.ContainerInstances {
			if !ci.AgentConnected {
				return false, aws.ToString(ci.Ec2InstanceId) + " not connected"
			}
		}
		return true, ""
	})
}

// deploy creates the namespace, the task definition and the 6-task
// service; it returns the Cloud Map service's ARN.
func (c *cluster) deploy(n *node) string {
	t, ctx := c.t, context.Background()
	sd := servicediscovery.NewFromConfig(servertest.Config(n.url(), "test", "test"))
	op, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String("shop.local")})
	if err != nil {
		t.Fatal(err)
	}
	var nsID string
	waitFor(t, "namespace", 30*time.Second, func() (bool, string) {
		out, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: op.OperationId})
		if err == nil && out.Operation.Status == sdtypes.OperationStatusSuccess {
			nsID = out.Operation.Targets[string(sdtypes.OperationTargetTypeNamespace)]
		}
		return nsID != "", fmt.Sprint(err)
	})
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String("web"), NamespaceId: aws.String(nsID)})
	if err != nil {
		t.Fatal(err)
	}
	e := c.ecs(n)
	td := c.registerTaskDefinition(n, "v1")
	if _, err := e.CreateService(ctx, &ecs.CreateServiceInput{ServiceName: aws.String("web"), TaskDefinition: aws.String(td),
		DesiredCount: aws.Int32(6), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}},
		ServiceRegistries:    []ecstypes.ServiceRegistry{{RegistryArn: svc.Service.Arn, ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}}); err != nil {
		t.Fatal(err)
	}
	c.t.Cleanup(func() {
		// Stop the tasks through whichever server still answers.
		for _, s := range c.servers {
			if _, err := c.ecs(s).DeleteService(ctx, &ecs.DeleteServiceInput{Service: aws.String("web"), Force: aws.Bool(true)}); err == nil {
				c.waitRunning(s, 0, nil)
				return
			}
		}
	})
	return aws.ToString(svc.Service.Arn)
}

func (c *cluster) registerTaskDefinition(n *node, greeting string) string {
	out, err := c.ecs(n).RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(c.app),
			Environment:  []ecstypes.KeyValuePair{{Name: aws.String("GREETING"), Value: aws.String(greeting)}},
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
	if err != nil {
		c.t.Fatal(err)
	}
	arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	c.taskDefs = append(c.taskDefs, arn)
	return arn
}

// waitRunning waits until want tasks run (and the rest, if any, have
// STOPPED) and also holds; it returns the running tasks by node name.
func (c *cluster) waitRunning(n *node, want int, also func(map[string][]string) bool) map[string][]string {
	ctx := context.Background()
	e := c.ecs(n)
	var byNode map[string][]string
	waitFor(c.t, fmt.Sprintf("%d running tasks", want), 90*time.Second, func() (bool, string) {
		byNode = map[string][]string{}
		list, err := e.ListTasks(ctx, &ecs.ListTasksInput{})
		if err != nil {
			return false, err.Error()
		}
		running, other := 0, 0
		if len(list.TaskArns) > 0 {
			out, err := e.DescribeTasks(ctx, &ecs.DescribeTasksInput{Tasks: list.TaskArns})
			if err != nil {
				return false, err.Error()
			}
			for _, task := range out.Tasks {
				if aws.ToString(task.LastStatus) != "RUNNING" || aws.ToString(task.DesiredStatus) != "RUNNING" {
					other++
					continue
				}
				running++
				byNode[c.nodeName(aws.ToString(task.ContainerInstanceArn))] = append(byNode[c.nodeName(aws.ToString(task.ContainerInstanceArn))], aws.ToString(task.TaskArn))
			}
		}
		ok := running == want && other == 0 && (also == nil || also(byNode))
		return ok, fmt.Sprintf("%d running (%v), %d other", running, counts(byNode), other)
	})
	return byNode
}

func (c *cluster) nodeName(instanceArn string) string {
	for _, a := range c.agents {
		if strings.HasSuffix(instanceArn, "/"+nodeID(a.name)) {
			return a.name
		}
	}
	return "unplaced:" + instanceArn
}

// gatewayAPI makes an HTTP API whose default route goes to the Cloud Map
// service through a VPC link, and returns its id.
func (c *cluster) gatewayAPI(n *node, registry string) string {
	t, ctx := c.t, context.Background()
	gw := apigatewayv2.NewFromConfig(servertest.Config(n.url(), "test", "test"))
	api, err := gw.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("shop"), ProtocolType: apitypes.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	link, err := gw.CreateVpcLink(ctx, &apigatewayv2.CreateVpcLinkInput{Name: aws.String("shop"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	integ, err := gw.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: apitypes.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(registry), ConnectionType: apitypes.ConnectionTypeVpcLink,
		ConnectionId: link.VpcLinkId, PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("$default"), Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))}); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(api.ApiId)
}

// get calls the app through a server's gateway until it answers 200.
func (c *cluster) get(s *node) string {
	var body string
	waitFor(c.t, "the app through "+s.name+"'s gateway", 30*time.Second, func() (bool, string) {
		req, _ := http.NewRequest("GET", "http://"+s.gw+"/hello", nil)
		req.Host = c.apiID + ".execute-api.localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		return resp.StatusCode == http.StatusOK, fmt.Sprintf("%d %s", resp.StatusCode, b)
	})
	return body
}
