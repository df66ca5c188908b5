package stack

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ec2"
)

// AWS::EC2::{VPC,Subnet,InternetGateway,VPCGatewayAttachment}: real EC2
// objects; their Refs and GetAtts are the objects' ids and attributes.

// gone treats a resource already deleted as deleted: what a stack's
// delete wants.
func gone(err error) error {
	if errors.Is(err, awsapi.ErrNotFound) {
		return nil
	}
	return err
}

func tagSpec(rt string, tags []ec2.Tag) []ec2.TagSpecification {
	if len(tags) == 0 {
		return nil
	}
	return []ec2.TagSpecification{{ResourceType: &rt, Tags: tags}}
}

// ---- VPC ----

type vpcProps struct {
	CidrBlock          string
	InstanceTenancy    string
	EnableDnsSupport   *bool
	EnableDnsHostnames *bool
	Tags               []ec2.Tag
}

type ec2VPC struct{ c *ec2.Control }

func (h ec2VPC) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p vpcProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	in := &ec2.CreateVpcInput{CidrBlock: &p.CidrBlock, TagSpecifications: tagSpec("vpc", p.Tags)}
	if p.InstanceTenancy != "" {
		in.InstanceTenancy = &p.InstanceTenancy
	}
	out, err := h.c.CreateVpc(ctx, in)
	if err != nil {
		return "", nil, err
	}
	id := out.Vpc.VpcId
	if err := r.Exists(id, nil); err != nil {
		return "", nil, err
	}
	if err := h.setDNS(ctx, id, p, vpcProps{}); err != nil {
		return "", nil, err
	}
	attrs, err := h.attrs(ctx, id)
	return id, attrs, err
}

// setDNS applies the DNS attributes that differ from was (AWS's defaults:
// support on, host names off, when was is zero).
func (h ec2VPC) setDNS(ctx context.Context, id string, p, was vpcProps) error {
	for _, a := range []struct {
		want, had *bool
		def       bool
		set       func(*ec2.AttributeBooleanValue) *ec2.ModifyVpcAttributeInput
	}{
		{p.EnableDnsSupport, was.EnableDnsSupport, true, func(v *ec2.AttributeBooleanValue) *ec2.ModifyVpcAttributeInput {
			return &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsSupport: v}
		}},
		{p.EnableDnsHostnames, was.EnableDnsHostnames, false, func(v *ec2.AttributeBooleanValue) *ec2.ModifyVpcAttributeInput {
			return &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsHostnames: v}
		}},
	} {
		want, had := *cmpOr(a.want, a.def), *cmpOr(a.had, a.def)
		if want == had {
			continue
		}
		if _, err := h.c.ModifyVpcAttribute(ctx, a.set(&ec2.AttributeBooleanValue{Value: &want})); err != nil {
			return err
		}
	}
	return nil
}

// attrs are the VPC's return values, read back: its block, its default
// security group and network ACL.
func (h ec2VPC) attrs(ctx context.Context, id string) (map[string]any, error) {
	vpcs, err := h.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if err != nil {
		return nil, err
	}
	v := vpcs.Vpcs[0]
	byVpc := ec2.Filter{Name: ptrTo("vpc-id"), Values: []string{id}}
	groups, err := h.c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2.Filter{byVpc, {Name: ptrTo("group-name"), Values: []string{"default"}}}})
	if err != nil {
		return nil, err
	}
	acls, err := h.c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2.Filter{byVpc, {Name: ptrTo("default"), Values: []string{"true"}}}})
	if err != nil {
		return nil, err
	}
	attrs := map[string]any{"VpcId": id, "CidrBlock": v.CidrBlock, "Ipv6CidrBlocks": []string{},
		"CidrBlockAssociations": []string{v.CidrBlockAssociationSet[0].AssociationId}}
	if len(groups.SecurityGroups) == 1 {
		attrs["DefaultSecurityGroup"] = groups.SecurityGroups[0].GroupId
	}
	if len(acls.NetworkAcls) == 1 {
		attrs["DefaultNetworkAcl"] = acls.NetworkAcls[0].NetworkAclId
	}
	return attrs, nil
}

// Update: the block and tenancy replace the VPC; DNS attributes and tags
// change in place.
func (h ec2VPC) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was vpcProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.CidrBlock != was.CidrBlock || p.InstanceTenancy != was.InstanceTenancy {
		return nil, ErrReplace
	}
	if err := h.setDNS(ctx, r.PhysicalID, p, was); err != nil {
		return nil, err
	}
	if err := syncTags(ctx, h.c, r.PhysicalID, p.Tags, was.Tags); err != nil {
		return nil, err
	}
	return h.attrs(ctx, r.PhysicalID)
}

func (h ec2VPC) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &r.PhysicalID})
	return gone(err)
}

// ---- Subnet ----

type subnetProps struct {
	VpcId               string
	CidrBlock           string
	AvailabilityZone    string
	AvailabilityZoneId  string
	MapPublicIpOnLaunch *bool
	Tags                []ec2.Tag
}

type ec2Subnet struct{ c *ec2.Control }

