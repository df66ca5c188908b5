package stack_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

func deploy(t *testing.T, env *servertest.Env, name string, tpl []byte, params, images map[string]string) (*stack.Stack, []stack.Event, error) {
	t.Helper()
	var events []stack.Event
	st, err := env.Server.Stacks.Deploy(context.Background(), stack.DeployInput{StackName: name, Template: tpl, Parameters: params, Images: images},
		func(e stack.Event) { events = append(events, e) })
	return st, events, err
}

// eventually polls cond until it holds or 30 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after 30s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDeployUpdateDestroy(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	tpl, _ := os.ReadFile("testdata/backend.yaml")
	images := map[string]string{"example/backend:latest": app}
	ctx := context.Background()
	cm, ec := sd.NewFromConfig(env.AWS), ecs.NewFromConfig(env.AWS)

	st, events, err := deploy(t, env, "shop", tpl, nil, images)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	// The VPC pieces are EC2's, the task role IAM's: none is accepted only.
	if st.Status != "CREATE_COMPLETE" || slices.ContainsFunc(st.NotEmulated, func(s string) bool { return strings.Contains(s, "AWS::IAM::") || strings.Contains(s, "AWS::EC2::") }) {
		t.Fatalf("stack %s, not emulated %v", st.Status, st.NotEmulated)
	}
	serviceArn, namespaceID := st.Resources["Service"].PhysicalID, st.Resources["Namespace"].PhysicalID
	healthy := func(n int) func() bool {
		return func() bool {
			out, err := cm.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("shop.local"), ServiceName: aws.String("backend"), HealthStatus: "HEALTHY"})
			return err == nil && len(out.Instances) == n
		}
	}
	eventually(t, "2 healthy instances", healthy(2))

	// Update in place: a new count and a new environment roll out as a
	// deployment of the same service.
	st, events, err = deploy(t, env, "shop", tpl, map[string]string{"Count": "3", "Greeting": "bonjour"}, images)
	if err != nil {
		t.Fatalf("update: %v\n%v", err, events)
	}
	if st.Status != "UPDATE_COMPLETE" || st.Resources["Service"].PhysicalID != serviceArn || st.Resources["Namespace"].PhysicalID != namespaceID {
		t.Fatalf("update replaced what it should have updated: %s, service %s (was %s), namespace %s (was %s)", st.Status,
			st.Resources["Service"].PhysicalID, serviceArn, st.Resources["Namespace"].PhysicalID, namespaceID)
	}
	newTD := st.Resources["TaskDef"].PhysicalID
	if !strings.HasSuffix(newTD, ":2") {
		t.Fatalf("task definition after update %s, want revision 2", newTD)
	}
	eventually(t, "3 tasks on the new revision", func() bool {
		out, err := ec.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(st.Resources["Cluster"].PhysicalID), Services: []string{serviceArn}})
		if err != nil || len(out.Services) != 1 {
			return false
		}
		s := out.Services[0]
		return *s.TaskDefinition == newTD && s.RunningCount == 3 && len(s.Deployments) == 1
	})
	eventually(t, "3 healthy instances", healthy(3))

	var destroyEvents []stack.Event
	if err := env.Server.Stacks.Destroy(ctx, "shop", func(e stack.Event) { destroyEvents = append(destroyEvents, e) }); err != nil {
		t.Fatalf("destroy: %v\n%v", err, destroyEvents)
	}
	ns, _ := cm.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	clusters, _ := ec.ListClusters(ctx, &ecs.ListClustersInput{})
	if len(ns.Namespaces) != 0 || len(clusters.ClusterArns) != 0 {
		t.Fatalf("left after destroy: %d namespaces, %v", len(ns.Namespaces), clusters.ClusterArns)
	}
	if got, _ := env.Server.Stacks.Get(ctx, "shop"); got != nil {
		t.Fatal("stack record left after destroy")
	}
}

// TestBadTemplatesCreateNothing: every problem found without creating
// anything is reported before anything is created.
func TestBadTemplatesCreateNothing(t *testing.T) {
	env := servertest.Start(t)
	cases := map[string]string{
		"unknown type": `Resources: {Queue: {Type: AWS::SQS::Queue}}`,
		"cycle": `Resources:
  A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Ref B}}
  B: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Ref A}}`,
		"bad Ref":    `Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Ref Nope}}}`,
		"bad GetAtt": `Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !GetAtt Nope.Arn}}}`,
		"not YAML":   "Resources: [",
	}
	for name, tpl := range cases {
		t.Run(name, func(t *testing.T) {
			before := env.Server.StoreRevision()
			if _, _, err := deploy(t, env, "bad", []byte(tpl), nil, nil); err == nil {
				t.Fatal("deploy succeeded")
			}
			if env.Server.StoreRevision() != before {
				t.Fatal("a template rejected up front changed state")
			}
		})
	}
}

