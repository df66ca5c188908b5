package ec2

import (
	"context"
	"net/netip"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// Vpc is a VPC as DescribeVpcs reports it.
type Vpc struct {
	VpcId                   string
	CidrBlock               string
	State                   string
	DhcpOptionsId           string
	InstanceTenancy         string
	IsDefault               bool
	OwnerId                 string
	CidrBlockAssociationSet []VpcCidrBlockAssociation `ec2:"cidrBlockAssociationSet"`
	Tags                    []Tag                     `ec2:"tagSet"`
}

// VpcCidrBlockAssociation is one of a VPC's IPv4 blocks (Portolan's VPCs
// have the one they were made with).
type VpcCidrBlockAssociation struct {
	AssociationId  string
	CidrBlock      string
	CidrBlockState *CidrBlockState
}

// CidrBlockState is an association's state.
type CidrBlockState struct{ State string }

// vpcRecord is a VPC, its attributes and the objects made with it.
type vpcRecord struct {
	Vpc
	EnableDnsSupport                 bool
	EnableDnsHostnames               bool
	EnableNetworkAddressUsageMetrics bool
	DefaultSecurityGroupId           string
	MainRouteTableId                 string
	DefaultNetworkAclId              string
}

type CreateVpcInput struct {
	DryRun                      *bool
	CidrBlock                   *string
	InstanceTenancy             *string
	AmazonProvidedIpv6CidrBlock *bool
	Ipv4IpamPoolId              *string
	TagSpecifications           []TagSpecification `ec2:"TagSpecification"`
}

type CreateVpcOutput struct{ Vpc *Vpc }

type DescribeVpcsInput struct {
	DryRun     *bool
	VpcIds     []string `ec2:"VpcId"`
	Filters    []Filter `ec2:"Filter"`
	MaxResults *int32
	NextToken  *string
}

type DescribeVpcsOutput struct {
	Vpcs      []Vpc `ec2:"vpcSet"`
	NextToken *string
}

type DeleteVpcInput struct {
	DryRun *bool
	VpcId  *string
}

type DeleteVpcOutput struct{}

// AttributeBooleanValue is a boolean attribute (Name.Value=true).
type AttributeBooleanValue struct{ Value *bool }

type DescribeVpcAttributeInput struct {
	DryRun    *bool
	VpcId     *string
	Attribute *string
}

type DescribeVpcAttributeOutput struct {
	VpcId                            string
	EnableDnsSupport                 *AttributeBooleanValue
	EnableDnsHostnames               *AttributeBooleanValue
	EnableNetworkAddressUsageMetrics *AttributeBooleanValue
}

type ModifyVpcAttributeInput struct {
	DryRun                           *bool
	VpcId                            *string
	EnableDnsSupport                 *AttributeBooleanValue
	EnableDnsHostnames               *AttributeBooleanValue
	EnableNetworkAddressUsageMetrics *AttributeBooleanValue
}

type ModifyVpcAttributeOutput struct{}

func vpcNotFound(id string) error {
	return ErrVpcNotFound.Newf("The vpc ID '%s' does not exist", id)
}

// CreateVpc makes a VPC with what AWS makes with it: its default security
// group, main route table and default network ACL.
func (c *Control) CreateVpc(ctx context.Context, in *CreateVpcInput) (*CreateVpcOutput, error) {
	if in.CidrBlock == nil {
		if in.Ipv4IpamPoolId != nil {
			return nil, notEmulated("IPAM pools")
		}
		return nil, missing("CidrBlock")
	}
	cidr, ok, inRange := parseCIDR(*in.CidrBlock, 16, 28)
	switch {
	case !ok:
		return nil, invalidValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", *in.CidrBlock)
	case !inRange:
		return nil, ErrVpcRange.Newf("The CIDR '%s' is invalid.", *in.CidrBlock)
	case isTrue(in.AmazonProvidedIpv6CidrBlock):
		return nil, notEmulated("IPv6 CIDR blocks")
	}
	tenancy := deref(in.InstanceTenancy)
	if tenancy == "" {
		tenancy = "default"
	}
	if tenancy != "default" && tenancy != "dedicated" {
		return nil, invalidValue("Value (%s) for parameter instanceTenancy is invalid. Valid values: default, dedicated", tenancy)
	}
	tags, err := tagsFor(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	r := c.newVpc(newID("vpc-"), cidr, tenancy, tags)
	var txn store.Txn
	c.addVpcObjects(&txn, r, newID("sg-"), newID("rtb-"), newID("acl-"))
	if err := c.write(ctx, func() (store.Txn, error) { return txn, nil }); err != nil {
		return nil, err
	}
	out := r.Vpc
	out.State = "pending" // as CreateVpc answers; it is available at once
	return &CreateVpcOutput{Vpc: &out}, nil
}

func (c *Control) newVpc(id string, cidr netip.Prefix, tenancy string, tags []Tag) *vpcRecord {
	return &vpcRecord{Vpc: Vpc{
		VpcId: id, CidrBlock: cidr.String(), State: "available", DhcpOptionsId: stableID("dopt-", c.cfg.AccountID+"/"+c.cfg.Region),
		InstanceTenancy: tenancy, OwnerId: c.cfg.AccountID, Tags: tags,
		CidrBlockAssociationSet: []VpcCidrBlockAssociation{{AssociationId: stableID("vpc-cidr-assoc-", id), CidrBlock: cidr.String(), CidrBlockState: &CidrBlockState{State: "associated"}}},
	}, EnableDnsSupport: true}
}

// addVpcObjects adds to txn the VPC and what comes with it, with the ids
// given: its default security group (all traffic from itself in, all
// out), main route table (the local route) and default network ACL.
func (c *Control) addVpcObjects(txn *store.Txn, r *vpcRecord, sgID, rtbID, aclID string) {
	r.DefaultSecurityGroupId, r.MainRouteTableId, r.DefaultNetworkAclId = sgID, rtbID, aclID
	sg := c.newGroup(sgID, "default", "default VPC security group", r.VpcId, []Tag{})
	sg.Rules = append(sg.Rules, sgRule{SecurityGroupRuleId: newID("sgr-"), IpProtocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupId: sgID})
	rtb := &routeTableRecord{RouteTable: RouteTable{RouteTableId: rtbID, VpcId: r.VpcId, OwnerId: c.cfg.AccountID, Tags: []Tag{},
		Routes: []Route{{DestinationCidrBlock: r.CidrBlock, GatewayId: "local", State: "active", Origin: "CreateRouteTable"}},
		Associations: []RouteTableAssociation{{RouteTableAssociationId: newID("rtbassoc-"), RouteTableId: rtbID, Main: true,
			AssociationState: &AssociationState{State: "associated"}}},
	}}
	acl := &networkAclRecord{NetworkAcl: NetworkAcl{NetworkAclId: aclID, VpcId: r.VpcId, IsDefault: true, OwnerId: c.cfg.AccountID,
		Entries: defaultACLEntries(), Tags: []Tag{}}}
	txn.If = append(txn.If, store.Absent(vpcKey(r.VpcId)))
	txn.Then = append(txn.Then,
		store.Put(vpcKey(r.VpcId), store.JSON(r)),
		store.Put(groupKey(sgID), store.JSON(sg)),
		store.Put(rtbKey(rtbID), store.JSON(rtb)),
		store.Put(aclKey(aclID), store.JSON(acl)))
}

// vpc reads a VPC's record; nil when there is none.
func (c *Control) vpc(ctx context.Context, id string) (*vpcRecord, store.KV, error) {
	return getRecord[vpcRecord](ctx, c.st, vpcKey(id))
}

// existingVpc reads a VPC that must exist.
func (c *Control) existingVpc(ctx context.Context, id string) (*vpcRecord, store.KV, error) {
	if !validID(id, "vpc-") {
		return nil, store.KV{}, ErrVpcIDMalformed.Newf("Invalid id: \"%s\"", id)
	}
	r, kv, err := c.vpc(ctx, id)
	if err == nil && r == nil {
		err = vpcNotFound(id)
	}
	return r, kv, err
}

var vpcFilters = []string{"vpc-id", "cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
	"cidr-block-association.state", "dhcp-options-id", "is-default", "owner-id", "state", "instance-tenancy", "tag-key", "tag:"}

func vpcFilterValues(r *vpcRecord, name string) []string {
	switch name {
	case "vpc-id":
		return []string{r.VpcId}
	case "cidr", "cidr-block-association.cidr-block":
		return []string{r.CidrBlock}
	case "cidr-block-association.association-id":
		return []string{r.CidrBlockAssociationSet[0].AssociationId}
	case "cidr-block-association.state":
		return []string{"associated"}
	case "dhcp-options-id":
		return []string{r.DhcpOptionsId}
	case "is-default":
		return boolValues(r.IsDefault)
	case "owner-id":
		return []string{r.OwnerId}
	case "state":
		return []string{r.State}
	case "instance-tenancy":
		return []string{r.InstanceTenancy}
	}
	return tagFilterValues(r.Tags, name)
}

// DescribeVpcs lists VPCs by id, filtered, a page at a time.
func (c *Control) DescribeVpcs(ctx context.Context, in *DescribeVpcsInput) (*DescribeVpcsOutput, error) {
	vpcs, next, err := describe(ctx, c, describer[vpcRecord, Vpc]{
		prefix: vpcPrefix, filters: vpcFilters, values: vpcFilterValues, notFound: vpcNotFound,
		id: func(r *vpcRecord) string { return r.VpcId }, render: func(r *vpcRecord) Vpc { return r.Vpc },
	}, describeQuery{in.DryRun, in.VpcIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeVpcsOutput{Vpcs: vpcs, NextToken: next}, nil
}

// DeleteVpc deletes a VPC and what came with it. Anything else still in
// it (subnets, an attached internet gateway, security groups, route
// tables, endpoints) is a DependencyViolation, as on AWS.
func (c *Control) DeleteVpc(ctx context.Context, in *DeleteVpcInput) (*DeleteVpcOutput, error) {
	if in.VpcId == nil {
		return nil, missing("VpcId")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		r, kv, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if busy, err := c.vpcInUse(ctx, r); err != nil || busy {
			if busy {
				err = ErrDependencyViolation.Newf("The vpc '%s' has dependencies and cannot be deleted.", r.VpcId)
			}
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		txn.Then = append(txn.Then, store.Delete(groupKey(r.DefaultSecurityGroupId)), store.Delete(rtbKey(r.MainRouteTableId)), store.Delete(aclKey(r.DefaultNetworkAclId)))
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteVpcOutput{}, nil
}

// vpcInUse says whether anything but the objects made with the VPC is in
// it. Every such object's creation touches the VPC's record, so what this
// reads cannot change before a delete conditioned on that record commits.
func (c *Control) vpcInUse(ctx context.Context, r *vpcRecord) (bool, error) {
	subnets, err := listRecords[subnetRecord](ctx, c.st, subnetPrefix)
	if err != nil || slices.ContainsFunc(subnets, func(s *subnetRecord) bool { return s.VpcId == r.VpcId }) {
		return err == nil, err
	}
	igws, err := listRecords[internetGatewayRecord](ctx, c.st, igwPrefix)
	if err != nil || slices.ContainsFunc(igws, func(g *internetGatewayRecord) bool { return g.attachedTo(r.VpcId) }) {
		return err == nil, err
	}
	groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
	if err != nil || slices.ContainsFunc(groups, func(g *securityGroupRecord) bool { return g.VpcId == r.VpcId && g.GroupId != r.DefaultSecurityGroupId }) {
		return err == nil, err
	}
	tables, err := listRecords[routeTableRecord](ctx, c.st, rtbPrefix)
	if err != nil || slices.ContainsFunc(tables, func(t *routeTableRecord) bool { return t.VpcId == r.VpcId && t.RouteTableId != r.MainRouteTableId }) {
		return err == nil, err
	}
	endpoints, err := c.endpoints(ctx)
	return err == nil && slices.ContainsFunc(endpoints, func(e *endpointRecord) bool { return e.VpcId == r.VpcId }), err
}

// DescribeVpcAttribute answers one of a VPC's DNS attributes.
func (c *Control) DescribeVpcAttribute(ctx context.Context, in *DescribeVpcAttributeInput) (*DescribeVpcAttributeOutput, error) {
	switch {
	case in.VpcId == nil:
		return nil, missing("VpcId")
	case in.Attribute == nil:
		return nil, missing("Attribute")
	}
	r, _, err := c.existingVpc(ctx, *in.VpcId)
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	out := &DescribeVpcAttributeOutput{VpcId: r.VpcId}
	switch *in.Attribute {
	case "enableDnsSupport":
		out.EnableDnsSupport = &AttributeBooleanValue{Value: &r.EnableDnsSupport}
	case "enableDnsHostnames":
		out.EnableDnsHostnames = &AttributeBooleanValue{Value: &r.EnableDnsHostnames}
	case "enableNetworkAddressUsageMetrics":
		out.EnableNetworkAddressUsageMetrics = &AttributeBooleanValue{Value: &r.EnableNetworkAddressUsageMetrics}
	default:
		return nil, invalidValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", *in.Attribute)
	}
	return out, nil
}

// ModifyVpcAttribute sets one of a VPC's DNS attributes (one per call, as
// on AWS).
func (c *Control) ModifyVpcAttribute(ctx context.Context, in *ModifyVpcAttributeInput) (*ModifyVpcAttributeOutput, error) {
	if in.VpcId == nil {
		return nil, missing("VpcId")
	}
	var set []*AttributeBooleanValue
	for _, a := range []*AttributeBooleanValue{in.EnableDnsSupport, in.EnableDnsHostnames, in.EnableNetworkAddressUsageMetrics} {
		if a != nil {
			if a.Value == nil {
				return nil, missing("Value")
			}
			set = append(set, a)
		}
	}
	if len(set) != 1 {
		return nil, ErrInvalidParameterCombination.Newf("Fields for multiple attribute types specified: give exactly one attribute")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		r, kv, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		switch {
		case in.EnableDnsSupport != nil:
			r.EnableDnsSupport = *in.EnableDnsSupport.Value
		case in.EnableDnsHostnames != nil:
			r.EnableDnsHostnames = *in.EnableDnsHostnames.Value
		default:
			r.EnableNetworkAddressUsageMetrics = *in.EnableNetworkAddressUsageMetrics.Value
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		putIfUnchanged(&txn, kv, r)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyVpcAttributeOutput{}, nil
}

// notEmulated refuses a feature Portolan does not have.
func notEmulated(what string) error {
	return ErrUnsupportedOperation.Newf("Portolan does not emulate %s", what)
}
