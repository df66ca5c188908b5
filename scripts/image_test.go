// Package scripts_test runs the repository's scripts as a user would.
package scripts_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestImageQuickstart builds Portolan's image with scripts/image.sh,
// starts it as the README says (host network, the engine's socket
// mounted), deploys the quickstart template through it with the AWS CLI,
// its tasks on the docker runtime as containers beside Portolan's, and
// calls the API with curl from the host.
func TestImageQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Portolan's image and runs the quick start in it")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine: %v %s", err, out)
	}
	id := randomID()
	image := portolanImage(t)
	app := quickstartImage(t, "portolan-h2test/quickstart-app:"+id)

	dataDir := t.TempDir() // the container's /var/lib/portolan: the node id is read here
	api := fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
	gw := servertest.FreePort(t)
	name := "portolan-h2test-" + id
	// Cleanups run last-in first-out: the container goes first, then what
	// it left (the stack is deleted below; this is for a failed test).
	t.Cleanup(func() { removeOwned(t, dataDir) })
	started := time.Now()
	run(t, "docker", "run", "-d", "--name", name, "--network", "host",
		"-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", dataDir+":/var/lib/portolan",
		"-e", "PORTOLAN_ACCESS_KEY_ID=test", "-e", "PORTOLAN_SECRET_ACCESS_KEY=test",
		// Free ports on all addresses (the image's own), nothing shared with
		// other servers on this engine: no 169.254.170.2.
		"-e", "PORTOLAN_API=0.0.0.0:"+port(api), "-e", fmt.Sprintf("PORTOLAN_GATEWAY=0.0.0.0:%d", gw),
		"-e", fmt.Sprintf("PORTOLAN_DNS=127.0.0.1:%d", servertest.FreePort(t)), "-e", "PORTOLAN_REGISTRY_ADDR=127.0.0.1:0",
		"-e", "PORTOLAN_DOCKER_TASK_CREDENTIALS=false", "-e", "PORTOLAN_IMAGE=app="+app,
		image)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("docker", "logs", "--tail", "50", name).CombinedOutput()
			t.Logf("portolan's log:\n%s", out)
		}
		undo(t, "docker", "rm", "-f", name)
	})
	waitHealthy(t, "http://"+api+"/_portolan/health", name)
	t.Logf("the container served its API %v after docker run", time.Since(started).Round(time.Millisecond))

	aws := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--endpoint-url", "http://" + api, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	aws("cloudformation", "deploy", "--template-file", "../examples/quickstart/template.yaml", "--stack-name", "quickstart")
	var stacks struct {
		Stacks []struct {
			Outputs []struct{ OutputKey, OutputValue string }
		}
	}
	json.Unmarshal(aws("cloudformation", "describe-stacks", "--stack-name", "quickstart"), &stacks)
	apiID := ""
	for _, o := range stacks.Stacks[0].Outputs {
		if u, err := url.Parse(o.OutputValue); err == nil && o.OutputKey == "ApiUrl" { // <apiId>.execute-api.<domain>
			apiID, _, _ = strings.Cut(u.Hostname(), ".")
		}
	}
	if apiID == "" {
		t.Fatalf("no ApiUrl output: %+v", stacks)
	}

	// From the host, as the README's curl line: through the gateway in the
	// container to a task container on its cluster network.
	url := fmt.Sprintf("http://%s.execute-api.localhost:%d/hello", apiID, gw)
	var answer struct{ Message, Task string }
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := exec.Command("curl", "-sS", "--max-time", "10", "--resolve", fmt.Sprintf("%s.execute-api.localhost:%d:127.0.0.1", apiID, gw), url).CombinedOutput()
		if err == nil && json.Unmarshal(out, &answer) == nil && answer.Task != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("curl %s: %v %s", url, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if answer.Message != "Hello from the quickstart" {
		t.Fatalf("curl %s: %+v", url, answer)
	}

	aws("cloudformation", "delete-stack", "--stack-name", "quickstart")
	aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", "quickstart")
	if left := ownedContainers(t, dataDir); len(left) > 0 {
		t.Fatalf("task containers left after the stack was deleted: %v", left)
	}
}

// The image scripts/image.sh builds, once for the package's tests;
// TestMain removes it.
var (
	imageOnce sync.Once
	imageTag  string
	imageErr  error
)

func portolanImage(t *testing.T) string {
	t.Helper()
	imageOnce.Do(func() {
		tag := "portolan-h2test:" + randomID()
		out, err := exec.Command("./image.sh", tag).CombinedOutput()
		if err != nil {
			imageErr = fmt.Errorf("image.sh: %v\n%s", err, out)
			return
		}
		imageTag = tag
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return imageTag
}

func TestMain(m *testing.M) {
	code := m.Run()
	if imageTag != "" {
		if out, err := exec.Command("docker", "rmi", imageTag).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "docker rmi %s: %v %s\n", imageTag, err, out)
			code = 1
		}
	}
	os.Exit(code)
}

// quickstartImage builds the quickstart's app into an image FROM scratch.
func quickstartImage(t *testing.T, tag string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "app")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Env = "../examples/quickstart/app", append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := docker.BuildScratchImage(context.Background(), cli, tag, bin); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { undo(t, "docker", "rmi", tag) })
	return tag
}

// waitHealthy waits until the container's API says it is ready.
func waitHealthy(t *testing.T, url, container string) {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			out, _ := exec.Command("docker", "logs", container).CombinedOutput()
			t.Fatalf("%s: not ready (%v)\n%s", url, err, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func owner(dataDir string) string {
	b, _ := os.ReadFile(filepath.Join(dataDir, "node-id"))
	return strings.TrimSpace(string(b))
}

// ownedContainers are the containers the server in the image labelled as its own.
func ownedContainers(t *testing.T, dataDir string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=portolan.owner="+owner(dataDir)).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))
}

// removeOwned removes the containers and networks the server in the image
// made, should it have left any.
func removeOwned(t *testing.T, dataDir string) {
	o := owner(dataDir)
	if o == "" {
		return
	}
	d, err := docker.New(context.Background(), docker.Config{Owner: o})
	if err == nil {
		err = d.RemoveAll(context.Background())
	}
	if err != nil {
		t.Errorf("remove what %s left: %v", o, err)
	}
}

// run runs a command the test cannot go on without.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// undo runs a command of a cleanup: a failure is reported, and the other
// cleanups still run.
func undo(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func port(addr string) string {
	_, p, _ := strings.Cut(addr, ":")
	return p
}

func randomID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
