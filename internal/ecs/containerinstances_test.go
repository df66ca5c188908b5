package ecs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cluster"
	portolanecs "github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/ecstest"
)

// instancesFixture is ECS (ecstest) with three nodes registered as an
// agent registers its node, one per zone, each offering 4096 CPU units
// and 8192 MiB. ecstest's own agent has no node of its own, so it runs
// every task placed on any of them.
type instancesFixture struct {
	*fixture
	arns map[string]string // node name → container instance ARN in "dev"
}

func newInstancesFixture(t *testing.T) *instancesFixture {
	env := ecstest.Start(t)
	f := &instancesFixture{fixture: withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.StoreRevision}), arns: map[string]string{}}
	ctx := context.Background()
	nodes := portolanecs.NewTaskStates(env.Store)
	for i, name := range []string{"n1", "n2", "n3"} {
		lease, err := (&cluster.Local{Store: env.Store}).Grant(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := portolanecs.Node{ID: portolanecs.NodeID(name), Name: name, Zone: "us-east-1" + string(rune('a'+i)), OSType: "linux",
			Arch: "x86_64", CPU: 4096, Memory: 8192, AgentVersion: "test", RegisteredAt: awsapi.Now()}
		if err := nodes.Register(ctx, lease, n); err != nil {
			t.Fatal(err)
		}
		f.arns[name] = "arn:aws:ecs:us-east-1:000000000000:container-instance/dev/" + n.ID
	}
	return f
}

// list is ListContainerInstances in "dev" with filter and status.
func (f *instancesFixture) list(filter string, status types.ContainerInstanceStatus) []string {
	f.t.Helper()
	in := &ecs.ListContainerInstancesInput{Cluster: aws.String("dev"), Status: status}
	if filter != "" {
		in.Filter = aws.String(filter)
	}
	out, err := f.ecs.ListContainerInstances(context.Background(), in)
	if err != nil {
		f.t.Fatalf("list %q %q: %v", filter, status, err)
	}
	return out.ContainerInstanceArns
}

func (f *instancesFixture) want(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, f.arns[n])
	}
	slices.Sort(out)
	return out
}

func TestListContainerInstancesFilterAndStatus(t *testing.T) {
	f := newInstancesFixture(t)
	if got, err := f.ecs.ListContainerInstances(context.Background(), &ecs.ListContainerInstancesInput{Cluster: aws.String("dev")}); err != nil {
		t.Fatal(err)
	} else if want := f.want("n1", "n2", "n3"); !slices.Equal(got.ContainerInstanceArns, want) {
		t.Fatalf("all: %v, want %v (the account id may differ: check instanceArn)", got.ContainerInstanceArns, want)
	}
	for _, tc := range []struct {
		filter string
		status types.ContainerInstanceStatus
		want   []string
	}{
		{"attribute:ecs.availability-zone == us-east-1b", "", f.want("n2")},
		{"attribute:ecs.availability-zone in [us-east-1a, us-east-1c]", "", f.want("n1", "n3")},
		{"attribute:ecs.availability-zone != us-east-1a and attribute:ecs.os-type == linux", "", f.want("n2", "n3")},
		{"attribute:portolan.node-name == n3", "", f.want("n3")},
		{"attribute:ecs.os-type == windows", "", nil},
		{"", types.ContainerInstanceStatusActive, f.want("n1", "n2", "n3")},
		{"", types.ContainerInstanceStatusDraining, nil},
		{"attribute:ecs.availability-zone == us-east-1a", types.ContainerInstanceStatusActive, f.want("n1")},
	} {
		if got := f.list(tc.filter, tc.status); !slices.Equal(got, tc.want) {
			t.Errorf("filter %q status %q: %v, want %v", tc.filter, tc.status, got, tc.want)
		}
	}
	// A page at a time.
	first, err := f.ecs.ListContainerInstances(context.Background(), &ecs.ListContainerInstancesInput{Cluster: aws.String("dev"), MaxResults: aws.Int32(2)})
	if err != nil || len(first.ContainerInstanceArns) != 2 || first.NextToken == nil {
		t.Fatalf("first page: %v %v", first, err)
	}
	rest, err := f.ecs.ListContainerInstances(context.Background(), &ecs.ListContainerInstancesInput{Cluster: aws.String("dev"), NextToken: first.NextToken})
	if err != nil || !slices.Equal(append(first.ContainerInstanceArns, rest.ContainerInstanceArns...), f.want("n1", "n2", "n3")) {
		t.Fatalf("second page: %v %v", rest, err)
	}
}

