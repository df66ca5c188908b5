package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// runTasks starts n tasks of the test app in cluster "dev" (made if
// needed) and returns their addresses once every one is RUNNING.
func runTasks(t testing.TB, env *servertest.Env, app string, n int) []string {
	t.Helper()
	ctx := context.Background()
	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(app), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for len(arns) < n {
		out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn, Count: aws.Int32(int32(min(10, n-len(arns)))),
			LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range out.Tasks {
			arns = append(arns, *task.TaskArn)
		}
	}
	var addrs []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		addrs = addrs[:0]
		for i := 0; i < len(arns); i += 100 {
			out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: arns[i:min(i+100, len(arns))]})
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range out.Tasks {
				if *task.LastStatus == "RUNNING" {
					addrs = append(addrs, *task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address)
				}
			}
		}
		if len(addrs) == n {
			return addrs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tasks RUNNING after 60s", len(addrs), n)
		}
	}
}

// reset posts to /_portolan/reset and returns the status and body.
func reset(t testing.TB, env *servertest.Env, query string) (int, string) {
	t.Helper()
	resp, err := http.Post(env.URL+"/_portolan/reset"+query, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, fmt.Sprint(body)
}

// TestReset: a reset of one service leaves the others; an unknown service
// is refused and changes nothing; a whole reset leaves no cluster,
// namespace, API or log group, and every task's process gone; the names
// are free for the next test.
func TestReset(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	ctx := context.Background()
	addrs := runTasks(t, env, app, 3)
	apis := apigatewayv2.NewFromConfig(env.AWS)
	if _, err := apis.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"}); err != nil {
		t.Fatal(err)
	}
	cm := sd.NewFromConfig(env.AWS)
	if _, err := cm.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	logs := cwl.NewFromConfig(env.AWS)
	if _, err := logs.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app")}); err != nil {
		t.Fatal(err)
	}

	if code, body := reset(t, env, "?service=nosuch"); code != http.StatusBadRequest || !strings.Contains(body, "unknown service") {
		t.Fatalf("an unknown service: %d %s", code, body)
	}
	if code, body := reset(t, env, "?service=logs"); code != http.StatusOK {
		t.Fatalf("reset of logs: %d %s", code, body)
	}
	groups, _ := logs.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	got, _ := apis.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if len(groups.LogGroups) != 0 || len(got.Items) != 1 {
		t.Fatalf("after a reset of logs: %d log groups, %d APIs", len(groups.LogGroups), len(got.Items))
	}

	// ECS alone: its tasks stop as StopTask stops them; the API stays.
	if code, body := reset(t, env, "?service=ecs"); code != http.StatusOK {
		t.Fatalf("reset of ecs: %d %s", code, body)
	}
	assertGone(t, addrs)
	clusters, _ := ecs.NewFromConfig(env.AWS).ListClusters(ctx, &ecs.ListClustersInput{})
	got, _ = apis.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if len(clusters.ClusterArns) != 0 || len(got.Items) != 1 {
		t.Fatalf("after a reset of ecs: %d clusters, %d APIs", len(clusters.ClusterArns), len(got.Items))
	}

	// Everything: the tasks are dropped at once.
	addrs = runTasks(t, env, app, 3)
	pids := taskPIDs(t, addrs)
	if code, body := reset(t, env, ""); code != http.StatusOK {
		t.Fatalf("reset: %d %s", code, body)
	}
	assertReset(t, env, pids)
	assertGone(t, addrs)
	vpcs, err := ec2.NewFromConfig(env.AWS).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 1 || !*vpcs.Vpcs[0].IsDefault {
		t.Fatalf("VPCs after a reset: %+v, %v; want the default one", vpcs, err)
	}
	// The next test starts from nothing, with the same names.
	runTasks(t, env, app, 1)
}

// assertGone fails for every task address that still accepts connections.
func assertGone(t *testing.T, addrs []string) {
	t.Helper()
	for _, a := range addrs {
		if conn, err := net.DialTimeout("tcp", net.JoinHostPort(a, "8080"), time.Second); err == nil {
			conn.Close()
			t.Errorf("the task at %s still answers after the reset", a)
		}
	}
}

// BenchmarkReset: a whole reset with 100 tasks running (process runtime).
// The figure is the reset alone; starting the tasks, and checking after
// each reset that no task's process or runtime record is left and every
// listing is empty, is not timed.
func BenchmarkReset(b *testing.B) {
	app := runtimetest.BuildApp(b)
	env := servertest.Start(b)
	for b.Loop() {
		b.StopTimer()
		addrs := runTasks(b, env, app, 100)
		pids := taskPIDs(b, addrs)
		b.StartTimer()
		if code, body := reset(b, env, ""); code != http.StatusOK {
			b.Fatalf("reset: %d %s", code, body)
		}
		b.StopTimer()
		assertReset(b, env, pids)
		b.StartTimer()
	}
}

// taskPIDs asks each task of the test app at addrs for its process id.
func taskPIDs(t testing.TB, addrs []string) []int {
	t.Helper()
	pids := make([]int, len(addrs))
	for i, a := range addrs {
		body := runtimetest.WaitHTTP(t, "http://"+net.JoinHostPort(a, "8080")+"/", 10*time.Second)
		var info struct{ PID int }
		if err := json.Unmarshal(body, &info); err != nil || info.PID == 0 {
			t.Fatalf("the task at %s: %q, %v", a, body, err)
		}
		pids[i] = info.PID
	}
	return pids
}

// assertReset fails unless a whole reset has left nothing: no process of
// pids, no task in the runtime, and no cluster, task definition, namespace,
// API or log group.
func assertReset(t testing.TB, env *servertest.Env, pids []int) {
	t.Helper()
	ctx := context.Background()
	for _, pid := range pids {
		if processExists(pid) {
			t.Errorf("task process %d is still there after the reset", pid)
		}
	}
	if tasks, err := env.Server.RuntimeTasks(ctx); err != nil || len(tasks) != 0 {
		t.Errorf("the runtime after the reset: %d tasks, %v; want none", len(tasks), err)
	}
	c := ecs.NewFromConfig(env.AWS)
	clusters, err := c.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(clusters.ClusterArns) != 0 {
		t.Errorf("clusters after the reset: %v, %v", clusters.ClusterArns, err)
	}
	defs, err := c.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{})
	if err != nil || len(defs.TaskDefinitionArns) != 0 {
		t.Errorf("task definitions after the reset: %v, %v", defs.TaskDefinitionArns, err)
	}
	namespaces, err := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || len(namespaces.Namespaces) != 0 {
		t.Errorf("namespaces after the reset: %d, %v", len(namespaces.Namespaces), err)
	}
	apis, err := apigatewayv2.NewFromConfig(env.AWS).GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil || len(apis.Items) != 0 {
		t.Errorf("APIs after the reset: %d, %v", len(apis.Items), err)
	}
	groups, err := cwl.NewFromConfig(env.AWS).DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Errorf("log groups after the reset: %d, %v", len(groups.LogGroups), err)
	}
}

// processExists reports whether process pid is there (a zombie counts:
// the server reaps its children before a reset answers).
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false // Windows: no such process to open
	}
	defer p.Release()
	if goruntime.GOOS == "windows" {
		return true // FindProcess opened it
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// killPID kills process pid as kill -9 does, on any platform.
func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Kill()
}
