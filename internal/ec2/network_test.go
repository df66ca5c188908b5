package ec2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// newVPC makes a VPC with the given block.
func newVPC(t *testing.T, c *ec2.Client, cidr string) string {
	t.Helper()
	out, err := c.CreateVpc(ctxT(t), &ec2.CreateVpcInput{CidrBlock: &cidr})
	must(t, err)
	return *out.Vpc.VpcId
}

func newSubnet(t *testing.T, c *ec2.Client, vpc, cidr string) string {
	t.Helper()
	out, err := c.CreateSubnet(ctxT(t), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &cidr})
	must(t, err)
	return *out.Subnet.SubnetId
}

func TestDefaultVPC(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpcs, err := c.DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})
	must(t, err)
	if len(vpcs.Vpcs) != 1 || *vpcs.Vpcs[0].CidrBlock != "172.31.0.0/16" {
		t.Fatalf("default VPC: %+v", vpcs.Vpcs)
	}
	id := *vpcs.Vpcs[0].VpcId
	subnets, err := c.DescribeSubnets(ctxT(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", id), filter("default-for-az", "true")}})
	must(t, err)
	zones, err := c.DescribeAvailabilityZones(ctxT(t), &ec2.DescribeAvailabilityZonesInput{})
	must(t, err)
	if len(subnets.Subnets) != len(zones.AvailabilityZones) || len(zones.AvailabilityZones) != 6 || !aws.ToBool(subnets.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatalf("default subnets %d for %d zones: %+v", len(subnets.Subnets), len(zones.AvailabilityZones), subnets.Subnets)
	}
	attrs, err := c.DescribeAccountAttributes(ctxT(t), &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameDefaultVpc}})
	must(t, err)
	if len(attrs.AccountAttributes) != 1 || *attrs.AccountAttributes[0].AttributeValues[0].AttributeValue != id {
		t.Fatalf("default-vpc attribute: %+v", attrs.AccountAttributes)
	}
	// A group made without a VPC is in the default one.
	sg, err := c.CreateSecurityGroup(ctxT(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")})
	must(t, err)
	groups, err := c.DescribeSecurityGroups(ctxT(t), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	must(t, err)
	if len(groups.SecurityGroups) != 1 || *groups.SecurityGroups[0].GroupId != *sg.GroupId || *groups.SecurityGroups[0].VpcId != id {
		t.Fatalf("group by name in the default VPC: %+v", groups.SecurityGroups)
	}
	// Deleted, the default VPC stays deleted across a restart, as on AWS.
	for _, s := range subnets.Subnets {
		_, err := c.DeleteSubnet(ctxT(t), &ec2.DeleteSubnetInput{SubnetId: s.SubnetId})
		must(t, err)
	}
	_, err = c.DeleteSecurityGroup(ctxT(t), &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	must(t, err)
	igws, err := c.DescribeInternetGateways(ctxT(t), &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", id)}})
	must(t, err)
	_, err = c.DetachInternetGateway(ctxT(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: igws.InternetGateways[0].InternetGatewayId, VpcId: &id})
	must(t, err)
	_, err = c.DeleteVpc(ctxT(t), &ec2.DeleteVpcInput{VpcId: &id})
	must(t, err)
	e.Stop()
	e = ec2test.Start(t, ec2test.InDir(e.Dir))
	vpcs, err = e.Client().DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{})
	must(t, err)
	if len(vpcs.Vpcs) != 0 {
		t.Fatalf("default VPC came back: %+v", vpcs.Vpcs)
	}
}

func TestSubnetCIDRs(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpc := newVPC(t, c, "10.1.0.0/16")
	newSubnet(t, c, vpc, "10.1.0.0/24")
	for _, tc := range []struct{ cidr, code string }{
		{"10.1.0.128/25", "InvalidSubnet.Conflict"}, // inside the first
		{"10.1.0.0/23", "InvalidSubnet.Conflict"},   // around it
		{"10.2.0.0/24", "InvalidSubnet.Range"},      // outside the VPC
		{"10.1.0.0/29", "InvalidSubnet.Range"},      // smaller than /28
		{"10.1.1.1/24", "InvalidParameterValue"},    // host bits set
		{"nonsense", "InvalidParameterValue"},
	} {
		_, err := c.CreateSubnet(ctxT(t), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &tc.cidr})
		wantCode(t, err, tc.code)
	}
	_, err := c.CreateSubnet(ctxT(t), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0000000000000000a"), CidrBlock: aws.String("10.1.1.0/24")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.CreateSubnet(ctxT(t), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.1.1.0/24"), AvailabilityZone: aws.String("us-east-1z")})
	wantCode(t, err, "InvalidParameterValue")
	for _, cidr := range []string{"10.0.0.0/8", "10.0.0.0/29"} {
		_, err = c.CreateVpc(ctxT(t), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
		wantCode(t, err, "InvalidVpc.Range")
	}
	subnets, err := c.DescribeSubnets(ctxT(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
	must(t, err)
	if len(subnets.Subnets) != 1 {
		t.Fatalf("a refused CreateSubnet made a subnet: %+v", subnets.Subnets)
	}
	_, err = c.ModifySubnetAttribute(ctxT(t), &ec2.ModifySubnetAttributeInput{SubnetId: subnets.Subnets[0].SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(t, err)
	subnets, err = c.DescribeSubnets(ctxT(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("map-public-ip-on-launch", "true"), filter("vpc-id", vpc)}})
	must(t, err)
	if len(subnets.Subnets) != 1 {
		t.Fatalf("MapPublicIpOnLaunch not set: %+v", subnets.Subnets)
	}
}

func TestDeleteVpcDependencies(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpc := newVPC(t, c, "10.3.0.0/16")
	subnet := newSubnet(t, c, vpc, "10.3.1.0/24")
	_, err := c.DeleteVpc(ctxT(t), &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteSubnet(ctxT(t), &ec2.DeleteSubnetInput{SubnetId: &subnet})
	must(t, err)
	igw, err := c.CreateInternetGateway(ctxT(t), &ec2.CreateInternetGatewayInput{})
	must(t, err)
	_, err = c.AttachInternetGateway(ctxT(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpc})
	must(t, err)
	_, err = c.DeleteVpc(ctxT(t), &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteInternetGateway(ctxT(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DetachInternetGateway(ctxT(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpc})
	must(t, err)
	// DryRun answers DryRunOperation for a call that would succeed, and
	// changes nothing.
	_, err = c.DeleteVpc(ctxT(t), &ec2.DeleteVpcInput{VpcId: &vpc, DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	_, err = c.DeleteVpc(ctxT(t), &ec2.DeleteVpcInput{VpcId: &vpc})
	must(t, err)
	// Its default group, main route table and network ACL went with it.
	for _, f := range []func() (int, error){
		func() (int, error) {
			o, err := c.DescribeSecurityGroups(ctxT(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
			return len(o.SecurityGroups), err
		},
		func() (int, error) {
			o, err := c.DescribeRouteTables(ctxT(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
			return len(o.RouteTables), err
		},
		func() (int, error) {
			o, err := c.DescribeNetworkAcls(ctxT(t), &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
			return len(o.NetworkAcls), err
		},
	} {
		if n, err := f(); err != nil || n != 0 {
			t.Fatalf("left after DeleteVpc: %d, %v", n, err)
		}
	}
	_, err = c.DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

// TestEndpointZonesFromSubnets: an endpoint's zonal DNS names are its
// subnets' zones.
func TestEndpointZonesFromSubnets(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpc := newVPC(t, c, "10.8.0.0/16")
	s, err := c.CreateSubnet(ctxT(t), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.8.0.0/24"), AvailabilityZone: aws.String("us-east-1e")})
	must(t, err)
	v := interfaceEndpoint(t, e, vpc, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = []string{*s.Subnet.SubnetId} })
	if len(v.DnsEntries) < 2 || !strings.Contains(*v.DnsEntries[1].DnsName, "-us-east-1e.execute-api.") {
		t.Fatalf("zonal name of an endpoint in us-east-1e: %+v", v.DnsEntries)
	}
}