func TestDescribeContainerInstances(t *testing.T) {
	f := newInstancesFixture(t)
	ctx := context.Background()
	// Two running tasks on n1, and on n2 one held PENDING: its essential
	// container waits for a sidecar that never completes.
	sleep := types.ContainerDefinition{Name: aws.String("main"), Image: aws.String("/bin/sleep"), Command: []string{"/bin/sleep", "3600"}}
	sidecar := types.ContainerDefinition{Name: aws.String("first"), Image: aws.String("/bin/sleep"), Command: []string{"/bin/sleep", "3600"}, Essential: aws.Bool(false)}
	waiting := sleep
	waiting.DependsOn = []types.ContainerDependency{{ContainerName: aws.String("first"), Condition: types.ContainerConditionComplete}}
	running := f.runOn("n1", 2, sleep)
	pending := f.runOn("n2", 1, sidecar, waiting)
	f.waitStatus(running, "RUNNING")

	refs := []string{f.arns["n1"], strings.TrimPrefix(f.arns["n2"], "arn:aws:ecs:us-east-1:000000000000:container-instance/dev/"), f.arns["n3"],
		"0123456789abcdef0123456789abcdef", f.arns["n1"][:len(f.arns["n1"])-1] + "0"}
	out, err := f.ecs.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{Cluster: aws.String("dev"), ContainerInstances: refs})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ContainerInstances) != 3 {
		t.Fatalf("%d container instances, want 3", len(out.ContainerInstances))
	}
	// Unknown ids and ARNs are failures, named by their ARN, as ECS does.
	var failed []string
	for _, fl := range out.Failures {
		if aws.ToString(fl.Reason) != "MISSING" {
			t.Errorf("failure %s: reason %q, want MISSING", aws.ToString(fl.Arn), aws.ToString(fl.Reason))
		}
		failed = append(failed, aws.ToString(fl.Arn))
	}
	wantFailed := []string{"arn:aws:ecs:us-east-1:000000000000:container-instance/dev/0123456789abcdef0123456789abcdef", refs[4]}
	if !slices.Equal(failed, wantFailed) {
		t.Fatalf("failures %v, want %v", failed, wantFailed)
	}
	for i, ci := range out.ContainerInstances {
		name := []string{"n1", "n2", "n3"}[i]
		checkInstance(t, ci, name, f.arns[name])
	}
	want := map[string][3]int32{"n1": {2, 0, 512}, "n2": {0, 1, 256}, "n3": {0, 0, 0}} // running, pending, CPU taken
	for i, ci := range out.ContainerInstances {
		w := want[[]string{"n1", "n2", "n3"}[i]]
		cpu, mem := resource(ci.RemainingResources, "CPU"), resource(ci.RemainingResources, "MEMORY")
		if ci.RunningTasksCount != w[0] || ci.PendingTasksCount != w[1] || cpu != 4096-w[2] || mem != 8192-2*w[2] {
			t.Errorf("%s: running %d pending %d remaining CPU %d memory %d; want %d %d %d %d", aws.ToString(ci.Ec2InstanceId),
				ci.RunningTasksCount, ci.PendingTasksCount, cpu, mem, w[0], w[1], 4096-w[2], 8192-2*w[2])
		}
	}
	// The tasks name the instance they run on.
	d, err := f.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: append(running, pending...)})
	if err != nil {
		t.Fatal(err)
	}
	for i, task := range d.Tasks {
		want := f.arns["n1"]
		if i == 2 {
			want = f.arns["n2"]
		}
		if aws.ToString(task.ContainerInstanceArn) != want {
			t.Errorf("task %d on %s, want %s", i, aws.ToString(task.ContainerInstanceArn), want)
		}
	}
}

