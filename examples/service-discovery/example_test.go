package servicediscovery_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/server/servertest"
)

const namespace = "ecs-service-discovery.local"

var services = []string{"myservice-a", "myservice-b"}

// TestServiceDiscoveryExample does what the README says, on free ports and
// with an image tag of its own: build the image with build.sh, `portolan
// up --runtime docker examples/service-discovery`, call /request through
// the gateway (myservice-a asks both services by DNS name, from inside its
// container), and ask Portolan's DNS for both names. Ctrl-C must delete
// the stack and stop every container.
func TestServiceDiscoveryExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image and runs the whole example on Docker")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine: %v %s", err, out)
	}

	image := buildImage(t)

	dataDir := t.TempDir()
	// Runs after up has stopped (cleanups run last-in first-out): remove
	// whatever this data dir's node still owns, containers and networks,
	// even if the test failed.
	t.Cleanup(func() {
		owner, err := os.ReadFile(filepath.Join(dataDir, "node-id"))
		if err != nil {
			return
		}
		if d, err := docker.New(context.Background(), docker.Config{Owner: strings.TrimSpace(string(owner))}); err == nil {
			if err := d.RemoveAll(context.Background()); err != nil {
				t.Errorf("remove containers and networks: %v", err)
			}
		}
	})
	up := servertest.StartUp(t, dataDir, "--runtime", "docker", "--parameter-overrides", "AppImage="+image, "examples/service-discovery")
	printed, dnsAddr := up.Output, up.DNS
	// The curl line up prints, from the template's TryIt output.
	m := regexp.MustCompile(`(?m)^\s+curl (http://\S+/request)$`).FindStringSubmatch(printed())
	if m == nil {
		t.Fatalf("up printed no curl line for /request:\n%s", printed())
	}
	url := m[1]

	client := up.Client()
	type reply struct {
		From    string
		Answers []struct{ Peer, Address, Message, Error string }
	}
	request := func() (int, string, reply) {
		var r reply
		resp, err := client.Get(url)
		if err != nil {
			return 0, err.Error(), r
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &r)
		return resp.StatusCode, string(b), r
	}

	// Portolan's DNS answers each name with its 2 tasks, once they have
	// started and registered with Cloud Map.
	records := waitForRecords(t, dnsAddr, printed) // service -> its tasks' addresses

	// Through the gateway to a task of myservice-a, which asks both names
	// and gets each answer from a task of the service it named. (The
	// gateway's view of Cloud Map follows the DNS server's within moments.)
	deadline := time.Now().Add(10 * time.Second)
	for code, body, _ := request(); code != http.StatusOK; code, body, _ = request() {
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s\n%s", url, code, body, printed())
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := map[string]bool{}
	for range 10 {
		code, body, r := request()
		if code != http.StatusOK || r.From != "myservice-a" || len(r.Answers) != 2 {
			t.Fatalf("GET %s: %d %s\n%s", url, code, body, printed())
		}
		for i, svc := range services {
			a := r.Answers[i]
			host, _, _ := net.SplitHostPort(a.Address)
			if a.Peer != svc+"."+namespace || a.Message != svc || a.Error != "" || !slices.Contains(records[svc], host) {
				t.Fatalf("answer %+v: want %s from one of %v", a, svc, records[svc])
			}
			seen[host] = true
		}
	}
	t.Logf("10 calls reached tasks %v of %v", slices.Sorted(maps.Keys(seen)), records)

	// Ctrl-C: the stack is deleted, its containers with it.
	if out := up.Stop(t); !regexp.MustCompile(`DELETE_COMPLETE +AWS::CloudFormation::Stack +service-discovery`).MatchString(out) {
		t.Fatalf("the stack was not deleted on Ctrl-C:\n%s", out)
	}
	checkNoContainers(t, dataDir)
}

// buildImage builds the example's image with build.sh under a tag of this
// run's own, and removes the tag when the test ends: that leaves alone any
// image the user built, even one with the same ID (docker rmi without -f
// only untags).
func buildImage(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	image := "portolan-example/discovery-app:test-" + hex.EncodeToString(b)
	if out, err := exec.Command("./build.sh", image).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "rmi", image).CombinedOutput(); err != nil {
			t.Errorf("docker rmi %s: %v %s", image, err, out)
		}
	})
	return image
}

// waitForRecords waits until Portolan's DNS at dnsAddr answers each
// service's name with 2 addresses, 4 tasks in all, and returns them by
// service.
func waitForRecords(t *testing.T, dnsAddr string, printed func() string) map[string][]string {
	t.Helper()
	records := map[string][]string{} // service -> its tasks' addresses
	deadline := time.Now().Add(60 * time.Second)
	for _, svc := range services {
		for {
			records[svc] = lookupA(t, dnsAddr, svc+"."+namespace)
			if len(records[svc]) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s.%s: A records %v, want 2\n%s", svc, namespace, records[svc], printed())
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	tasks := map[string]bool{}
	for _, ips := range records {
		for _, ip := range ips {
			tasks[ip] = true
		}
	}
	if len(tasks) != 4 {
		t.Fatalf("A records %v: want 4 tasks", records)
	}
	return records
}

// checkNoContainers fails if a container of the data dir's node is left.
func checkNoContainers(t *testing.T, dataDir string) {
	t.Helper()
	owner, _ := os.ReadFile(filepath.Join(dataDir, "node-id"))
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=portolan.owner="+strings.TrimSpace(string(owner))).Output()
	if err != nil {
		t.Fatal(err)
	}
	if left := strings.Fields(string(out)); len(left) > 0 {
		t.Fatalf("containers left after Ctrl-C: %v", left)
	}
}

// lookupA asks the DNS server at addr for name's A records.
func lookupA(t *testing.T, addr, name string) []string {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, _, err := new(dns.Client).Exchange(q, addr)
	if err != nil {
		t.Fatalf("DNS A %s: %v", name, err)
	}
	var ips []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			ips = append(ips, a.A.String())
		}
	}
	return ips
}
