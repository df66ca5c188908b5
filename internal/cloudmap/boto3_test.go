package cloudmap_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// TestBoto3DataHost runs testdata/boto3-discover.py: boto3, the other
// client the issue names, registers instances and discovers them through
// the data- host it prepends to --endpoint-url, with its own serializers
// and its own resolver (no test dialer in between, unlike the Go SDK's).
func TestBoto3DataHost(t *testing.T) {
	python := boto3Python()
	if python == "" {
		requireInCI(t, "no python3 that can import boto3 (apt-get install python3-boto3)")
	}
	if _, err := net.LookupHost("data-localhost"); err != nil {
		requireInCI(t, "data-localhost does not resolve: add '127.0.0.1 data-localhost' to /etc/hosts (see README)")
	}
	env := cloudmaptest.Start(t)
	cmd := exec.Command(python, "testdata/boto3-discover.py")
	// A developer's own AWS settings (a profile, AWS_ENDPOINT_URL…) must not
	// redirect or re-sign the calls: keep none of them.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "ENDPOINT="+env.Endpoint, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3 script: %v\n%s%s", err, out, stderr.String())
	}
	var got struct {
		URLs      map[string]string `json:"urls"`
		Instances []struct {
			InstanceId, NamespaceName, ServiceName, HealthStatus string
			Attributes                                           map[string]string
		} `json:"instances"`
		// nil: this boto3 predates InstancesRevision (botocore 1.31)
		InstancesRevision *int64 `json:"instancesRevision"`
		Revision          *int64 `json:"revision"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}

	dataHost := strings.Replace(env.Endpoint, "http://", "http://data-", 1)
	ops := []string{"DiscoverInstances"}
	if got.Revision != nil {
		ops = append(ops, "DiscoverInstancesRevision")
	} else {
		t.Logf("%s's boto3 has no DiscoverInstancesRevision", python)
	}
	for _, op := range ops {
		if u := got.URLs[op]; !strings.HasPrefix(u, dataHost+"/") {
			t.Errorf("boto3 sent %s to %q, want %s/", op, u, dataHost)
		}
	}
	if len(got.Instances) != 1 {
		t.Fatalf("DiscoverInstances HEALTHY lang=python = %+v, want boto-1 only", got.Instances)
	}
	in := got.Instances[0]
	if in.InstanceId != "boto-1" || in.NamespaceName != "boto3-ns" || in.ServiceName != "web" || in.HealthStatus != "HEALTHY" ||
		in.Attributes["AWS_INSTANCE_IPV4"] != "10.1.0.1" || in.Attributes["lang"] != "python" {
		t.Errorf("instance = %+v", in)
	}
	if (got.Revision == nil) != (got.InstancesRevision == nil) ||
		got.Revision != nil && (*got.InstancesRevision == 0 || *got.Revision != *got.InstancesRevision) {
		t.Errorf("InstancesRevision %v, DiscoverInstancesRevision %v: want the same, nonzero", got.InstancesRevision, got.Revision)
	}

	// What boto3 registered is what the Go SDK sees.
	c := sd.NewFromConfig(env.AWS)
	all, err := c.DiscoverInstances(context.Background(), &sd.DiscoverInstancesInput{NamespaceName: aws.String("boto3-ns"), ServiceName: aws.String("web"), HealthStatus: "ALL"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(all.Instances), " "); got != "boto-1 boto-2" {
		t.Errorf("Go SDK sees %q, want boto-1 boto-2", got)
	}
}

// boto3Python returns a python3 that imports boto3: the first on PATH, or
// Debian's, where .ci/run installs python3-boto3; "" when there is none.
func boto3Python() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			return p
		}
	}
	return ""
}