// checkInstance checks what a container instance says of its node,
// whatever runs on it.
func checkInstance(t *testing.T, ci types.ContainerInstance, name, arn string) {
	t.Helper()
	zone := map[string]string{"n1": "us-east-1a", "n2": "us-east-1b", "n3": "us-east-1c"}[name]
	attrs := map[string]string{}
	for _, a := range ci.Attributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if aws.ToString(ci.ContainerInstanceArn) != arn || aws.ToString(ci.Ec2InstanceId) != name || aws.ToString(ci.Status) != "ACTIVE" || !ci.AgentConnected {
		t.Errorf("%s: arn %s ec2InstanceId %s status %s connected %v", name, aws.ToString(ci.ContainerInstanceArn), aws.ToString(ci.Ec2InstanceId), aws.ToString(ci.Status), ci.AgentConnected)
	}
	if attrs["ecs.availability-zone"] != zone || attrs["ecs.os-type"] != "linux" || attrs["ecs.cpu-architecture"] != "x86_64" || attrs["portolan.node-name"] != name {
		t.Errorf("%s: attributes %v", name, attrs)
	}
	if cpu, mem := resource(ci.RegisteredResources, "CPU"), resource(ci.RegisteredResources, "MEMORY"); cpu != 4096 || mem != 8192 {
		t.Errorf("%s: registered CPU %d memory %d, want 4096 8192", name, cpu, mem)
	}
	if ci.RegisteredAt == nil || time.Since(*ci.RegisteredAt) > time.Hour || aws.ToString(ci.VersionInfo.AgentVersion) != "test" {
		t.Errorf("%s: registeredAt %v agent version %q", name, ci.RegisteredAt, aws.ToString(ci.VersionInfo.AgentVersion))
	}
}

func resource(rs []types.Resource, name string) int32 {
	for _, r := range rs {
		if aws.ToString(r.Name) == name {
			return r.IntegerValue
		}
	}
	return -1
}

// runOn runs n tasks of the containers (256 CPU units, 512 MiB each) on
// the named node, through a memberOf constraint, and returns their ARNs.
func (f *instancesFixture) runOn(node string, n int32, containers ...types.ContainerDefinition) []string {
	f.t.Helper()
	ctx := context.Background()
	td, err := f.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("on-" + node),
		NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityEc2},
		Cpu: aws.String("256"), Memory: aws.String("512"), ContainerDefinitions: containers})
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		Count: aws.Int32(n), LaunchType: types.LaunchTypeEc2, NetworkConfiguration: awsvpc,
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:portolan.node-name == " + node)}}})
	if err != nil || len(out.Tasks) != int(n) {
		f.t.Fatalf("run on %s: %v %v", node, out, err)
	}
	var arns []string
	for _, task := range out.Tasks {
		arns = append(arns, aws.ToString(task.TaskArn))
	}
	f.t.Cleanup(func() {
		for _, arn := range arns {
			f.ecs.StopTask(context.Background(), &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: aws.String(arn)})
		}
	})
	return arns
}

func (f *instancesFixture) waitStatus(arns []string, status string) {
	f.t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		d, err := f.ecs.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: arns})
		if err != nil {
			f.t.Fatal(err)
		}
		done := len(d.Tasks) == len(arns)
		for _, task := range d.Tasks {
			done = done && aws.ToString(task.LastStatus) == status
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("tasks not %s after a minute", status)
		}
	}
}

