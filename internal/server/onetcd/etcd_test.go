package onetcd_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// TestServerOnEtcdSurvivesKill9: a server whose state is on etcd creates
// a Cloud Map namespace and an ECS service whose task registers in it; it
// is killed (SIGKILL) and another server started on the same etcd finds
// all of it, re-adopts the running task instead of starting another, and
// nothing was written to a bolt file.
func TestServerOnEtcdSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan, runs etcd and a task")
	}
	member := etcdtest.Start(t, "127.0.10.2", t.TempDir())
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	flags := []string{"--store", "etcd://" + member.Client + "/e2e"}
	ctx := context.Background()
	cfg := servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test")
	sd, c := servicediscovery.NewFromConfig(cfg), ecs.NewFromConfig(cfg)

	// The task outlives a killed server: each server, before it stops at
	// the test's end, stops it (the killed one cannot, and says so).
	stopTasks := func() {
		_, err := c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("etcd"), Service: aws.String("web"), Force: aws.Bool(true)})
		if err == nil {
			// First no task is wanted running any more (the scheduler
			// marks them), then every one of them has stopped.
			waitTasks(t, c, ecstypes.DesiredStatusRunning, 0)
			waitTasks(t, c, ecstypes.DesiredStatusStopped, 0)
		}
	}
	srv := servertest.StartProcess(t, dataDir, port, flags...)
	t.Cleanup(stopTasks)
	registry, registryID := createNamespaceAndService(t, sd, "etcd.local", "web")
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("etcd")}); err != nil {
		t.Fatal(err)
	}
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(app), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("etcd"), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}},
		ServiceRegistries:    []ecstypes.ServiceRegistry{{RegistryArn: aws.String(registry)}}}); err != nil {
		t.Fatal(err)
	}
	before := waitTasks(t, c, ecstypes.DesiredStatusRunning, 1)
	waitInstances(t, sd, registryID, 1)

	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	servertest.StartProcess(t, dataDir, port, flags...)
	t.Cleanup(stopTasks)

	if after := waitTasks(t, c, ecstypes.DesiredStatusRunning, 1); after[0] != before[0] {
		t.Fatalf("after the restart the service runs %s, want the task it had, %s", after[0], before[0])
	}
	waitInstances(t, sd, registryID, 1)
	out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("etcd"), Services: []string{"web"}})
	if err != nil || len(out.Services) != 1 || out.Services[0].DesiredCount != 1 || aws.ToString(out.Services[0].Status) != "ACTIVE" {
		t.Fatalf("service after the restart: %+v %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, store.BoltFile)); !os.IsNotExist(err) {
		t.Fatalf("a server on etcd made a bolt store in its data dir: %v", err)
	}
}

// waitTasks waits until the cluster's tasks of that desired status number
// n with RUNNING last status, and the others have STOPPED, and returns
// the running ones' ARNs.
func waitTasks(t *testing.T, c *ecs.Client, desired ecstypes.DesiredStatus, n int) []string {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var (
			running []string
			stopped int
		)
		list, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("etcd"), DesiredStatus: desired})
		if err == nil && len(list.TaskArns) > 0 {
			out, derr := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("etcd"), Tasks: list.TaskArns})
			if derr != nil {
				t.Fatal(derr)
			}
			for _, task := range out.Tasks {
				switch aws.ToString(task.LastStatus) {
				case "RUNNING":
					running = append(running, aws.ToString(task.TaskArn))
				case "STOPPED":
					stopped++
				}
			}
		}
		if err == nil && len(running) == n && len(running)+stopped == len(list.TaskArns) {
			return running
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d RUNNING tasks, have %v (%v)", n, running, err)
		}
	}
}

// createNamespaceAndService creates an HTTP namespace (waiting for its
// operation) and a service in it, and returns the service's ARN and id.
func createNamespaceAndService(t *testing.T, sd *servicediscovery.Client, namespace, service string) (string, string) {
	t.Helper()
	ctx := context.Background()
	op, err := sd.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String(namespace)})
	if err != nil {
		t.Fatal(err)
	}
	var nsID string
	for deadline := time.Now().Add(30 * time.Second); nsID == ""; time.Sleep(20 * time.Millisecond) {
		out, err := sd.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: op.OperationId})
		if err != nil {
			t.Fatal(err)
		}
		if out.Operation.Status == sdtypes.OperationStatusSuccess {
			nsID = out.Operation.Targets[string(sdtypes.OperationTargetTypeNamespace)]
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace operation %s", out.Operation.Status)
		}
	}
	svc, err := sd.CreateService(ctx, &servicediscovery.CreateServiceInput{Name: aws.String(service), NamespaceId: aws.String(nsID)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(svc.Service.Arn), aws.ToString(svc.Service.Id)
}

// waitInstances waits until the Cloud Map service has n instances.
func waitInstances(t *testing.T, sd *servicediscovery.Client, serviceID string, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := sd.ListInstances(context.Background(), &servicediscovery.ListInstancesInput{ServiceId: aws.String(serviceID)})
		if err == nil && len(out.Instances) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d instances: %+v %v", n, out, err)
		}
	}
}
