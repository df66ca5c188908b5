package ecs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// dockerImage builds the test app into an image FROM scratch, or skips the
// test when no Docker engine answers (CI has one).
func dockerImage(t *testing.T) string {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = cli.Ping(ctx, client.PingOptions{})
		cancel()
	}
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	tag := "portolan-ecs-test-app:" + strconv.Itoa(os.Getpid())
	if err := docker.BuildScratchImage(context.Background(), cli, tag, runtimetest.BuildApp(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	return tag
}

func dockerFixture(t *testing.T) *fixture {
	image := dockerImage(t)
	env := servertest.Start(t, func(c *server.Config) { c.Runtime = "docker" })
	return withCluster(&fixture{t: t, aws: env.AWS, storeRevision: env.Server.StoreRevision, dnsAddr: env.Server.DNSAddr(), app: image})
}

// TestDockerTaskLifecycle runs tasks as containers, each with its own IP
// on the cluster's network as awsvpc gives, reaches them, and stops them.
func TestDockerTaskLifecycle(t *testing.T) {
	f := dockerFixture(t)
	web := f.webContainer("web")
	web.LogConfiguration = nil
	arns := f.run(f.register("web", web), 2)
	tasks := f.waitFor("RUNNING", arns, running)
	if address(tasks[0]) == address(tasks[1]) {
		t.Fatalf("two tasks share address %s", address(tasks[0]))
	}
	for _, task := range tasks {
		get(t, "http://"+address(task)+":8080/")
	}
	if _, err := f.ecs.StopTask(context.Background(), &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: &arns[0]}); err != nil {
		t.Fatal(err)
	}
	st := f.waitFor("STOPPED", arns[:1], stopped)[0]
	if st.StopCode != types.TaskStopCodeUserInitiated || st.Containers[0].ExitCode == nil {
		b, _ := json.Marshal(st)
		t.Fatalf("stopped docker task: %s", b)
	}
}

// TestDockerKill9ReadoptsTasks: 10 containers run, the server is SIGKILLed
// and restarted; the same containers are adopted, none started twice.
func TestDockerKill9ReadoptsTasks(t *testing.T) {
	image := dockerImage(t)
	dataDir := t.TempDir()
	port := servertest.FreePort(t)
	start := func() *exec.Cmd { return servertest.StartProcess(t, dataDir, port, "--runtime", "docker") }
	// Registered first, so it runs last, after the servers are gone: remove
	// whatever this data dir's node still owns, even if the test failed.
	t.Cleanup(func() {
		owner, _ := os.ReadFile(filepath.Join(dataDir, "node-id"))
		if d, err := docker.New(context.Background(), docker.Config{Owner: strings.TrimSpace(string(owner))}); err == nil {
			d.RemoveAll(context.Background())
		}
	})
	srv := start()
	c := ecs.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	f := &fixture{t: t, ecs: c, app: image}
	ctx := context.Background()
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	web := f.webContainer("web")
	web.LogConfiguration = nil
	arns := f.run(f.register("web", web), 10)
	before := map[string]string{}
	for _, task := range f.waitFor("RUNNING", arns, running) {
		before[*task.TaskArn] = *task.Containers[0].RuntimeId
		get(t, "http://"+address(task)+":8080/")
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	start()
	for _, task := range f.waitFor("RUNNING", arns, running) {
		if id := *task.Containers[0].RuntimeId; id != before[*task.TaskArn] {
			t.Errorf("task %s now container %s, was %s: started twice", *task.TaskArn, id, before[*task.TaskArn])
		}
		get(t, "http://"+address(task)+":8080/")
	}
	owner, _ := os.ReadFile(filepath.Join(dataDir, "node-id"))
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=portolan.owner="+strings.TrimSpace(string(owner)), "--filter", "label=portolan.ecs.container-name=web").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(string(out))); n != 10 {
		t.Fatalf("%d app containers after restart, want exactly 10", n)
	}
}

// TestDockerServiceDiscoveryReference is the ECS service-discovery
// walkthrough (see TestServiceDiscoveryReference) on the docker runtime:
// the apps in the containers resolve myservice-a and myservice-b by name
// with nothing but the resolv.conf the engine gives them, which leads to
// Portolan's DNS server. Then one task's container is killed with docker
// kill: it is replaced, and it leaves DiscoverInstances and DNS.
func TestDockerServiceDiscoveryReference(t *testing.T) {
	f := serviceFixture(dockerFixture(t))
	regA := f.discoveryReference(nil)
	f.checkRequests(20)

	victim := f.serviceTasks("myservice-a")[0]
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	killed := time.Now()
	if _, err := cli.ContainerKill(context.Background(), *victim.Containers[0].RuntimeId, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatal(err)
	}
	f.checkReplaced(regA, victim, killed)
	f.checkRequests(20)
}