func TestUpdateContainerInstancesState(t *testing.T) {
	f := newInstancesFixture(t)
	ctx := context.Background()
	update := func(status types.ContainerInstanceStatus, refs ...string) *ecs.UpdateContainerInstancesStateOutput {
		t.Helper()
		out, err := f.ecs.UpdateContainerInstancesState(ctx, &ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("dev"), ContainerInstances: refs, Status: status})
		if err != nil {
			t.Fatalf("%s %v: %v", status, refs, err)
		}
		return out
	}
	// Bad input first, while no task is running to move the store: ECS's
	// error, and the state is as it was.
	before := f.storeRevision()
	for _, tc := range []struct {
		name   string
		in     ecs.UpdateContainerInstancesStateInput
		code   string
		substr string
	}{
		{"bad status", ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("dev"), ContainerInstances: []string{f.arns["n1"]}, Status: "REGISTERING"},
			"InvalidParameterException", "ACTIVE or DRAINING"},
		{"no instances", ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("dev"), ContainerInstances: []string{}, Status: "DRAINING"},
			"InvalidParameterException", "containerInstances"},
		{"unknown cluster", ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("nope"), ContainerInstances: []string{f.arns["n1"]}, Status: "DRAINING"},
			"ClusterNotFoundException", "Cluster not found"},
		{"not a container instance ARN", ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("dev"), ContainerInstances: []string{"arn:aws:ecs:us-east-1:000000000000:container-instance"}, Status: "DRAINING"},
			"InvalidParameterException", "Invalid container instance ARN"},
		{"more than 100", ecs.UpdateContainerInstancesStateInput{Cluster: aws.String("dev"), ContainerInstances: slices.Repeat([]string{f.arns["n1"]}, 101), Status: "DRAINING"},
			"InvalidParameterException", "between 1 and 100"},
	} {
		_, err := f.ecs.UpdateContainerInstancesState(ctx, &tc.in)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != tc.code || !strings.Contains(api.ErrorMessage(), tc.substr) {
			t.Errorf("%s: %v, want %s containing %q", tc.name, err, tc.code, tc.substr)
		}
	}
	if got := f.list("", types.ContainerInstanceStatusActive); !slices.Equal(got, f.want("n1", "n2", "n3")) {
		t.Fatalf("after bad input, active: %v", got)
	}
	for _, tc := range []struct{ filter, status, code string }{
		{"attribute:ecs.availability-zone ==", "", "InvalidParameterException"},
		{"", "SLEEPING", "InvalidParameterException"},
	} {
		_, err := f.ecs.ListContainerInstances(ctx, &ecs.ListContainerInstancesInput{Cluster: aws.String("dev"), Filter: aws.String(tc.filter), Status: types.ContainerInstanceStatus(tc.status)})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != tc.code {
			t.Errorf("list filter %q status %q: %v, want %s", tc.filter, tc.status, err, tc.code)
		}
	}
	if after := f.storeRevision(); after != before {
		t.Fatalf("bad input moved the store from revision %d to %d", before, after)
	}

	out := update(types.ContainerInstanceStatusDraining, f.arns["n2"], "0123456789abcdef0123456789abcdef")
	if len(out.ContainerInstances) != 1 || aws.ToString(out.ContainerInstances[0].Status) != "DRAINING" {
		t.Fatalf("drain answered %+v", out.ContainerInstances)
	}
	if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Fatalf("failures %+v, want the unknown id MISSING", out.Failures)
	}
	if got := f.list("", types.ContainerInstanceStatusDraining); !slices.Equal(got, f.want("n2")) {
		t.Fatalf("draining: %v", got)
	}
	if got := f.list("", types.ContainerInstanceStatusActive); !slices.Equal(got, f.want("n1", "n3")) {
		t.Fatalf("active: %v", got)
	}
	// Nothing new is placed on a draining instance.
	sleep := types.ContainerDefinition{Name: aws.String("main"), Image: aws.String("/bin/sleep"), Command: []string{"/bin/sleep", "3600"}}
	f.checkNotPlacedOnDraining(sleep)

	out = update(types.ContainerInstanceStatusActive, f.arns["n2"])
	if aws.ToString(out.ContainerInstances[0].Status) != "ACTIVE" || len(out.Failures) != 0 {
		t.Fatalf("back to ACTIVE: %+v %+v", out.ContainerInstances, out.Failures)
	}
	if got := f.list("", types.ContainerInstanceStatusDraining); len(got) != 0 {
		t.Fatalf("still draining: %v", got)
	}
}

// checkNotPlacedOnDraining runs tasks with the default placement while n2
// drains: none may land on it.
func (f *instancesFixture) checkNotPlacedOnDraining(c types.ContainerDefinition) {
	f.t.Helper()
	ctx := context.Background()
	td, err := f.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("anywhere"),
		NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityEc2},
		Cpu: aws.String("256"), Memory: aws.String("512"), ContainerDefinitions: []types.ContainerDefinition{c}})
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		Count: aws.Int32(4), LaunchType: types.LaunchTypeEc2, NetworkConfiguration: awsvpc})
	if err != nil || len(out.Tasks) != 4 {
		f.t.Fatalf("run: %v %v", out, err)
	}
	for _, task := range out.Tasks {
		f.t.Cleanup(func() {
			f.ecs.StopTask(context.Background(), &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: task.TaskArn})
		})
		if aws.ToString(task.ContainerInstanceArn) == f.arns["n2"] || aws.ToString(task.ContainerInstanceArn) == "" {
			f.t.Fatalf("task placed on %q while n2 drains", aws.ToString(task.ContainerInstanceArn))
		}
	}
}
