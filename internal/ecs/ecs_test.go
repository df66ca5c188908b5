package ecs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/ecs/ecstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// fixture is ECS with a "dev" cluster and an ECS client, on ecstest or,
// for the tests that need more of Portolan, on a whole server.
type fixture struct {
	t   *testing.T
	ecs *ecs.Client
	aws aws.Config
	// storeRevision is the state's current revision.
	storeRevision func() int64
	// dnsAddr is the server's DNS address; empty on ecstest, which runs no
	// DNS server.
	dnsAddr string
	app     string
}

// newFixture runs ECS alone (ecstest), on the process runtime.
func newFixture(t *testing.T) *fixture {
	app := runtimetest.BuildApp(t)
	env := ecstest.Start(t)
	return withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.StoreRevision, app: app})
}

// newServerFixture runs a whole server, on the process runtime, for the
// tests that resolve names through its DNS server.
func newServerFixture(t *testing.T) *fixture {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	return withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.Server.StoreRevision, dnsAddr: env.Server.DNSAddr(), app: app})
}

// withCluster adds the ECS client and the "dev" cluster.
func withCluster(f *fixture) *fixture {
	f.ecs = ecs.NewFromConfig(f.aws)
	if _, err := f.ecs.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
		f.t.Fatal(err)
	}
	return f
}

var awsvpc = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}

// webContainer runs the test app serving HTTP on its task's address.
func (f *fixture) webContainer(name string) types.ContainerDefinition {
	return types.ContainerDefinition{
		Name:         aws.String(name),
		Image:        aws.String(f.app),
		PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}},
		Environment:  []types.KeyValuePair{{Name: aws.String("SERVICE_NAME"), Value: aws.String(name)}},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": "/ecs/test", "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1"}},
	}
}

func (f *fixture) register(family string, containers ...types.ContainerDefinition) string {
	f.t.Helper()
	out, err := f.ecs.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(family),
		NetworkMode:             types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ContainerDefinitions:    containers,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return *out.TaskDefinition.TaskDefinitionArn
}

func (f *fixture) run(taskDef string, count int32) []string {
	f.t.Helper()
	out, err := f.ecs.RunTask(context.Background(), &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: &taskDef, Count: aws.Int32(count), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc})
	if err != nil {
		f.t.Fatal(err)
	}
	var arns []string
	for _, task := range out.Tasks {
		if *task.LastStatus != "PROVISIONING" || *task.DesiredStatus != "RUNNING" {
			f.t.Fatalf("new task %s/%s", *task.LastStatus, *task.DesiredStatus)
		}
		arns = append(arns, *task.TaskArn)
	}
	return arns
}