// TestFailedDeployRollsBack: the service's task definition cannot be
// found, so the deploy fails after the namespace and cluster exist; the
// rollback deletes them.
func TestFailedDeployRollsBack(t *testing.T) {
	env := servertest.Start(t)
	tpl := []byte(`Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: rollback}
  Cluster:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: rollback}
  Service:
    Type: AWS::ECS::Service
    DependsOn: [Namespace]
    Properties: {Cluster: !Ref Cluster, TaskDefinition: "missing:1", DesiredCount: 1}
`)
	st, events, err := deploy(t, env, "rb", tpl, nil, nil)
	if err == nil {
		t.Fatal("deploy with a missing task definition succeeded")
	}
	if st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", st.Status)
	}
	failed := false
	for _, e := range events {
		failed = failed || (e.LogicalResourceId == "Service" && e.ResourceStatus == "CREATE_FAILED")
	}
	if !failed {
		t.Fatalf("no CREATE_FAILED event for Service: %v", events)
	}
	ctx := context.Background()
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	clusters, _ := ecs.NewFromConfig(env.AWS).ListClusters(ctx, &ecs.ListClustersInput{})
	if len(ns.Namespaces) != 0 || len(clusters.ClusterArns) != 0 {
		t.Fatalf("rollback left %d namespaces and clusters %v", len(ns.Namespaces), clusters.ClusterArns)
	}
	if !strings.Contains(err.Error(), "Service (AWS::ECS::Service)") || !strings.Contains(err.Error(), "Unable to describe task definition") {
		t.Fatalf("error does not name the failing resource and its cause: %v", err)
	}
}

// TestDestroyKeepsWhatItCannotDelete: a cluster still running a task that
// the stack did not start cannot be deleted. As in CloudFormation the
// stack is then DELETE_FAILED and keeps that resource, and destroying it
// again, once the task has stopped, finishes the job.
func TestDestroyKeepsWhatItCannotDelete(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	ctx := context.Background()
	ec := ecs.NewFromConfig(env.AWS)
	tpl := []byte(`Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: leftover}
  Cluster:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: leftover}
`)
	_, events, err := deploy(t, env, "leftover", tpl, nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	// A task started by hand on the stack's cluster.
	td, err := ec.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("by-hand"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(app), Essential: aws.Bool(true), Memory: aws.Int32(128)}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := ec.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("leftover"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn})
	if err != nil || len(run.Tasks) != 1 {
		t.Fatalf("RunTask: %v %v", err, run)
	}

	var first []stack.Event
	err = env.Server.Stacks.Destroy(ctx, "leftover", func(e stack.Event) { first = append(first, e) })
	if err == nil || !strings.Contains(err.Error(), "ClusterContainsTasksException") {
		t.Fatalf("destroy of a cluster with a running task: %v\n%v", err, first)
	}
	st, _ := env.Server.Stacks.Get(ctx, "leftover")
	if st == nil || st.Status != "DELETE_FAILED" || len(st.Resources) != 1 || st.Resources["Cluster"].PhysicalID != "leftover" {
		t.Fatalf("after a failed destroy: %+v", st)
	}
	if last := first[len(first)-1]; last.ResourceType != "AWS::CloudFormation::Stack" || last.ResourceStatus != "DELETE_FAILED" {
		t.Fatalf("last event %+v", last)
	}
	if out, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{}); len(out.Namespaces) != 0 {
		t.Fatalf("the namespace was not deleted: %v", out.Namespaces)
	}

	if _, err := ec.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("leftover"), Task: run.Tasks[0].TaskArn}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the task stopped", func() bool {
		out, err := ec.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("leftover"), Tasks: []string{*run.Tasks[0].TaskArn}})
		return err == nil && len(out.Tasks) == 1 && *out.Tasks[0].LastStatus == "STOPPED"
	})
	if err := env.Server.Stacks.Destroy(ctx, "leftover", func(stack.Event) {}); err != nil {
		t.Fatalf("second destroy: %v", err)
	}
	if got, _ := env.Server.Stacks.Get(ctx, "leftover"); got != nil {
		t.Fatalf("stack left after the second destroy: %+v", got)
	}
	var gone *ecstypes.ClusterNotFoundException
	if _, err := ec.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("leftover")}); !errors.As(err, &gone) {
		t.Fatalf("cluster after the second destroy: %v", err)
	}
}

