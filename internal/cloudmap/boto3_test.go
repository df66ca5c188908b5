package cloudmap_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// TestBoto3DataHost runs testdata/boto3-discover.py: boto3, the other
// client the issue names, registers instances and discovers them through
// the data- host it prepends to --endpoint-url, with its own serializers
// and its own resolver (no test dialer in between, unlike the Go SDK's).
func TestBoto3DataHost(t *testing.T) {
	if _, err := net.LookupHost("data-localhost"); err != nil {
		requireInCI(t, "data-localhost does not resolve: add '127.0.0.1 data-localhost' to /etc/hosts (see README)")
	}
	env := cloudmaptest.Start(t)
	out := awstest.Boto3(t, "testdata/boto3-discover.py", "ENDPOINT="+env.Endpoint)
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
		t.Logf("%s's boto3 has no DiscoverInstancesRevision", awstest.Boto3Python())
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
