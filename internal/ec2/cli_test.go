package ec2_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// TestAWSCLI drives the endpoint life cycle with the AWS CLI v2.
func TestAWSCLI(t *testing.T) {
	awstest.NeedCLI(t)
	e := ec2test.Start(t)
	// Each CLI run starts a Python interpreter: seconds apiece on a
	// loaded machine, so the bound is the run's, not ctxT's.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var created struct {
		VpcEndpoint struct {
			VpcEndpointId, State, ServiceName string
			PrivateDnsEnabled                 bool
			DnsEntries                        []struct{ DnsName, HostedZoneId string }
		}
	}
	out := awstest.CLI(ctx, t, e.Endpoint, "ec2", "create-vpc-endpoint", "--vpc-id", vpcA, "--vpc-endpoint-type", "Interface",
		"--service-name", execAPI, "--subnet-ids", subnet1, subnet2, "--security-group-ids", sg1,
		"--tag-specifications", "ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=cli}]")
	if err := json.Unmarshal(out, &created); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	v := created.VpcEndpoint
	if !endpointID.MatchString(v.VpcEndpointId) || v.State != "available" || !v.PrivateDnsEnabled || len(v.DnsEntries) < 3 ||
		!ownDNSName.MatchString(v.DnsEntries[0].DnsName) {
		t.Fatalf("create-vpc-endpoint: %s", out)
	}

	var described struct {
		VpcEndpoints []struct {
			VpcEndpointId string
			Tags          []struct{ Key, Value string }
		}
	}
	out = awstest.CLI(ctx, t, e.Endpoint, "ec2", "describe-vpc-endpoints", "--filters", "Name=tag:Name,Values=cli")
	json.Unmarshal(out, &described)
	if len(described.VpcEndpoints) != 1 || described.VpcEndpoints[0].VpcEndpointId != v.VpcEndpointId || described.VpcEndpoints[0].Tags[0].Value != "cli" {
		t.Fatalf("describe-vpc-endpoints: %s", out)
	}

	out = awstest.CLI(ctx, t, e.Endpoint, "ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", v.VpcEndpointId, "--no-private-dns-enabled", "--remove-subnet-ids", subnet2)
	if !strings.Contains(string(out), `"Return": true`) {
		t.Fatalf("modify-vpc-endpoint: %s", out)
	}

	var services struct{ ServiceNames []string }
	json.Unmarshal(awstest.CLI(ctx, t, e.Endpoint, "ec2", "describe-vpc-endpoint-services", "--service-names", execAPI), &services)
	if len(services.ServiceNames) != 1 || services.ServiceNames[0] != execAPI {
		t.Fatalf("describe-vpc-endpoint-services: %+v", services)
	}

	var deleted struct {
		Unsuccessful []struct {
			ResourceId string
			Error      struct{ Code, Message string }
		}
	}
	out = awstest.CLI(ctx, t, e.Endpoint, "ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids", v.VpcEndpointId, "vpce-00000000000000000")
	json.Unmarshal(out, &deleted)
	if len(deleted.Unsuccessful) != 1 || deleted.Unsuccessful[0].ResourceId != "vpce-00000000000000000" || deleted.Unsuccessful[0].Error.Code != "InvalidVpcEndpoint.NotFound" {
		t.Fatalf("delete-vpc-endpoints: %s", out)
	}
}
