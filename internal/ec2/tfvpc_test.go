package ec2_test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// vpcState is what aws_vpc's read sets: the VPC, its three attributes,
// and the ids of its default network ACL, main route table and default
// security group.
type vpcState struct {
	Vpc                                   types.Vpc
	DNSHostnames, DNSSupport, AddrMetrics bool
	DefaultACL, MainRouteTable, DefaultSG string
}

// createVPC: CreateVpc, the VpcAvailable wait, ModifyVpcAttribute for
// enable_dns_hostnames = true (waiting for DescribeVpcAttribute to show
// it), then the read.
func (tf *tf) createVPC() string {
	tf.t.Helper()
	out, err := tf.c.CreateVpc(tf.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), InstanceTenancy: types.TenancyDefault,
		TagSpecifications: nameTag(types.ResourceTypeVpc, "tf-vpc")})
	must(tf.t, err)
	id := *out.Vpc.VpcId
	must(tf.t, ec2.NewVpcAvailableWaiter(tf.c).Wait(tf.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}}, time.Minute))
	_, err = tf.c.ModifyVpcAttribute(tf.ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(tf.t, err)
	if !tf.vpcAttribute(id, types.VpcAttributeNameEnableDnsHostnames) {
		tf.t.Fatal("enableDnsHostnames not set")
	}
	s := stable(tf, "aws_vpc", func() vpcState { return tf.readVPC(id) })
	switch {
	case *s.Vpc.CidrBlock != "10.0.0.0/16" || s.Vpc.InstanceTenancy != types.TenancyDefault || *s.Vpc.OwnerId != ec2test.AccountID || *s.Vpc.DhcpOptionsId == "":
		tf.t.Fatalf("aws_vpc read: %+v", s.Vpc)
	case !s.DNSHostnames || !s.DNSSupport || s.AddrMetrics:
		tf.t.Fatalf("aws_vpc attributes: %+v", s)
	case s.DefaultACL == "" || s.MainRouteTable == "" || s.DefaultSG == "":
		tf.t.Fatalf("aws_vpc default objects: %+v", s)
	case len(s.Vpc.Tags) != 1 || *s.Vpc.Tags[0].Value != "tf-vpc":
		tf.t.Fatalf("aws_vpc tags: %+v", s.Vpc.Tags)
	}
	return id
}

func (tf *tf) vpcAttribute(id string, name types.VpcAttributeName) bool {
	tf.t.Helper()
	out, err := tf.c.DescribeVpcAttribute(tf.ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: name})
	must(tf.t, err)
	for _, v := range []*types.AttributeBooleanValue{out.EnableDnsHostnames, out.EnableDnsSupport, out.EnableNetworkAddressUsageMetrics} {
		if v != nil {
			return aws.ToBool(v.Value)
		}
	}
	tf.t.Fatalf("DescribeVpcAttribute %s: no value", name)
	return false
}

func (tf *tf) readVPC(id string) vpcState {
	tf.t.Helper()
	vpcs, err := tf.c.DescribeVpcs(tf.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	must(tf.t, err)
	if len(vpcs.Vpcs) != 1 {
		tf.t.Fatalf("DescribeVpcs %s: %+v", id, vpcs.Vpcs)
	}
	s := vpcState{Vpc: vpcs.Vpcs[0],
		DNSHostnames: tf.vpcAttribute(id, types.VpcAttributeNameEnableDnsHostnames),
		DNSSupport:   tf.vpcAttribute(id, types.VpcAttributeNameEnableDnsSupport),
		AddrMetrics:  tf.vpcAttribute(id, types.VpcAttributeNameEnableNetworkAddressUsageMetrics)}
	acls, err := tf.c.DescribeNetworkAcls(tf.ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("default", "true"), filter("vpc-id", id)}})
	must(tf.t, err)
	if len(acls.NetworkAcls) == 1 {
		s.DefaultACL = *acls.NetworkAcls[0].NetworkAclId
	}
	tables, err := tf.c.DescribeRouteTables(tf.ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), filter("vpc-id", id)}})
	must(tf.t, err)
	if len(tables.RouteTables) == 1 {
		s.MainRouteTable = *tables.RouteTables[0].RouteTableId
	}
	groups, err := tf.c.DescribeSecurityGroups(tf.ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "default"), filter("vpc-id", id)}})
	must(tf.t, err)
	if len(groups.SecurityGroups) == 1 {
		s.DefaultSG = *groups.SecurityGroups[0].GroupId
	}
	return s
}