// waitFor polls DescribeTasks until every task satisfies ok.
func (f *fixture) waitFor(what string, arns []string, ok func(types.Task) bool) []types.Task {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := f.ecs.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: arns})
		if err != nil {
			f.t.Fatal(err)
		}
		all := len(out.Tasks) == len(arns)
		for _, task := range out.Tasks {
			all = all && ok(task)
		}
		if all {
			return out.Tasks
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(out.Tasks, "", " ")
			f.t.Fatalf("tasks not %s after 30s: %s", what, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func running(t types.Task) bool { return *t.LastStatus == "RUNNING" }
func stopped(t types.Task) bool { return *t.LastStatus == "STOPPED" }

func address(task types.Task) string {
	return *task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address
}

// get fetches url from a task's app. RUNNING means the task's process has
// started, as on ECS, not that the app listens yet: a refused connection is
// retried for a while.
func get(t *testing.T, url string) string {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	resp, err := c.Get(url)
	for err != nil && errors.Is(err, syscall.ECONNREFUSED) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		resp, err = c.Get(url)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestTaskLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	td := f.register("web", f.webContainer("web"))
	arns := f.run(td, 2)
	tasks := f.waitFor("RUNNING", arns, running)

	// Two tasks, both on containerPort 8080, each at its own address.
	seen := map[string]bool{}
	for _, task := range tasks {
		ip := address(task)
		if seen[ip] {
			t.Fatalf("two tasks share address %s", ip)
		}
		seen[ip] = true
		body := get(t, "http://"+ip+":8080/")
		if !strings.Contains(body, `"SERVICE_NAME=web"`) && !strings.Contains(body, "SERVICE_NAME") {
			t.Fatalf("app at %s answered %s", ip, body)
		}
		if task.StartedAt == nil || *task.Attachments[0].Status != "ATTACHED" || task.Containers[0].RuntimeId == nil {
			t.Fatalf("running task fields: %+v", task)
		}
	}

	// Output reaches CloudWatch Logs as the awslogs driver names it.
	get(t, "http://"+address(tasks[0])+":8080/log?msg=hello-from-task")
	taskID := (*tasks[0].TaskArn)[strings.LastIndex(*tasks[0].TaskArn, "/")+1:]
	logsClient := cwl.NewFromConfig(f.aws)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := logsClient.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/ecs/test"), LogStreamName: aws.String("ecs/web/" + taskID), StartFromHead: aws.Bool(true)})
		found := false
		if err == nil {
			for _, e := range out.Events {
				found = found || strings.Contains(*e.Message, "hello-from-task")
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log line not readable through GetLogEvents: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// StopTask: SIGTERM, exit 0, STOPPED with UserInitiated.
	if _, err := f.ecs.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: &arns[0], Reason: aws.String("done here")}); err != nil {
		t.Fatal(err)
	}
	st := f.waitFor("STOPPED", arns[:1], stopped)[0]
	if st.StopCode != types.TaskStopCodeUserInitiated || *st.StoppedReason != "done here" || st.StoppedAt == nil ||
		*st.DesiredStatus != "STOPPED" || st.Containers[0].ExitCode == nil || *st.Containers[0].ExitCode != 0 {
		b, _ := json.Marshal(st)
		t.Fatalf("stopped task: %s", b)
	}
	list, err := f.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev")})
	if err != nil || len(list.TaskArns) != 1 || list.TaskArns[0] != arns[1] {
		t.Fatalf("ListTasks RUNNING = %v, %v", list, err)
	}
	list, _ = f.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev"), DesiredStatus: types.DesiredStatusStopped})
	if len(list.TaskArns) != 1 || list.TaskArns[0] != arns[0] {
		t.Fatalf("ListTasks STOPPED = %v", list.TaskArns)
	}
}

func TestEssentialContainerExit(t *testing.T) {
	f := newFixture(t)
	arns := f.run(f.register("exiter", f.webContainer("web")), 1)
	task := f.waitFor("RUNNING", arns, running)[0]
	c := http.Client{Timeout: 5 * time.Second}
	if resp, err := c.Get("http://" + address(task) + ":8080/exit?code=3"); err == nil {
		resp.Body.Close()
	}
	st := f.waitFor("STOPPED", arns, stopped)[0]
	if st.StopCode != types.TaskStopCodeEssentialContainerExited || *st.StoppedReason != "Essential container in task exited" || *st.Containers[0].ExitCode != 3 {
		b, _ := json.Marshal(st)
		t.Fatalf("task after essential exit: %s", b)
	}
}

func TestHealthAndDependsOn(t *testing.T) {
	f := newFixture(t)
	// init must succeed before web starts; web's health check cannot pass.
	initC := types.ContainerDefinition{Name: aws.String("init"), Image: aws.String(f.app), Essential: aws.Bool(false),
		EntryPoint: []string{f.app}, Command: []string{"exit", "0"}}
	web := f.webContainer("web")
	web.DependsOn = []types.ContainerDependency{{ContainerName: aws.String("init"), Condition: types.ContainerConditionSuccess}}
	web.HealthCheck = &types.HealthCheck{Command: []string{"CMD", f.app, "health", "http://127.0.0.1:1/"}, Interval: aws.Int32(5), Retries: aws.Int32(1), Timeout: aws.Int32(2)}
	arns := f.run(f.register("checked", initC, web), 1)
	task := f.waitFor("UNHEALTHY", arns, func(t types.Task) bool { return t.HealthStatus == types.HealthStatusUnhealthy })[0]
	byName := map[string]types.Container{}
	for _, c := range task.Containers {
		byName[*c.Name] = c
	}
	if *byName["init"].LastStatus != "STOPPED" || *byName["init"].ExitCode != 0 || *byName["web"].LastStatus != "RUNNING" || *task.LastStatus != "RUNNING" {
		b, _ := json.Marshal(task)
		t.Fatalf("dependsOn/health: %s", b)
	}
	// A standalone task keeps running while UNHEALTHY, as on ECS.

	// An init that fails its SUCCESS condition stops the task before web starts.
	badInit := initC
	badInit.Command = []string{"exit", "1"}
	arns = f.run(f.register("broken", badInit, f.webContainerDependingOn("init")), 1)
	st := f.waitFor("STOPPED", arns, stopped)[0]
	if st.StopCode != types.TaskStopCodeTaskFailedToStart {
		b, _ := json.Marshal(st)
		t.Fatalf("failed dependency: %s", b)
	}
}

func (f *fixture) webContainerDependingOn(dep string) types.ContainerDefinition {
	web := f.webContainer("web")
	web.DependsOn = []types.ContainerDependency{{ContainerName: aws.String(dep), Condition: types.ContainerConditionSuccess}}
	return web
}

func TestBadTaskDefinitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := func(mut func(*types.ContainerDefinition)) []types.ContainerDefinition {
		def := f.webContainer("web")
		mut(&def)
		return []types.ContainerDefinition{def}
	}
	cases := []struct {
		name string
		in   ecs.RegisterTaskDefinitionInput
		code string
		msg  string
	}{
		{"missing image", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: c(func(d *types.ContainerDefinition) { d.Image = nil })}, "ClientException", "Container.image should not be null or empty."},
		{"fargate bad cpu/memory", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{"FARGATE"},
			Cpu: aws.String("256"), Memory: aws.String("4096"), ContainerDefinitions: c(func(*types.ContainerDefinition) {})}, "ClientException", "No Fargate configuration exists for given values: 256 CPU, 4096 memory"},
		{"fargate without awsvpc", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeBridge, RequiresCompatibilities: []types.Compatibility{"FARGATE"},
			Cpu: aws.String("256"), Memory: aws.String("512"), ContainerDefinitions: c(func(*types.ContainerDefinition) {})}, "ClientException", "Fargate only supports network mode 'awsvpc'."},
		{"duplicate container names", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: append(c(func(*types.ContainerDefinition) {}), f.webContainer("web"))}, "ClientException", "Duplicate container names"},
		{"port conflict", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: append(c(func(*types.ContainerDefinition) {}), f.webContainer("other"))}, "ClientException", "Port 8080/tcp is mapped by both"},
		{"awsvpc host port differs", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: c(func(d *types.ContainerDefinition) { d.PortMappings[0].HostPort = aws.Int32(9090) })}, "ClientException", "host ports and container ports in port mappings must match"},
		{"no essential container", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: c(func(d *types.ContainerDefinition) { d.Essential = aws.Bool(false) })}, "ClientException", "essential"},
		{"bad family", ecs.RegisterTaskDefinitionInput{Family: aws.String("bad family!"), ContainerDefinitions: c(func(*types.ContainerDefinition) {})}, "ClientException", "Family"},
		{"fargate pidMode host", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{"FARGATE"},
			Cpu: aws.String("256"), Memory: aws.String("512"), PidMode: types.PidModeHost, ContainerDefinitions: c(func(*types.ContainerDefinition) {})}, "ClientException", "pidMode 'host'"},
		{"fargate privileged", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{"FARGATE"},
			Cpu: aws.String("256"), Memory: aws.String("512"), ContainerDefinitions: c(func(d *types.ContainerDefinition) { d.Privileged = aws.Bool(true) })}, "ClientException", "privileged"},
		{"awsvpc hostname", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: c(func(d *types.ContainerDefinition) { d.Hostname = aws.String("web") })}, "ClientException", "Hostname is not supported"},
		{"health check interval", ecs.RegisterTaskDefinitionInput{Family: aws.String("x"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: c(func(d *types.ContainerDefinition) {
				d.HealthCheck = &types.HealthCheck{Command: []string{"CMD", "true"}, Interval: aws.Int32(1)}
			})}, "ClientException", "interval"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.storeRevision()
			_, err := f.ecs.RegisterTaskDefinition(ctx, &tc.in)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code || !strings.Contains(api.ErrorMessage(), tc.msg) {
				t.Fatalf("want %s %q, got %v", tc.code, tc.msg, err)
			}
			if f.storeRevision() != before {
				t.Fatal("rejected definition changed state")
			}
		})
	}
	// essential defaults to true in what is stored and returned.
	td := f.register("ok", f.webContainer("web"))
	desc, err := f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: &td})
	if err != nil || desc.TaskDefinition.ContainerDefinitions[0].Essential == nil || !*desc.TaskDefinition.ContainerDefinitions[0].Essential {
		t.Fatalf("essential of a container that did not say: %+v, %v", desc, err)
	}
	// RunTask errors.
	_, err = f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: &td})
	wantECSError(t, err, "InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	_, err = f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("nope"), TaskDefinition: &td, NetworkConfiguration: awsvpc})
	wantECSError(t, err, "ClusterNotFoundException", "Cluster not found.")
	_, err = f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: aws.String("missing:1"), NetworkConfiguration: awsvpc})
	wantECSError(t, err, "ClientException", "Unable to describe task definition.")
}

