package taskroles_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDockerSubnetTasksKill9: two tasks run in a subnet on the docker
// runtime; the server is killed (SIGKILL) and started again. It re-adopts
// both (the same containers, at the same addresses of the subnet, still
// answering), lists their ENIs, and a task started afterwards in the
// subnet gets an address neither holds.
func TestDockerSubnetTasksKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan")
	}
	cli := servertest.DockerEngine(t)
	app := scratchImage(t, cli, "portolan-subnets-kill", runtimetest.BuildApp(t))
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	// Registered before the servers start, so it runs after they are gone:
	// whatever this data dir's node still owns goes, even if the test fails.
	t.Cleanup(func() {
		owner, _ := os.ReadFile(filepath.Join(dataDir, "node-id"))
		if d, err := docker.New(context.Background(), docker.Config{Owner: strings.TrimSpace(string(owner))}); err == nil {
			d.RemoveAll(context.Background())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := servertest.StartProcess(t, dataDir, port, "--runtime", "docker")
	cfg := servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test")
	ec2c := ec2.NewFromConfig(cfg)
	vpc, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.214.80.0/20")})
	must(t, err)
	subnet, err := ec2c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.214.81.0/24")})
	must(t, err)
	block := netip.MustParsePrefix("10.214.81.0/24")
	c := ecs.NewFromConfig(cfg)
	_, err = c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("subnets")})
	must(t, err)
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("kept"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(app), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
	must(t, err)
	runIn := func(count int32) []string {
		out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("subnets"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn, Count: aws.Int32(count), LaunchType: ecstypes.LaunchTypeFargate,
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{*subnet.Subnet.SubnetId}}}})
		must(t, err)
		var arns []string
		for _, task := range out.Tasks {
			arns = append(arns, *task.TaskArn)
		}
		return arns
	}
	arns := runIn(2)
	before := runningInSubnet(ctx, t, c, arns, block)

	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	servertest.StartProcess(t, dataDir, port, "--runtime", "docker")
	after := runningInSubnet(ctx, t, c, arns, block)
	for arn, b := range before {
		if a := after[arn]; a != b {
			t.Errorf("task %s after kill -9: %+v, was %+v", arn, a, b)
		}
	}
	enis, err := ec2c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	must(t, err)
	if len(enis.NetworkInterfaces) != 2 {
		t.Errorf("after kill -9, %d ENIs in %s, want 2", len(enis.NetworkInterfaces), *vpc.Vpc.VpcId)
	}
	for arn, third := range runningInSubnet(ctx, t, c, runIn(1), block) {
		for _, b := range before {
			if third.addr == b.addr {
				t.Errorf("task %s, started after the restart, got %s, which a re-adopted task holds", arn, third.addr)
			}
		}
	}
}

// placed is where a task runs: its container and its address.
type placed struct{ runtimeID, addr string }

// runningInSubnet waits until the tasks run, each answering HTTP at an
// address of block, and returns them by ARN.
func runningInSubnet(ctx context.Context, t *testing.T, c *ecs.Client, arns []string, block netip.Prefix) map[string]placed {
	t.Helper()
	out := map[string]placed{}
	for len(out) < len(arns) {
		if ctx.Err() != nil {
			t.Fatalf("tasks %v never all ran: %v", arns, out)
		}
		time.Sleep(100 * time.Millisecond)
		d, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("subnets"), Tasks: arns})
		must(t, err)
		for _, task := range d.Tasks {
			if aws.ToString(task.LastStatus) != "RUNNING" || aws.ToString(task.Containers[0].LastStatus) != "RUNNING" {
				continue
			}
			addr := attachmentDetails(task)["privateIPv4Address"]
			if a, err := netip.ParseAddr(addr); err != nil || !block.Contains(a) {
				t.Fatalf("task %s runs at %q, outside its subnet's %s", *task.TaskArn, addr, block)
			}
			runtimetest.WaitHTTP(t, "http://"+addr+":8080/", 30*time.Second)
			out[*task.TaskArn] = placed{aws.ToString(task.Containers[0].RuntimeId), addr}
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