// deleteVPC: DeleteVpc retried on DependencyViolation, then DescribeVpcs
// until InvalidVpcID.NotFound.
func (tf *tf) deleteVPC(id string) {
	tf.t.Helper()
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.DeleteVpc(tf.ctx, &ec2.DeleteVpcInput{VpcId: &id})
		return err
	}, "DependencyViolation"))
	untilNotFound(tf, "aws_vpc", "InvalidVpcID.NotFound", func() error {
		_, err := tf.c.DescribeVpcs(tf.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
		return err
	})
}

// createSubnet: CreateSubnet, the SubnetAvailable wait, the read.
func (tf *tf) createSubnet(vpc, cidr, zone string) string {
	tf.t.Helper()
	out, err := tf.c.CreateSubnet(tf.ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &cidr, AvailabilityZone: &zone,
		TagSpecifications: nameTag(types.ResourceTypeSubnet, "tf-subnet")})
	must(tf.t, err)
	id := *out.Subnet.SubnetId
	must(tf.t, ec2.NewSubnetAvailableWaiter(tf.c).Wait(tf.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}}, time.Minute))
	s := stable(tf, "aws_subnet", func() types.Subnet {
		out, err := tf.c.DescribeSubnets(tf.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		must(tf.t, err)
		return out.Subnets[0]
	})
	if *s.CidrBlock != cidr || *s.AvailabilityZone != zone || *s.VpcId != vpc || aws.ToBool(s.MapPublicIpOnLaunch) ||
		*s.AvailableIpAddressCount != 251 || *s.AvailabilityZoneId != "use1-az1" || s.PrivateDnsNameOptionsOnLaunch.HostnameType != types.HostnameTypeIpName {
		tf.t.Fatalf("aws_subnet read: %+v", s)
	}
	return id
}

// deleteSubnet: the provider first looks for lingering network interfaces
// in the subnet, then DeleteSubnet retried on DependencyViolation, then
// DescribeSubnets until InvalidSubnetID.NotFound.
func (tf *tf) deleteSubnet(id string) {
	tf.t.Helper()
	enis, err := tf.c.DescribeNetworkInterfaces(tf.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("subnet-id", id)}})
	must(tf.t, err)
	if len(enis.NetworkInterfaces) != 0 {
		tf.t.Fatalf("lingering interfaces: %+v", enis.NetworkInterfaces)
	}
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.DeleteSubnet(tf.ctx, &ec2.DeleteSubnetInput{SubnetId: &id})
		return err
	}, "DependencyViolation"))
	untilNotFound(tf, "aws_subnet", "InvalidSubnetID.NotFound", func() error {
		_, err := tf.c.DescribeSubnets(tf.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		return err
	})
}

// updateVPC replays an apply that changes aws_vpc in place: a tag renamed
// (DeleteTags of the old key, CreateTags of the new, as the provider's
// updateTags does) and enable_dns_hostnames turned off (ModifyVpcAttribute
// and its wait), then the read, stable again.
func (tf *tf) updateVPC(id string) {
	tf.t.Helper()
	_, err := tf.c.DeleteTags(tf.ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Name")}}})
	must(tf.t, err)
	_, err = tf.c.CreateTags(tf.ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}}})
	must(tf.t, err)
	_, err = tf.c.ModifyVpcAttribute(tf.ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	must(tf.t, err)
	if tf.vpcAttribute(id, types.VpcAttributeNameEnableDnsHostnames) {
		tf.t.Fatal("enableDnsHostnames still set")
	}
	s := stable(tf, "aws_vpc after update", func() vpcState { return tf.readVPC(id) })
	if s.DNSHostnames || len(s.Vpc.Tags) != 1 || *s.Vpc.Tags[0].Key != "Env" || *s.Vpc.Tags[0].Value != "dev" {
		tf.t.Fatalf("aws_vpc after update: %+v", s)
	}
}