func wantECSError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code || api.ErrorMessage() != msg {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
}

func TestTaskDefinitionRevisions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.register("fam", f.webContainer("web"))
	second := f.register("fam", f.webContainer("web"))
	if !strings.HasSuffix(first, ":1") || !strings.HasSuffix(second, ":2") {
		t.Fatalf("revisions %s, %s", first, second)
	}
	if _, err := f.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: &second}); err != nil {
		t.Fatal(err)
	}
	latest, err := f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("fam")})
	if err != nil || latest.TaskDefinition.Revision != 1 {
		t.Fatalf("latest ACTIVE = %v, %v", latest, err)
	}
	third := f.register("fam", f.webContainer("web"))
	if !strings.HasSuffix(third, ":3") {
		t.Fatalf("revision after a deregistered one: %s", third)
	}
	inactive, _ := f.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{Status: types.TaskDefinitionStatusInactive})
	if fmt.Sprint(inactive.TaskDefinitionArns) != "["+second+"]" {
		t.Fatalf("INACTIVE list %v", inactive.TaskDefinitionArns)
	}
	fams, _ := f.ecs.ListTaskDefinitionFamilies(ctx, &ecs.ListTaskDefinitionFamiliesInput{})
	if fmt.Sprint(fams.Families) != "[fam]" {
		t.Fatalf("families %v", fams.Families)
	}
}

