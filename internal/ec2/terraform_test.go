package ec2_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// The Terraform AWS provider's calls, replayed with aws-sdk-go-v2 for the
// VPC pieces of the reference designs: aws_vpc, aws_subnet,
// aws_internet_gateway, aws_route_table(_association), aws_security_group,
// aws_security_group_rule and aws_vpc_security_group_ingress_rule. Each
// resource is created with the provider's calls and waiters, read back as
// the provider reads it (twice: the second read must equal the first, or
// every plan would propose a change), the VPC updated in place, then
// destroyed in reverse order as
// `terraform destroy` does, after which nothing but the default VPC is
// left. Sequences follow the provider's internal/service/ec2 (vpc_.go,
// vpc_subnet.go, vpc_internet_gateway.go, vpc_route_table.go,
// vpc_route_table_association.go, vpc_security_group.go,
// vpc_security_group_rule.go, vpc_security_group_ingress_rule.go).

type tf struct {
	t   *testing.T
	ctx context.Context
	c   *ec2.Client
}

// stable reads a resource twice as refresh does and fails when the
// reads differ; it returns the read.
func stable[T any](tf *tf, what string, read func() T) T {
	tf.t.Helper()
	first, second := read(), read()
	if !reflect.DeepEqual(first, second) {
		tf.t.Fatalf("%s: a second read differs (a plan would show a change):\n%+v\n%+v", what, first, second)
	}
	return first
}

// retryOn repeats call while it fails with one of codes, as the
// provider's RetryWhenAWSErrCodeEquals does (for eventual consistency).
func retryOn(tf *tf, call func() error, codes ...string) error {
	for {
		err := call()
		var api smithy.APIError
		if err == nil || !errors.As(err, &api) || !contains(codes, api.ErrorCode()) {
			return err
		}
		select {
		case <-tf.ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// untilNotFound polls read until it fails with code, as the provider's
// RetryUntilNotFound does after a delete.
func untilNotFound(tf *tf, what, code string, read func() error) {
	tf.t.Helper()
	err := retryOn(tf, func() error {
		if err := read(); err != nil {
			return err
		}
		return &smithy.GenericAPIError{Code: "StillThere"}
	}, "StillThere")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		tf.t.Fatalf("%s: after delete, want %s, got %v", what, code, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func nameTag(rt types.ResourceType, name string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestTerraformProviderSequences(t *testing.T) {
	e := ec2test.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tf := &tf{t: t, ctx: ctx, c: e.Client()}
	before := inventory(tf)

	vpc := tf.createVPC()
	tf.updateVPC(vpc)
	subnet := tf.createSubnet(vpc, "10.0.1.0/24", "us-east-1a")
	igw := tf.createInternetGateway(vpc)
	rtb := tf.createRouteTable(vpc, igw)
	assoc := tf.createRouteTableAssociation(rtb, subnet)
	sg := tf.createSecurityGroup(vpc)
	tf.createSecurityGroupRule(sg)
	rule := tf.createIngressRule(sg)

	tf.deleteIngressRule(sg, rule)
	tf.deleteSecurityGroupRule(sg)
	tf.deleteSecurityGroup(sg)
	tf.deleteRouteTableAssociation(assoc)
	tf.deleteRouteTable(rtb)
	tf.deleteInternetGateway(igw, vpc)
	tf.deleteSubnet(subnet)
	tf.deleteVPC(vpc)
	if after := inventory(tf); !reflect.DeepEqual(after, before) {
		t.Fatalf("destroy left something behind:\nbefore %v\nafter  %v", before, after)
	}
}

// inventory is every object's id, by kind.
func inventory(tf *tf) map[string][]string {
	tf.t.Helper()
	out := map[string][]string{}
	vpcs, err := tf.c.DescribeVpcs(tf.ctx, &ec2.DescribeVpcsInput{})
	must(tf.t, err)
	for _, v := range vpcs.Vpcs {
		out["vpc"] = append(out["vpc"], *v.VpcId)
	}
	subnets, err := tf.c.DescribeSubnets(tf.ctx, &ec2.DescribeSubnetsInput{})
	must(tf.t, err)
	for _, s := range subnets.Subnets {
		out["subnet"] = append(out["subnet"], *s.SubnetId)
	}
	groups, err := tf.c.DescribeSecurityGroups(tf.ctx, &ec2.DescribeSecurityGroupsInput{})
	must(tf.t, err)
	for _, g := range groups.SecurityGroups {
		out["sg"] = append(out["sg"], *g.GroupId)
	}
	rules, err := tf.c.DescribeSecurityGroupRules(tf.ctx, &ec2.DescribeSecurityGroupRulesInput{})
	must(tf.t, err)
	for _, r := range rules.SecurityGroupRules {
		out["sgr"] = append(out["sgr"], *r.SecurityGroupRuleId)
	}
	tables, err := tf.c.DescribeRouteTables(tf.ctx, &ec2.DescribeRouteTablesInput{})
	must(tf.t, err)
	for _, r := range tables.RouteTables {
		out["rtb"] = append(out["rtb"], *r.RouteTableId)
	}
	igws, err := tf.c.DescribeInternetGateways(tf.ctx, &ec2.DescribeInternetGatewaysInput{})
	must(tf.t, err)
	for _, g := range igws.InternetGateways {
		out["igw"] = append(out["igw"], *g.InternetGatewayId)
	}
	acls, err := tf.c.DescribeNetworkAcls(tf.ctx, &ec2.DescribeNetworkAclsInput{})
	must(tf.t, err)
	for _, a := range acls.NetworkAcls {
		out["acl"] = append(out["acl"], *a.NetworkAclId)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