func (h ec2Subnet) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p subnetProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	in := &ec2.CreateSubnetInput{VpcId: &p.VpcId, CidrBlock: &p.CidrBlock, TagSpecifications: tagSpec("subnet", p.Tags)}
	if p.AvailabilityZone != "" {
		in.AvailabilityZone = &p.AvailabilityZone
	}
	if p.AvailabilityZoneId != "" {
		in.AvailabilityZoneId = &p.AvailabilityZoneId
	}
	out, err := h.c.CreateSubnet(ctx, in)
	if err != nil {
		return "", nil, err
	}
	id := out.Subnet.SubnetId
	if err := r.Exists(id, nil); err != nil {
		return "", nil, err
	}
	if isSet(p.MapPublicIpOnLaunch) {
		if err := h.mapPublicIP(ctx, id, true); err != nil {
			return "", nil, err
		}
	}
	attrs, err := h.attrs(ctx, out.Subnet)
	return id, attrs, err
}

func isSet(b *bool) bool { return b != nil && *b }

func (h ec2Subnet) mapPublicIP(ctx context.Context, id string, on bool) error {
	_, err := h.c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &id, MapPublicIpOnLaunch: &ec2.AttributeBooleanValue{Value: &on}})
	return err
}

// attrs are the subnet's return values, with its association to its
// VPC's network ACL.
func (h ec2Subnet) attrs(ctx context.Context, s *ec2.Subnet) (map[string]any, error) {
	acls, err := h.c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2.Filter{{Name: ptrTo("association.subnet-id"), Values: []string{s.SubnetId}}}})
	if err != nil {
		return nil, err
	}
	attrs := map[string]any{"SubnetId": s.SubnetId, "VpcId": s.VpcId, "CidrBlock": s.CidrBlock, "AvailabilityZone": s.AvailabilityZone,
		"AvailabilityZoneId": s.AvailabilityZoneId, "Ipv6CidrBlocks": []string{}, "OutpostArn": ""}
	for _, a := range acls.NetworkAcls {
		for _, as := range a.Associations {
			if as.SubnetId == s.SubnetId {
				attrs["NetworkAclAssociationId"] = as.NetworkAclAssociationId
			}
		}
	}
	return attrs, nil
}

// Update: MapPublicIpOnLaunch and tags change in place; the rest replaces.
func (h ec2Subnet) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was subnetProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.VpcId != was.VpcId || p.CidrBlock != was.CidrBlock || p.AvailabilityZone != was.AvailabilityZone || p.AvailabilityZoneId != was.AvailabilityZoneId {
		return nil, ErrReplace
	}
	if isSet(p.MapPublicIpOnLaunch) != isSet(was.MapPublicIpOnLaunch) {
		if err := h.mapPublicIP(ctx, r.PhysicalID, isSet(p.MapPublicIpOnLaunch)); err != nil {
			return nil, err
		}
	}
	if err := syncTags(ctx, h.c, r.PhysicalID, p.Tags, was.Tags); err != nil {
		return nil, err
	}
	out, err := h.c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{r.PhysicalID}})
	if err != nil {
		return nil, err
	}
	return h.attrs(ctx, &out.Subnets[0])
}

func (h ec2Subnet) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &r.PhysicalID})
	return gone(err)
}

// ---- InternetGateway ----

type ec2InternetGateway struct{ c *ec2.Control }

type tagsProps struct{ Tags []ec2.Tag }

func (h ec2InternetGateway) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p tagsProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tagSpec("internet-gateway", p.Tags)})
	if err != nil {
		return "", nil, err
	}
	id := out.InternetGateway.InternetGatewayId
	return id, map[string]any{"InternetGatewayId": id}, nil
}

func (h ec2InternetGateway) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	return retagged(ctx, h.c, r, old)
}

func (h ec2InternetGateway) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &r.PhysicalID})
	return gone(err)
}

// retagged updates a resource whose only property that changes in place
// is Tags.
func retagged(ctx context.Context, c *ec2.Control, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was tagsProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if err := syncTags(ctx, c, r.PhysicalID, p.Tags, was.Tags); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

// ---- VPCGatewayAttachment ----

type gatewayAttachmentProps struct {
	VpcId             string
	InternetGatewayId string
	VpnGatewayId      string
}

type ec2GatewayAttachment struct{ c *ec2.Control }

// Create attaches the gateway; the physical id is CloudFormation's
// "IGW|vpc-…".
func (h ec2GatewayAttachment) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p gatewayAttachmentProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	if p.VpnGatewayId != "" {
		return "", nil, errors.New("VpnGatewayId: Portolan does not emulate virtual private gateways")
	}
	if _, err := h.c.AttachInternetGateway(ctx, &ec2.InternetGatewayVpcInput{InternetGatewayId: &p.InternetGatewayId, VpcId: &p.VpcId}); err != nil {
		return "", nil, err
	}
	return "IGW|" + p.VpcId, map[string]any{"AttachmentType": "igw", "VpcId": p.VpcId}, nil
}

func (h ec2GatewayAttachment) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h ec2GatewayAttachment) Delete(ctx context.Context, r *Resource) error {
	var p gatewayAttachmentProps
	if err := decodeProps(r.Props, &p); err != nil {
		return err
	}
	_, err := h.c.DetachInternetGateway(ctx, &ec2.InternetGatewayVpcInput{InternetGatewayId: &p.InternetGatewayId, VpcId: &p.VpcId})
	if errors.Is(err, ec2.ErrGatewayNotAttached) {
		return nil
	}
	return gone(err)
}