// TestLastWordsReachTheLog: what a container prints as it exits is in its
// log stream by the time its task reads STOPPED. Deprovisioning removes a
// container's logs, so it waits for the agent to have shipped them (the
// last line of a short task was lost now and then before).
func TestLastWordsReachTheLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.webContainer("say")
	c.PortMappings = nil
	c.EntryPoint, c.Command = []string{"/bin/sh", "-c"}, []string{`echo first; sleep 0.05; echo "last words of $$"`}
	c.Image = aws.String("/bin/sh")
	arns := f.run(f.register("lastwords", c), 10)
	logsClient := cwl.NewFromConfig(f.aws)
	for _, task := range f.waitFor("STOPPED", arns, stopped) {
		taskID := (*task.TaskArn)[strings.LastIndex(*task.TaskArn, "/")+1:]
		out, err := logsClient.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/ecs/test"), LogStreamName: aws.String("ecs/say/" + taskID), StartFromHead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("task %s's log stream: %v", taskID, err)
		}
		var lines []string
		for _, e := range out.Events {
			lines = append(lines, *e.Message)
		}
		if len(lines) != 2 || lines[0] != "first" || !strings.HasPrefix(lines[1], "last words of ") {
			t.Errorf("task %s STOPPED with %q in its log, want its two lines", taskID, lines)
		}
	}
}
