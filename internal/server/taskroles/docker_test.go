package taskroles_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDockerTasksInSubnets: a VPC and two subnets made with the AWS CLI;
// a service's task with a task role in the first subnet, on the docker
// runtime, gets an address from that subnet's block; its ENI, as
// DescribeNetworkInterfaces (CLI) and the task's attachment show it, is in
// that subnet and VPC at that address; a container of it, an app on
// aws-sdk-go-v2's default configuration in an image FROM scratch, lists
// the clusters as the role's session with no credentials of its own (the
// server requires them); a task in the second subnet, at an address of
// that subnet, reaches the first by IP and by its Cloud Map name.
// Skipped when no Docker engine answers.
func TestDockerTasksInSubnets(t *testing.T) {
	awstest.NeedCLI(t)
	cli := servertest.DockerEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	caller := scratchImage(t, cli, "portolan-subnets-caller", servertest.BuildApp(t, "./internal/sts/taskcreds/sdkcaller"))
	app := scratchImage(t, cli, "portolan-subnets-app", runtimetest.BuildApp(t))
	env := servertest.Start(t, func(c *server.Config) {
		c.Runtime, c.AccessKeyID, c.SecretAccessKey, c.DockerTaskCredentials = "docker", "test", "test", true
	})
	var vpc struct{ Vpc struct{ VpcId string } }
	cliJSON(ctx, t, env, &vpc, "ec2", "create-vpc", "--cidr-block", "10.214.16.0/20")
	var s1, s2 struct {
		Subnet struct{ SubnetId, CidrBlock string }
	}
	cliJSON(ctx, t, env, &s1, "ec2", "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.214.17.0/24")
	cliJSON(ctx, t, env, &s2, "ec2", "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.214.18.0/24")

	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("subnets")}); err != nil {
		t.Fatal(err)
	}
	web := webInSubnet(ctx, t, env, vpc.Vpc.VpcId, s1.Subnet.SubnetId, app, caller)
	addr := aws.ToString(web.Containers[0].NetworkInterfaces[0].PrivateIpv4Address)
	if !netip.MustParsePrefix(s1.Subnet.CidrBlock).Contains(netip.MustParseAddr(addr)) {
		t.Fatalf("the task in %s (%s) is at %s", s1.Subnet.SubnetId, s1.Subnet.CidrBlock, addr)
	}
	if got := attachmentDetails(web); got["subnetId"] != s1.Subnet.SubnetId || got["privateIPv4Address"] != addr {
		t.Errorf("the task's ENI attachment: %v, want subnet %s, address %s", got, s1.Subnet.SubnetId, addr)
	}
	var enis struct {
		NetworkInterfaces []struct{ SubnetId, VpcId, PrivateIpAddress string }
	}
	cliJSON(ctx, t, env, &enis, "ec2", "describe-network-interfaces", "--filters", "Name=subnet-id,Values="+s1.Subnet.SubnetId)
	if n := enis.NetworkInterfaces; len(n) != 1 || n[0].VpcId != vpc.Vpc.VpcId || n[0].SubnetId != s1.Subnet.SubnetId || n[0].PrivateIpAddress != addr {
		t.Errorf("describe-network-interfaces in %s: %+v, want one in %s at %s", s1.Subnet.SubnetId, n, vpc.Vpc.VpcId, addr)
	}
	taskID := aws.ToString(web.TaskArn)[strings.LastIndexByte(aws.ToString(web.TaskArn), '/')+1:]
	want := []string{"arn:aws:ecs:us-east-1:000000000000:cluster/subnets", "arn:aws:sts::000000000000:assumed-role/subnet-task/" + taskID}
	if out := servertest.TaskLog(t, env, web, want...); !servertest.ContainsAll(out, want) {
		t.Errorf("the role's caller in the task printed %q, want %q", out, want)
	}

	urls := []string{"http://" + addr + ":8080/message", "http://web.subnets.local:8080/message"}
	from, lines := clientInSubnet(ctx, t, env, s2.Subnet.SubnetId, app, urls...)
	if !netip.MustParsePrefix(s2.Subnet.CidrBlock).Contains(netip.MustParseAddr(from)) {
		t.Errorf("the task in %s (%s) is at %s", s2.Subnet.SubnetId, s2.Subnet.CidrBlock, from)
	}
	for i, u := range urls {
		// "URL ADDR STATUS BODY"
		if i >= len(lines) || !strings.HasPrefix(lines[i], u+" "+addr+":8080 200 web in s1") {
			t.Errorf("from %s, GET %s: %q, want an answer from %s", from, u, lines, addr)
		}
	}
}

