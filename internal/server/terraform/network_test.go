package terraform_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// network is what the designs' VPC pieces give the rest.
type network struct {
	vpc, sg string
	subnets []string
}

func tags(rt ec2types.ResourceType, name string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// applyNetwork applies aws_vpc (DNS host names on, then the design's
// update turning on network address usage metrics), two aws_subnet in two
// zones, aws_internet_gateway, aws_route_table with a default route to
// it, two aws_route_table_association, aws_security_group with the
// design's egress and aws_security_group_rule for ingress on 8080.
func (p *plan) applyNetwork(name string) network {
	p.t.Helper()
	c := ec2.NewFromConfig(p.cfg())
	n := network{vpc: p.applyVPC(c, name)}
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		n.subnets = append(n.subnets, p.applySubnet(c, n.vpc, fmt.Sprintf("10.0.%d.0/24", i+1), az))
	}
	igw := p.applyInternetGateway(c, n.vpc)
	rtb := p.applyRouteTable(c, n.vpc, igw)
	for _, s := range n.subnets {
		p.applyRouteTableAssociation(c, rtb, s)
	}
	n.sg = p.applySecurityGroup(c, n.vpc, name)
	p.applySecurityGroupRule(c, n.sg)
	return n
}

func (p *plan) applyVPC(c *ec2.Client, name string) string {
	out := must[*ec2.CreateVpcOutput](p, "CreateVpc")(c.CreateVpc(p.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		InstanceTenancy: ec2types.TenancyDefault, TagSpecifications: tags(ec2types.ResourceTypeVpc, name)}))
	id := *out.Vpc.VpcId
	p.until("vpc available", func() (bool, error) {
		v, err := c.DescribeVpcs(p.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
		return err == nil && len(v.Vpcs) == 1 && v.Vpcs[0].State == ec2types.VpcStateAvailable, err
	})
	setAttr := func(in *ec2.ModifyVpcAttributeInput, attr ec2types.VpcAttributeName) {
		in.VpcId = &id
		must[*ec2.ModifyVpcAttributeOutput](p, "ModifyVpcAttribute")(c.ModifyVpcAttribute(p.ctx, in))
		p.until("vpc attribute "+string(attr), func() (bool, error) {
			a, err := c.DescribeVpcAttribute(p.ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: attr})
			return err == nil && (a.EnableDnsHostnames != nil && *a.EnableDnsHostnames.Value || a.EnableNetworkAddressUsageMetrics != nil && *a.EnableNetworkAddressUsageMetrics.Value), err
		})
	}
	setAttr(&ec2.ModifyVpcAttributeInput{EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}, ec2types.VpcAttributeNameEnableDnsHostnames)
	read := func() any {
		v := must[*ec2.DescribeVpcsOutput](p, "DescribeVpcs")(c.DescribeVpcs(p.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}}))
		var attrs []bool
		for _, a := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsHostnames, ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableNetworkAddressUsageMetrics} {
			o := must[*ec2.DescribeVpcAttributeOutput](p, "DescribeVpcAttribute")(c.DescribeVpcAttribute(p.ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: a}))
			for _, b := range []*ec2types.AttributeBooleanValue{o.EnableDnsHostnames, o.EnableDnsSupport, o.EnableNetworkAddressUsageMetrics} {
				if b != nil {
					attrs = append(attrs, *b.Value)
				}
			}
		}
		acl := must[*ec2.DescribeNetworkAclsOutput](p, "DescribeNetworkAcls")(c.DescribeNetworkAcls(p.ctx, &ec2.DescribeNetworkAclsInput{
			Filters: []ec2types.Filter{filter("default", "true"), filter("vpc-id", id)}}))
		rt := must[*ec2.DescribeRouteTablesOutput](p, "DescribeRouteTables")(c.DescribeRouteTables(p.ctx, &ec2.DescribeRouteTablesInput{
			Filters: []ec2types.Filter{filter("association.main", "true"), filter("vpc-id", id)}}))
		sg := must[*ec2.DescribeSecurityGroupsOutput](p, "DescribeSecurityGroups")(c.DescribeSecurityGroups(p.ctx, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{filter("group-name", "default"), filter("vpc-id", id)}}))
		if len(v.Vpcs) != 1 || len(acl.NetworkAcls) != 1 || len(rt.RouteTables) != 1 || len(sg.SecurityGroups) != 1 {
			p.t.Fatalf("vpc %s: %d vpcs, default nacl %d, main route table %d, default sg %d", id, len(v.Vpcs), len(acl.NetworkAcls), len(rt.RouteTables), len(sg.SecurityGroups))
		}
		vpc := v.Vpcs[0]
		return []any{*vpc.CidrBlock, vpc.InstanceTenancy, *vpc.DhcpOptionsId, *vpc.OwnerId, vpc.Tags, attrs,
			*acl.NetworkAcls[0].NetworkAclId, *rt.RouteTables[0].RouteTableId, *sg.SecurityGroups[0].GroupId}
	}
	p.apply("aws_vpc."+name, read, func() {
		p.retryOn("DeleteVpc", func() error { _, err := c.DeleteVpc(p.ctx, &ec2.DeleteVpcInput{VpcId: &id}); return err }, "DependencyViolation")
		p.gone("vpc", "InvalidVpcID.NotFound", func() error {
			_, err := c.DescribeVpcs(p.ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
			return err
		})
	})
	// The design's update: enable_network_address_usage_metrics = true.
	setAttr(&ec2.ModifyVpcAttributeInput{EnableNetworkAddressUsageMetrics: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		ec2types.VpcAttributeNameEnableNetworkAddressUsageMetrics)
	p.update("aws_vpc." + name)
	return id
}

func (p *plan) applySubnet(c *ec2.Client, vpc, cidr, az string) string {
	out := must[*ec2.CreateSubnetOutput](p, "CreateSubnet")(c.CreateSubnet(p.ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &cidr,
		AvailabilityZone: &az, TagSpecifications: tags(ec2types.ResourceTypeSubnet, az)}))
	id := *out.Subnet.SubnetId
	p.until("subnet available", func() (bool, error) {
		s, err := c.DescribeSubnets(p.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		return err == nil && s.Subnets[0].State == ec2types.SubnetStateAvailable, err
	})
	must[*ec2.ModifySubnetAttributeOutput](p, "ModifySubnetAttribute")(c.ModifySubnetAttribute(p.ctx, &ec2.ModifySubnetAttributeInput{
		SubnetId: &id, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	p.apply("aws_subnet."+az, func() any {
		s := must[*ec2.DescribeSubnetsOutput](p, "DescribeSubnets")(c.DescribeSubnets(p.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})).Subnets[0]
		return []any{*s.CidrBlock, *s.AvailabilityZone, *s.AvailabilityZoneId, *s.MapPublicIpOnLaunch, *s.VpcId, s.Tags, *s.SubnetArn, s.PrivateDnsNameOptionsOnLaunch}
	}, func() {
		p.retryOn("DeleteSubnet", func() error { _, err := c.DeleteSubnet(p.ctx, &ec2.DeleteSubnetInput{SubnetId: &id}); return err }, "DependencyViolation")
		p.gone("subnet", "InvalidSubnetID.NotFound", func() error {
			_, err := c.DescribeSubnets(p.ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
			return err
		})
	})
	return id
}

func (p *plan) applyInternetGateway(c *ec2.Client, vpc string) string {
	out := must[*ec2.CreateInternetGatewayOutput](p, "CreateInternetGateway")(c.CreateInternetGateway(p.ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: tags(ec2types.ResourceTypeInternetGateway, "igw")}))
	id := *out.InternetGateway.InternetGatewayId
	must[*ec2.AttachInternetGatewayOutput](p, "AttachInternetGateway")(c.AttachInternetGateway(p.ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &id, VpcId: &vpc}))
	read := func() any {
		g := must[*ec2.DescribeInternetGatewaysOutput](p, "DescribeInternetGateways")(c.DescribeInternetGateways(p.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})).InternetGateways[0]
		return []any{g.Attachments, g.Tags, *g.OwnerId}
	}
	p.until("igw attached", func() (bool, error) {
		a := read().([]any)[0].([]ec2types.InternetGatewayAttachment)
		return len(a) == 1 && a[0].State == ec2types.AttachmentStatus("available"), nil
	})
	p.apply("aws_internet_gateway.igw", read, func() {
		p.retryOn("DetachInternetGateway", func() error {
			_, err := c.DetachInternetGateway(p.ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &id, VpcId: &vpc})
			return err
		}, "DependencyViolation")
		must[*ec2.DeleteInternetGatewayOutput](p, "DeleteInternetGateway")(c.DeleteInternetGateway(p.ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &id}))
		p.gone("igw", "InvalidInternetGatewayID.NotFound", func() error {
			_, err := c.DescribeInternetGateways(p.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
			return err
		})
	})
	return id
}

