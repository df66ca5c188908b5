package scripts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestImageOnComposeNetwork runs examples/compose/with-portolan as docker
// compose would, with the docker CLI (compose itself is not on every
// machine): a network of the project's, each service a container on it
// under its name and aliases, with the file's environment, and its ports
// published on free ones. The app registers itself in Cloud Map at
// http://portolan:4566 and answers with what DiscoverInstances finds, which
// the SDK asks data-portolan: the answer must hold the app itself.
func TestImageOnComposeNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Portolan's image and runs it beside an app")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine: %v %s", err, out)
	}
	opts, err := cli.NewProjectOptions([]string{"../examples/compose/with-portolan/docker-compose.yml"})
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id := randomID()
	images := map[string]string{"portolan": portolanImage(t), "app": "portolan-h2test/with-portolan-app:" + id}
	run(t, "../examples/compose/with-portolan/build.sh", images["app"])
	t.Cleanup(func() { undo(t, "docker", "rmi", images["app"]) })

	network, subnet := makeNetwork(t, "h2-with-portolan-"+id)
	published := map[string]string{} // service -> the host address of its first port
	order := slices.SortedFunc(slices.Values(project.ServiceNames()), func(a, b string) int {
		return len(project.Services[a].DependsOn) - len(project.Services[b].DependsOn) // portolan, then the app
	})
	for _, name := range order {
		published[name] = runService(t, project.Services[name], images[name], network, id)
	}

	url := "http://" + published["app"] + "/"
	var instances []struct {
		InstanceId string
		Attributes map[string]string
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := exec.Command("curl", "-sS", "--max-time", "10", "--fail-with-body", url).CombinedOutput()
		if err == nil && json.Unmarshal(out, &instances) == nil && len(instances) > 0 {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := exec.Command("docker", "logs", "h2test-"+id+"-app").CombinedOutput()
			t.Fatalf("curl %s: %v %s\napp's log:\n%s", url, err, out, logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
	host, err := exec.Command("docker", "inspect", "--format", "{{.Config.Hostname}}", "h2test-"+id+"-app").Output()
	if err != nil {
		t.Fatal(err)
	}
	ip, err := netip.ParseAddr(instances[0].Attributes["AWS_INSTANCE_IPV4"])
	if len(instances) != 1 || instances[0].InstanceId != strings.TrimSpace(string(host)) || err != nil || !subnet.Contains(ip) {
		t.Fatalf("instances %+v: want the app, %s, at its address in %s", instances, host, subnet)
	}
}

// runService starts a compose service's container and returns the host
// address its first port is published on ("" for none).
func runService(t *testing.T, s types.ServiceConfig, image, network, id string) string {
	t.Helper()
	name := "h2test-" + id + "-" + s.Name
	args := []string{"run", "-d", "--name", name, "--network", network, "--network-alias", s.Name}
	if n := s.Networks["default"]; n != nil {
		for _, a := range n.Aliases {
			args = append(args, "--network-alias", a)
		}
	}
	for k, v := range s.Environment {
		if v != nil {
			args = append(args, "-e", k+"="+*v)
		}
	}
	addr := ""
	for i, p := range s.Ports {
		host := fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
		args = append(args, "-p", fmt.Sprintf("%s:%d", host, p.Target))
		if i == 0 {
			addr = host
		}
	}
	run(t, "docker", append(args, image)...)
	t.Cleanup(func() { undo(t, "docker", "rm", "-f", name) })
	return addr
}

// makeNetwork makes a bridge network on a free /24 of 10.212.0.0/16.
func makeNetwork(t *testing.T, name string) (string, netip.Prefix) {
	t.Helper()
	var out []byte
	var err error
	for range 20 {
		subnet := netip.MustParsePrefix(fmt.Sprintf("10.212.%d.0/24", rand.IntN(256)))
		out, err = exec.Command("docker", "network", "create", "--subnet", subnet.String(), name).CombinedOutput()
		if err == nil {
			t.Cleanup(func() { undo(t, "docker", "network", "rm", name) })
			return name, subnet
		}
	}
	t.Fatalf("docker network create: %v %s", err, out)
	return "", netip.Prefix{}
}
