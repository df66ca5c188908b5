package ecs_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/ecs/ecstest"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// TestPortsModeHostPorts runs a service with Cloud Map registration on the
// process runtime in ports mode (what macOS gets): describe-tasks shows each
// container port's real host port on 127.0.0.1, as ECS does for a
// bridge-mode hostPort; the Cloud Map instance registers that port; and the
// app answers there.
func TestPortsModeHostPorts(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := ecstest.Start(t, ecstest.WithTaskAddresses(process.ModePorts))
	f := serviceFixture(withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.StoreRevision, app: app}))
	ns := f.namespace("ports.local")
	reg := f.registry(ns, "web")
	td := f.register("ports", f.appContainer(false))
	f.createService("web", td, serviceOpts{desired: 2, registries: []types.ServiceRegistry{
		{RegistryArn: &reg, ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}})
	f.waitStable(time.Minute, "web")

	var tasks []types.Task
	eventually(t, 30*time.Second, "two tasks registered in Cloud Map", func() bool {
		tasks = f.serviceTasks("web")
		return len(tasks) == 2 && len(f.discover("ports.local", "web")) == 2
	})
	registered := map[string]string{} // instance id (task id) → ip:port
	for _, in := range f.discover("ports.local", "web") {
		registered[*in.InstanceId] = in.Attributes["AWS_INSTANCE_IPV4"] + ":" + in.Attributes["AWS_INSTANCE_PORT"]
	}
	seen := map[int32]bool{}
	for _, task := range tasks {
		b := task.Containers[0].NetworkBindings
		if len(b) != 1 || aws.ToString(b[0].BindIP) != "127.0.0.1" || aws.ToInt32(b[0].ContainerPort) != 8080 ||
			aws.ToInt32(b[0].HostPort) == 8080 || aws.ToInt32(b[0].HostPort) == 0 {
			t.Fatalf("task %s networkBindings = %+v; want 127.0.0.1, containerPort 8080, a host port of its own", taskID(*task.TaskArn), b)
		}
		host := aws.ToInt32(b[0].HostPort)
		if seen[host] {
			t.Errorf("two tasks share host port %d", host)
		}
		seen[host] = true
		want := fmt.Sprintf("127.0.0.1:%d", host)
		if got := registered[taskID(*task.TaskArn)]; got != want {
			t.Errorf("Cloud Map instance of task %s at %s, want %s", taskID(*task.TaskArn), got, want)
		}
		info := runtimetest.Info(t, "http://"+want+"/")
		if info.Port != strconv.Itoa(int(host)) {
			t.Errorf("the app at %s was told PORT=%s", want, info.Port)
		}
	}
}