func (p *plan) applyRouteTable(c *ec2.Client, vpc, igw string) string {
	out := must[*ec2.CreateRouteTableOutput](p, "CreateRouteTable")(c.CreateRouteTable(p.ctx, &ec2.CreateRouteTableInput{VpcId: &vpc,
		TagSpecifications: tags(ec2types.ResourceTypeRouteTable, "public")}))
	id := *out.RouteTable.RouteTableId
	must[*ec2.CreateRouteOutput](p, "CreateRoute")(c.CreateRoute(p.ctx, &ec2.CreateRouteInput{RouteTableId: &id, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	read := func() any {
		rt := must[*ec2.DescribeRouteTablesOutput](p, "DescribeRouteTables")(c.DescribeRouteTables(p.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})).RouteTables[0]
		return []any{rt.Routes, rt.Tags, rt.PropagatingVgws, *rt.OwnerId}
	}
	p.until("route ready", func() (bool, error) {
		for _, r := range read().([]any)[0].([]ec2types.Route) {
			if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State == ec2types.RouteStateActive {
				return true, nil
			}
		}
		return false, nil
	})
	p.apply("aws_route_table.public", read, func() {
		must[*ec2.DeleteRouteTableOutput](p, "DeleteRouteTable")(c.DeleteRouteTable(p.ctx, &ec2.DeleteRouteTableInput{RouteTableId: &id}))
		p.gone("route table", "InvalidRouteTableID.NotFound", func() error {
			_, err := c.DescribeRouteTables(p.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
			return err
		})
	})
	return id
}

func (p *plan) applyRouteTableAssociation(c *ec2.Client, rtb, subnet string) {
	out := must[*ec2.AssociateRouteTableOutput](p, "AssociateRouteTable")(c.AssociateRouteTable(p.ctx, &ec2.AssociateRouteTableInput{RouteTableId: &rtb, SubnetId: &subnet}))
	id := *out.AssociationId
	read := func() any {
		rt := must[*ec2.DescribeRouteTablesOutput](p, "DescribeRouteTables")(c.DescribeRouteTables(p.ctx, &ec2.DescribeRouteTablesInput{
			Filters: []ec2types.Filter{filter("association.route-table-association-id", id)}}))
		for _, a := range rt.RouteTables[0].Associations {
			if *a.RouteTableAssociationId == id {
				return a
			}
		}
		p.t.Fatalf("association %s not found", id)
		return nil
	}
	p.until("association associated", func() (bool, error) {
		return read().(ec2types.RouteTableAssociation).AssociationState.State == ec2types.RouteTableAssociationStateCodeAssociated, nil
	})
	p.apply("aws_route_table_association."+subnet, read, func() {
		must[*ec2.DisassociateRouteTableOutput](p, "DisassociateRouteTable")(c.DisassociateRouteTable(p.ctx, &ec2.DisassociateRouteTableInput{AssociationId: &id}))
	})
}

func (p *plan) applySecurityGroup(c *ec2.Client, vpc, name string) string {
	out := must[*ec2.CreateSecurityGroupOutput](p, "CreateSecurityGroup")(c.CreateSecurityGroup(p.ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name), Description: aws.String("Managed by Terraform"), VpcId: &vpc, TagSpecifications: tags(ec2types.ResourceTypeSecurityGroup, name)}))
	id := *out.GroupId
	allTraffic := []ec2types.IpPermission{{IpProtocol: aws.String("-1"), FromPort: aws.Int32(0), ToPort: aws.Int32(0), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	// The provider revokes the default egress rule, then authorizes the
	// egress the configuration declares (here the same, all traffic).
	must[*ec2.RevokeSecurityGroupEgressOutput](p, "RevokeSecurityGroupEgress")(c.RevokeSecurityGroupEgress(p.ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: allTraffic}))
	must[*ec2.AuthorizeSecurityGroupEgressOutput](p, "AuthorizeSecurityGroupEgress")(c.AuthorizeSecurityGroupEgress(p.ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: allTraffic}))
	p.apply("aws_security_group."+name, func() any {
		g := must[*ec2.DescribeSecurityGroupsOutput](p, "DescribeSecurityGroups")(c.DescribeSecurityGroups(p.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})).SecurityGroups[0]
		return []any{*g.GroupName, *g.Description, *g.VpcId, *g.OwnerId, g.IpPermissionsEgress, g.Tags, *g.SecurityGroupArn}
	}, func() {
		p.retryOn("DeleteSecurityGroup", func() error {
			_, err := c.DeleteSecurityGroup(p.ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
			return err
		}, "DependencyViolation")
		p.gone("security group", "InvalidGroup.NotFound", func() error {
			_, err := c.DescribeSecurityGroups(p.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
			return err
		})
	})
	return id
}

// applySecurityGroupRule: aws_security_group_rule (ingress 8080 from the
// VPC), read back from the group's permissions and its rule id.
func (p *plan) applySecurityGroupRule(c *ec2.Client, sg string) {
	perm := []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](p, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(p.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg, IpPermissions: perm}))
	p.apply("aws_security_group_rule.ingress_8080", func() any {
		g := must[*ec2.DescribeSecurityGroupsOutput](p, "DescribeSecurityGroups")(c.DescribeSecurityGroups(p.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})).SecurityGroups[0]
		rules := must[*ec2.DescribeSecurityGroupRulesOutput](p, "DescribeSecurityGroupRules")(c.DescribeSecurityGroupRules(p.ctx, &ec2.DescribeSecurityGroupRulesInput{
			Filters: []ec2types.Filter{filter("group-id", sg)}}))
		var ruleID string
		for _, r := range rules.SecurityGroupRules {
			if !*r.IsEgress && aws.ToInt32(r.FromPort) == 8080 {
				ruleID = *r.SecurityGroupRuleId
			}
		}
		if ruleID == "" || len(g.IpPermissions) != 1 {
			p.t.Fatalf("ingress rule not found: %+v %+v", g.IpPermissions, rules.SecurityGroupRules)
		}
		return []any{g.IpPermissions, ruleID}
	}, func() {
		must[*ec2.RevokeSecurityGroupIngressOutput](p, "RevokeSecurityGroupIngress")(c.RevokeSecurityGroupIngress(p.ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &sg, IpPermissions: perm}))
	})
}