// webInSubnet runs a service of one task in subnet: the test app serving
// /message (registered in Cloud Map as web.subnets.local) and, beside it,
// the SDK caller as the task's role. It returns the task once it runs,
// is registered, and the caller has exited 0.
func webInSubnet(ctx context.Context, t *testing.T, env *servertest.Env, vpc, subnet, app, caller string) ecstypes.Task {
	t.Helper()
	role, err := iam.NewFromConfig(env.AWS).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("subnet-task"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	registry := cloudMapService(ctx, t, env, vpc, "subnets.local", "web")
	noFiles := []ecstypes.KeyValuePair{{Name: aws.String("AWS_CONFIG_FILE"), Value: aws.String("/nonexistent/config")},
		{Name: aws.String("AWS_SHARED_CREDENTIALS_FILE"), Value: aws.String("/nonexistent/credentials")}, {Name: aws.String("AWS_EC2_METADATA_DISABLED"), Value: aws.String("true")}}
	c := ecs.NewFromConfig(env.AWS)
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), TaskRoleArn: role.Role.Arn,
		NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String(app), Essential: aws.Bool(true), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}},
				Environment: []ecstypes.KeyValuePair{{Name: aws.String("SERVICE_NAME"), Value: aws.String("web in s1")}}},
			{Name: aws.String("caller"), Image: aws.String(caller), Essential: aws.Bool(false), Environment: noFiles, LogConfiguration: testLogs("web")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("subnets"), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, ServiceRegistries: []ecstypes.ServiceRegistry{{RegistryArn: aws.String(registry), ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{subnet}}}}); err != nil {
		t.Fatal(err)
	}
	for {
		task, ok := serviceTask(ctx, t, c)
		if ok && aws.ToString(task.LastStatus) == "RUNNING" && task.Containers[1].ExitCode != nil && registered(ctx, t, env, "subnets.local", "web") == 1 {
			if code := aws.ToInt32(task.Containers[1].ExitCode); code != 0 {
				t.Fatalf("the caller exited %d: %s", code, servertest.TaskLog(t, env, task))
			}
			return task
		}
		if ctx.Err() != nil {
			b, _ := json.Marshal(task)
			t.Fatalf("the web task never ran, registered, with its caller done: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serviceTask is the web service's task as DescribeTasks shows it, with
// its containers in definition order (web, caller).
func serviceTask(ctx context.Context, t *testing.T, c *ecs.Client) (ecstypes.Task, bool) {
	t.Helper()
	list, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("subnets"), ServiceName: aws.String("web")})
	if err != nil || len(list.TaskArns) == 0 {
		return ecstypes.Task{}, false
	}
	out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("subnets"), Tasks: list.TaskArns[:1]})
	if err != nil || len(out.Tasks) != 1 || len(out.Tasks[0].Containers) != 2 {
		return ecstypes.Task{}, false
	}
	task := out.Tasks[0]
	if aws.ToString(task.Containers[0].Name) != "web" {
		task.Containers[0], task.Containers[1] = task.Containers[1], task.Containers[0]
	}
	return task, true
}

// clientInSubnet runs the test app's "curl urls..." as a task in subnet
// and returns the task's address and what it printed, once it exited 0.
func clientInSubnet(ctx context.Context, t *testing.T, env *servertest.Env, subnet, app string, urls ...string) (string, []string) {
	t.Helper()
	c := ecs.NewFromConfig(env.AWS)
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("client"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("client"), Image: aws.String(app), Command: append([]string{"curl"}, urls...), LogConfiguration: testLogs("client")}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("subnets"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn, LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{subnet}}}})
	if err != nil {
		t.Fatal(err)
	}
	var task ecstypes.Task
	for aws.ToString(task.LastStatus) != "STOPPED" {
		if ctx.Err() != nil {
			t.Fatal("the client task never stopped")
		}
		time.Sleep(100 * time.Millisecond)
		out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("subnets"), Tasks: []string{aws.ToString(run.Tasks[0].TaskArn)}})
		if err != nil || len(out.Tasks) != 1 {
			t.Fatalf("describe the client task: %v %v", err, out)
		}
		task = out.Tasks[0]
	}
	out := servertest.TaskLog(t, env, task, urls...)
	if code := task.Containers[0].ExitCode; code == nil || *code != 0 {
		t.Fatalf("the client exited %d (%s): %s", aws.ToInt32(code), aws.ToString(task.StoppedReason), out)
	}
	return attachmentDetails(task)["privateIPv4Address"], strings.Split(strings.TrimSpace(out), "\n")
}

// cloudMapService makes a private DNS namespace in vpc and a service in it
// for tasks to register in, and returns the service's ARN.
func cloudMapService(ctx context.Context, t *testing.T, env *servertest.Env, vpc, namespace, name string) string {
	t.Helper()
	c := sd.NewFromConfig(env.AWS)
	op, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String(namespace), Vpc: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(got.Operation.Targets["NAMESPACE"]),
		DnsConfig:               &sdtypes.DnsConfig{RoutingPolicy: sdtypes.RoutingPolicyMultivalue, DnsRecords: []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(10)}}},
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(svc.Service.Arn)
}

// registered counts the healthy instances DiscoverInstances finds.
func registered(ctx context.Context, t *testing.T, env *servertest.Env, namespace, name string) int {
	t.Helper()
	out, err := sd.NewFromConfig(env.AWS).DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String(namespace), ServiceName: aws.String(name)})
	if err != nil {
		return 0
	}
	return len(out.Instances)
}

func attachmentDetails(task ecstypes.Task) map[string]string {
	out := map[string]string{}
	for _, a := range task.Attachments {
		for _, d := range a.Details {
			out[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
	}
	return out
}

// testLogs ships a container's output to /test/FAMILY (taskLog reads it).
func testLogs(family string) *ecstypes.LogConfiguration {
	return &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/test/" + family, "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1", "awslogs-create-group": "true"}}
}

// cliJSON runs the AWS CLI against the server and decodes its output.
func cliJSON(ctx context.Context, t *testing.T, env *servertest.Env, v any, args ...string) {
	t.Helper()
	if err := json.Unmarshal(awstest.CLI(ctx, t, env.URL, args...), v); err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
}

// scratchImage builds binary into an image FROM scratch, removed after
// the test (and after its server: cleanups run last-in first-out).
func scratchImage(t *testing.T, cli *client.Client, name, binary string) string {
	t.Helper()
	tag := name + ":" + strconv.Itoa(os.Getpid())
	if err := docker.BuildScratchImage(context.Background(), cli, tag, binary); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	return tag
}
