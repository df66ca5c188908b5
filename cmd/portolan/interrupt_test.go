package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDeployInterruptedByKill9: a server killed (SIGKILL) while a deploy
// waits for its ECS service comes back with the stack CREATE_FAILED, not
// forever in progress; deploying again completes it with the resources the
// first run created (one namespace, one service, no duplicates), and
// destroying it leaves nothing.
func TestDeployInterruptedByKill9(t *testing.T) {
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	tpl, err := os.ReadFile("../../examples/quickstart/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	api := fmt.Sprintf("127.0.0.1:%d", port)
	params, images := map[string]string{"DesiredCount": "6"}, map[string]string{"app": app}
	ctx := context.Background()
	cf := stackClient(api, nil)
	awsCfg := servertest.Config("http://"+api, "test", "test")
	ec, cm := ecs.NewFromConfig(awsCfg), sd.NewFromConfig(awsCfg)

	srv := servertest.StartProcess(t, dataDir, port)
	go deployStack(ctx, cf, "interrupted", tpl, params, images, io.Discard)
	// Kill once the service exists: the deploy is then waiting for it.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		out, err := ec.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("quickstart"), Services: []string{"hello"}})
		if err == nil && len(out.Services) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deploy never created its service")
		}
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()

	servertest.StartProcess(t, dataDir, port)
	// The kill may land before the stack recorded the service it had just
	// created: deploying again then creates it again, which ECS answers
	// with the existing service (CreateService is idempotent for the same
	// parameters), so either way there must be one service at the end.
	st, err := describeStack(ctx, cf, "interrupted")
	if err != nil || st == nil || st.StackStatus != "CREATE_FAILED" {
		t.Fatalf("stack after the restart: %v %+v", err, st)
	}
	res, err := cf.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("interrupted")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resources recorded before the kill: %d", len(res.StackResourceSummaries))
	done, err := deployStack(ctx, cf, "interrupted", tpl, params, images, io.Discard)
	if err != nil || done.Status != "UPDATE_COMPLETE" {
		t.Fatalf("deploying again: %v %+v", err, done)
	}
	services, err := ec.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("quickstart")})
	if err != nil || len(services.ServiceArns) != 1 {
		t.Fatalf("services: %v %v", err, services)
	}
	namespaces, err := cm.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || len(namespaces.Namespaces) != 1 {
		t.Fatalf("namespaces: %v %v", err, namespaces)
	}
	if err := destroyStack(ctx, cf, "interrupted", io.Discard); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	namespaces, _ = cm.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	clusters, _ := ec.ListClusters(ctx, &ecs.ListClustersInput{})
	if gone, _ := describeStack(ctx, cf, "interrupted"); len(namespaces.Namespaces) != 0 || len(clusters.ClusterArns) != 0 || gone != nil {
		t.Fatalf("left after destroy: %v %v", namespaces.Namespaces, clusters.ClusterArns)
	}
}
