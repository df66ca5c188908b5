package compose_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestComposeProcess runs the two-service compose file with `portolan up
// --compose` on the process runtime (the default).
func TestComposeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the compose example")
	}
	runCompose(t, "process")
}

// TestComposeDocker runs the same file on the docker runtime: each service
// an image FROM scratch, names resolved by the engine's resolver through
// Portolan's DNS with the project's namespace as search domain.
func TestComposeDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the compose example on Docker")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine: %v %s", err, out)
	}
	t.Cleanup(func() { // after up has stopped: the images up built
		for _, svc := range []string{"front", "back"} {
			exec.Command("docker", "rmi", "portolan-up/compose-pingpong-"+svc+":latest").Run()
		}
	})
	runCompose(t, "docker")
}

// hop is the example app's answer.
type hop struct {
	Service string
	Peer    *hop
}

func (h *hop) String() string {
	if h == nil {
		return "-"
	}
	return h.Service + " → " + h.Peer.String()
}

// runCompose does what the example's README says on the runtime given:
// `portolan up --compose examples/compose/docker-compose.yml`, then asks
// front on its published port for two hops (front asks back by name, back
// asks front by name), and lists the cluster's services with the AWS CLI.
// Ctrl-C must delete the stack and end every task.
func runCompose(t *testing.T, runtime string) {
	dataDir := t.TempDir()
	t.Cleanup(func() { removeTasks(t, runtime, dataDir) }) // after up has stopped, even if the test failed
	published := fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
	_, port, _ := strings.Cut(published, ":")
	t.Setenv("FRONT_PORT", port) // the compose file's ${FRONT_PORT:-8081}
	up := servertest.StartUp(t, dataDir, "--runtime", runtime, "--docker-task-credentials=false",
		"--compose", "examples/compose/docker-compose.yml")
	if !strings.Contains(up.Output(), "curl http://"+published+"/") {
		t.Fatalf("up printed no curl line for %s:\n%s", published, up.Output())
	}

	// Until both services' tasks have registered in Cloud Map, a hop may
	// find no instance (the gateway answers 503, an app 502).
	url := "http://" + published + "/?hops=2"
	var answer hop
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := get(url)
		if code == http.StatusOK && json.Unmarshal([]byte(body), &answer) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s\n%s", url, code, body, up.Output())
		}
		time.Sleep(250 * time.Millisecond)
	}
	if got := answer.String(); got != "front → back → front → -" {
		t.Fatalf("GET %s: %s, want front → back → front", url, got)
	}

	// The AWS CLI sees the compose services as ECS services of the
	// project's cluster.
	cli := exec.Command("aws", "--endpoint-url", "http://"+up.API, "--output", "json",
		"ecs", "list-services", "--cluster", "pingpong")
	cli.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1")
	out, err := cli.CombinedOutput()
	if err != nil {
		t.Fatalf("aws ecs list-services: %v\n%s", err, out)
	}
	var listed struct{ ServiceArns []string }
	if err := json.Unmarshal(out, &listed); err != nil {
		t.Fatalf("aws ecs list-services: %v\n%s", err, out)
	}
	var names []string
	for _, arn := range listed.ServiceArns {
		names = append(names, arn[strings.LastIndex(arn, "/")+1:])
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"back", "front"}) || !strings.Contains(listed.ServiceArns[0], ":service/pingpong/") {
		t.Fatalf("aws ecs list-services --cluster pingpong: %s", out)
	}

	if out := up.Stop(t); !regexp.MustCompile(`DELETE_COMPLETE +AWS::CloudFormation::Stack +pingpong`).MatchString(out) {
		t.Fatalf("the stack was not deleted on Ctrl-C:\n%s", out)
	}
}

func get(url string) (int, string) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// removeTasks ends whatever the data dir's node still runs: its processes,
// or its containers and networks.
func removeTasks(t *testing.T, runtime, dataDir string) {
	owner, err := os.ReadFile(filepath.Join(dataDir, "node-id"))
	if err != nil {
		return
	}
	ctx := context.Background()
	var remove func(context.Context) error
	switch runtime {
	case "docker":
		d, err := docker.New(ctx, docker.Config{Owner: strings.TrimSpace(string(owner))})
		if err != nil {
			t.Errorf("docker runtime: %v", err)
			return
		}
		remove = d.RemoveAll
	default:
		d, err := process.New(process.Config{StateDir: filepath.Join(dataDir, "runtime", "process"), Owner: strings.TrimSpace(string(owner))})
		if err != nil {
			t.Errorf("process runtime: %v", err)
			return
		}
		remove = d.RemoveAll
	}
	if err := remove(ctx); err != nil {
		t.Errorf("remove %s tasks: %v", runtime, err)
	}
}