// TestUpdateHTTPNamespaceService: Cloud Map cannot update a service in an
// HTTP namespace, so a changed one is replaced: without a fixed name the
// update succeeds with a new service carrying the change, and the old one
// is gone. With a fixed name the new one cannot be created beside the old
// (as CloudFormation cannot replace a custom-named resource): the update
// fails and rolls back, and the service is left as it was.
func TestUpdateHTTPNamespaceService(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	cm := sd.NewFromConfig(env.AWS)
	tpl := func(name, description string) []byte {
		return []byte(`Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: !Sub "${AWS::StackName}-ns"}
  Discovery:
    Type: AWS::ServiceDiscovery::Service
    Properties: {` + name + ` NamespaceId: !GetAtt Namespace.Id, Description: ` + description + `}
`)
	}
	description := func(id string) string {
		t.Helper()
		got, err := cm.GetService(ctx, &sd.GetServiceInput{Id: aws.String(id)})
		if err != nil {
			t.Fatalf("service %s: %v", id, err)
		}
		return aws.ToString(got.Service.Description)
	}

	st, events, err := deploy(t, env, "unnamed", tpl("", "v1"), nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	old := st.Resources["Discovery"].PhysicalID
	st, events, err = deploy(t, env, "unnamed", tpl("", "v2"), nil, nil)
	if err != nil || st.Status != "UPDATE_COMPLETE" {
		t.Fatalf("update: %v %v\n%v", err, st, events)
	}
	if now := st.Resources["Discovery"].PhysicalID; now == old || description(now) != "v2" {
		t.Fatalf("service %s (was %s) after the update", now, old)
	}
	var gone *sdtypes.ServiceNotFound
	if _, err := cm.GetService(ctx, &sd.GetServiceInput{Id: aws.String(old)}); !errors.As(err, &gone) {
		t.Fatalf("old service after the update: %v", err)
	}

	st, events, err = deploy(t, env, "named", tpl("Name: api,", "v1"), nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	named := st.Resources["Discovery"].PhysicalID
	st, _, err = deploy(t, env, "named", tpl("Name: api,", "v2"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "ServiceAlreadyExists") || st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("update of a named service: %v, %s", err, st.Status)
	}
	if st.Resources["Discovery"].PhysicalID != named || description(named) != "v1" {
		t.Fatalf("after the rollback: %s, %q", st.Resources["Discovery"].PhysicalID, description(named))
	}
}

// TestOneOperationAtATime: while a deploy waits for its ECS service,
// another deploy or a destroy of the same stack is refused, as
// CloudFormation refuses them; other stacks are not
// held up. Once the first finishes, the stack takes operations again.
func TestOneOperationAtATime(t *testing.T) {
	app := buildQuickstartApp(t)
	env := servertest.Start(t)
	ctx := context.Background()
	tpl := quickstartTemplate(t)
	images := map[string]string{"app": app}
	first := make(chan error, 1)
	go func() {
		_, _, err := deploy(t, env, "busy", tpl, map[string]string{"DesiredCount": "4"}, images)
		first <- err
	}()
	eventually(t, "the first deploy under way", func() bool {
		st, _ := env.Server.Stacks.Get(ctx, "busy")
		return st != nil && st.Status == "CREATE_IN_PROGRESS"
	})
	if _, _, err := deploy(t, env, "busy", tpl, nil, images); err == nil || !strings.Contains(err.Error(), "is in CREATE_IN_PROGRESS state and can not be updated") {
		t.Fatalf("second deploy: %v", err)
	}
	if err := env.Server.Stacks.Destroy(ctx, "busy", func(stack.Event) {}); err == nil || !strings.Contains(err.Error(), "can not be updated") {
		t.Fatalf("destroy during the deploy: %v", err)
	}
	if _, _, err := deploy(t, env, "other", []byte("Resources:\n  Ns:\n    Type: AWS::ServiceDiscovery::HttpNamespace\n    Properties: {Name: other}\n"), nil, nil); err != nil {
		t.Fatalf("another stack: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	if st, _ := env.Server.Stacks.Get(ctx, "busy"); st.Status != "CREATE_COMPLETE" || st.Parameters["DesiredCount"] != "4" {
		t.Fatalf("after the first deploy: %s", st.Status)
	}
	if err := env.Server.Stacks.Destroy(ctx, "busy", func(stack.Event) {}); err != nil {
		t.Fatalf("destroy after: %v", err)
	}
}

// TestCancelledDeployRollsBack: cancelling a deploy while it waits for its
// ECS service rolls it back, and the rollback, which no longer has a live
// context to work with, still deletes everything.
func TestCancelledDeployRollsBack(t *testing.T) {
	app := buildQuickstartApp(t)
	env := servertest.Start(t)
	tpl := quickstartTemplate(t)
	ctx, cancel := context.WithCancel(context.Background())
	ec := ecs.NewFromConfig(env.AWS)
	go func() {
		for ctx.Err() == nil {
			out, err := ec.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("quickstart"), Services: []string{"hello"}})
			if err == nil && len(out.Services) == 1 {
				cancel() // the deploy now waits for the service
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "cancelled", Template: tpl, Images: map[string]string{"app": app}}, func(stack.Event) {})
	if !errors.Is(err, context.Canceled) || st.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("cancelled deploy: %v, %s", err, st.Status)
	}
	var gone *ecstypes.ClusterNotFoundException
	if _, err := ec.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("quickstart")}); !errors.As(err, &gone) {
		t.Fatalf("cluster after the rollback: %v", err)
	}
	if out, _ := sd.NewFromConfig(env.AWS).ListNamespaces(context.Background(), &sd.ListNamespacesInput{}); len(out.Namespaces) != 0 {
		t.Fatalf("namespaces after the rollback: %v", out.Namespaces)
	}
}
