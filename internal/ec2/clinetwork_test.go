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

// TestAWSCLINetwork builds a VPC, a subnet and a security group with the
// AWS CLI v2 and finds them again with describe-* and filters.
func TestAWSCLINetwork(t *testing.T) {
	awstest.NeedCLI(t)
	e := ec2test.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cli := func(into any, args ...string) {
		t.Helper()
		out := awstest.CLI(ctx, t, e.Endpoint, append([]string{"ec2"}, args...)...)
		if into != nil {
			if err := json.Unmarshal(out, into); err != nil {
				t.Fatalf("%v: %v: %s", args, err, out)
			}
		}
	}
	var vpc struct {
		Vpc struct{ VpcId, CidrBlock string }
	}
	cli(&vpc, "create-vpc", "--cidr-block", "10.20.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]")
	var subnet struct {
		Subnet struct{ SubnetId, AvailabilityZone string }
	}
	cli(&subnet, "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.20.1.0/24", "--availability-zone", "us-east-1b")
	var sg struct{ GroupId string }
	cli(&sg, "create-security-group", "--group-name", "web", "--description", "web tier", "--vpc-id", vpc.Vpc.VpcId)
	var rules struct {
		Return             bool
		SecurityGroupRules []struct{ SecurityGroupRuleId string }
	}
	cli(&rules, "authorize-security-group-ingress", "--group-id", sg.GroupId, "--protocol", "tcp", "--port", "443", "--cidr", "10.20.0.0/16")
	if !rules.Return || len(rules.SecurityGroupRules) != 1 {
		t.Fatalf("authorize-security-group-ingress: %+v", rules)
	}

	var vpcs struct{ Vpcs []struct{ VpcId string } }
	cli(&vpcs, "describe-vpcs", "--filters", "Name=tag:Name,Values=cli", "Name=cidr,Values=10.20.0.0/16")
	var subnets struct {
		Subnets []struct{ SubnetId, AvailabilityZone string }
	}
	cli(&subnets, "describe-subnets", "--filters", "Name=vpc-id,Values="+vpc.Vpc.VpcId)
	var groups struct {
		SecurityGroups []struct {
			GroupId, GroupName string
			IpPermissions      []struct {
				IpProtocol string
				FromPort   int
				IpRanges   []struct{ CidrIp string }
			}
		}
	}
	cli(&groups, "describe-security-groups", "--filters", "Name=vpc-id,Values="+vpc.Vpc.VpcId, "Name=group-name,Values=web")
	switch {
	case len(vpcs.Vpcs) != 1 || vpcs.Vpcs[0].VpcId != vpc.Vpc.VpcId:
		t.Fatalf("describe-vpcs: %+v", vpcs)
	case len(subnets.Subnets) != 1 || subnets.Subnets[0].SubnetId != subnet.Subnet.SubnetId || subnets.Subnets[0].AvailabilityZone != "us-east-1b":
		t.Fatalf("describe-subnets: %+v", subnets)
	case len(groups.SecurityGroups) != 1 || groups.SecurityGroups[0].GroupId != sg.GroupId:
		t.Fatalf("describe-security-groups: %+v", groups)
	}
	p := groups.SecurityGroups[0].IpPermissions
	if len(p) != 1 || p[0].IpProtocol != "tcp" || p[0].FromPort != 443 || p[0].IpRanges[0].CidrIp != "10.20.0.0/16" {
		t.Fatalf("describe-security-groups permissions: %+v", p)
	}
	// A subnet overlapping the first is AWS's InvalidSubnet.Conflict.
	if msg := awstest.CLIFails(ctx, t, e.Endpoint, "ec2", "create-subnet", "--vpc-id", vpc.Vpc.VpcId, "--cidr-block", "10.20.1.0/25"); !strings.Contains(msg, "InvalidSubnet.Conflict") {
		t.Fatalf("overlapping create-subnet: %s", msg)
	}
}
