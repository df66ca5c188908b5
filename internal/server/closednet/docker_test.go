package closednet_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestClosedNetworkFromTask is the closed-network reference design with
// its client where the design puts it, inside the network: a task
// container on the docker runtime. The API, its VPC endpoint, its policy
// and the private hosted zone with the alias are TestClosedNetworkPath's.
// The client resolves {apiId}.execute-api.us-east-1.amazonaws.com with
// nothing but the resolv.conf the engine gives the task (which leads to
// Portolan's DNS) and calls it on port 80, as it would call the endpoint's
// network interfaces: the API answers through the endpoint, the backend
// seeing the task's own address, and a path the resource policy denies
// answers 403. The issue asks for curl; nothing can be pulled here and
// there is no curl image, so the client is the test app's "curl"
// subcommand in a FROM scratch image: a static Go program that does what
// curl does (the system resolver, an HTTP GET, the status and the body
// printed), its output read back from CloudWatch Logs as the awslogs
// driver ships it. The host, resolving through the same DNS server, gets
// the same address and the same answer with curl --resolve.
func TestClosedNetworkFromTask(t *testing.T) {
	image := clientImage(t)
	env := servertest.Start(t, func(c *server.Config) { c.Runtime = "docker" })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	taskGateway := env.Server.TaskGatewayAddr()
	if taskGateway == "" {
		t.Fatal("the docker runtime gave the gateway no address tasks reach (Portolan's DNS and gateway need port 53 and 80: run as root)")
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s via %s from %s", r.URL.Path, r.Header.Get("X-Amzn-Vpce-Id"), r.Header.Get("X-Forwarded-For"))
	}))
	defer backend.Close()

	vpce, _, name := closedAPI(ctx, t, env, backend.URL)

	// One answer for every client: the host's address that tasks reach.
	gatewayIP, _, _ := net.SplitHostPort(taskGateway)
	if addr := resolveA(ctx, t, env.Server.DNSAddr(), name); addr != gatewayIP {
		t.Errorf("%s resolved to %s, want %s, where tasks reach the gateway", name, addr, gatewayIP)
	}

	allowed, denied := "http://"+name+"/prod/orders/42", "http://"+name+"/prod/admin/keys"
	task, lines := runClient(ctx, t, env, image, allowed, denied)
	t.Logf("the client task at %s printed:\n%s", task, strings.Join(lines, "\n"))
	if want := fmt.Sprintf("%s %s 200 backend /orders/42 via %s from %s", allowed, taskGateway, vpce, task); lines[0] != want {
		t.Errorf("from the task:\n got %q\nwant %q", lines[0], want)
	}
	if want := denied + " " + taskGateway + " 403 "; !strings.HasPrefix(lines[1], want) || !strings.Contains(lines[1], "with an explicit deny") {
		t.Errorf("from the task, a path the policy denies:\n got %q\nwant %q… with an explicit deny", lines[1], want)
	}

	// The host half on the same server: curl --resolve to the address DNS
	// gave, on the port the task used.
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: the host half is not checked")
	}
	b, err := exec.CommandContext(ctx, curl, "-s", "-w", " %{http_code}", "--resolve", name+":80:"+gatewayIP, allowed).CombinedOutput()
	if got, want := string(b), "backend /orders/42 via "+vpce+" from "; err != nil || !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " 200") {
		t.Errorf("from the host: %q (%v), want %q… 200", got, err, want)
	}
}

// clientImage builds the test app into an image FROM scratch, or skips the
// test when no Docker engine answers.
func clientImage(t *testing.T) string {
	t.Helper()
	cli := servertest.DockerEngine(t)
	tag := "portolan-closednet-client:" + strconv.Itoa(os.Getpid())
	if err := docker.BuildScratchImage(context.Background(), cli, tag, runtimetest.BuildApp(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	return tag
}

// runClient runs image as a one-off ECS task whose container runs
// "curl urls...", waits for it to exit 0, and returns the task's address
// and the container's output lines, one per URL, from CloudWatch Logs.
func runClient(ctx context.Context, t *testing.T, env *servertest.Env, image string, urls ...string) (string, []string) {
	t.Helper()
	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("closednet")}); err != nil {
		t.Fatal(err)
	}
	def, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("client"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("client"), Image: aws.String(image), Command: append([]string{"curl"}, urls...),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/closednet", "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("closednet"), TaskDefinition: def.TaskDefinition.TaskDefinitionArn, LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a1b2c3d"}}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(run.Tasks[0].TaskArn)
	var task ecstypes.Task
	for aws.ToString(task.LastStatus) != "STOPPED" {
		time.Sleep(50 * time.Millisecond)
		out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("closednet"), Tasks: []string{arn}})
		if err != nil || len(out.Tasks) != 1 {
			t.Fatalf("describe the client task: %v %v", err, out)
		}
		task = out.Tasks[0]
	}
	taskID := arn[strings.LastIndex(arn, "/")+1:]
	lines := logLines(ctx, t, cwl.NewFromConfig(env.AWS), "/ecs/closednet", "ecs/client/"+taskID, len(urls))
	ctr := task.Containers[0]
	if ctr.ExitCode == nil || *ctr.ExitCode != 0 {
		t.Fatalf("the client exited %d (%s): %q", aws.ToInt32(ctr.ExitCode), aws.ToString(task.StoppedReason), lines)
	}
	return aws.ToString(ctr.NetworkInterfaces[0].PrivateIpv4Address), lines
}

// logLines reads a log stream until it holds n events, and returns them.
func logLines(ctx context.Context, t *testing.T, c *cwl.Client, group, stream string, n int) []string {
	t.Helper()
	for {
		out, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
		if err == nil && len(out.Events) >= n {
			lines := make([]string, len(out.Events))
			for i, e := range out.Events {
				lines[i] = aws.ToString(e.Message)
			}
			return lines
		}
		if ctx.Err() != nil {
			t.Fatalf("%d lines never reached %s/%s: %v", n, group, stream, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
