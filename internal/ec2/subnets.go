package ec2

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Subnet is a subnet as DescribeSubnets reports it.
type Subnet struct {
	SubnetId                      string
	SubnetArn                     string
	VpcId                         string
	CidrBlock                     string
	AvailabilityZone              string
	AvailabilityZoneId            string
	AvailableIpAddressCount       int32
	State                         string
	DefaultForAz                  bool
	MapPublicIpOnLaunch           bool
	MapCustomerOwnedIpOnLaunch    bool
	AssignIpv6AddressOnCreation   bool
	EnableDns64                   bool
	Ipv6Native                    bool
	OwnerId                       string
	PrivateDnsNameOptionsOnLaunch *PrivateDnsNameOptionsOnLaunch
	Tags                          []Tag `ec2:"tagSet"`
}

// PrivateDnsNameOptionsOnLaunch are the host names instances launched in
// a subnet get (stored; Portolan launches no instances).
type PrivateDnsNameOptionsOnLaunch struct {
	HostnameType                    string
	EnableResourceNameDnsARecord    bool
	EnableResourceNameDnsAAAARecord bool
}

type subnetRecord struct{ Subnet }

type CreateSubnetInput struct {
	DryRun             *bool
	VpcId              *string
	CidrBlock          *string
	AvailabilityZone   *string
	AvailabilityZoneId *string
	Ipv6CidrBlock      *string
	TagSpecifications  []TagSpecification `ec2:"TagSpecification"`
}

type CreateSubnetOutput struct{ Subnet *Subnet }

type DescribeSubnetsInput struct {
	DryRun     *bool
	SubnetIds  []string `ec2:"SubnetId"`
	Filters    []Filter `ec2:"Filter"`
	MaxResults *int32
	NextToken  *string
}

type DescribeSubnetsOutput struct {
	Subnets   []Subnet `ec2:"subnetSet"`
	NextToken *string
}

type DeleteSubnetInput struct {
	DryRun   *bool
	SubnetId *string
}

type DeleteSubnetOutput struct{}

type ModifySubnetAttributeInput struct {
	SubnetId                                *string
	MapPublicIpOnLaunch                     *AttributeBooleanValue
	AssignIpv6AddressOnCreation             *AttributeBooleanValue
	EnableDns64                             *AttributeBooleanValue
	EnableResourceNameDnsARecordOnLaunch    *AttributeBooleanValue
	EnableResourceNameDnsAAAARecordOnLaunch *AttributeBooleanValue
	PrivateDnsHostnameTypeOnLaunch          *string
	MapCustomerOwnedIpOnLaunch              *AttributeBooleanValue
}

type ModifySubnetAttributeOutput struct{}

func subnetNotFound(id string) error {
	return ErrSubnetNotFound.Newf("The subnet ID '%s' does not exist", id)
}

func (c *Control) newSubnet(id, vpcID string, cidr netip.Prefix, zone string, tags []Tag) *subnetRecord {
	return &subnetRecord{Subnet{
		SubnetId: id, SubnetArn: awsapi.ARN("ec2", c.cfg.Region, c.cfg.AccountID, "subnet/"+id), VpcId: vpcID, CidrBlock: cidr.String(),
		AvailabilityZone: zone, AvailabilityZoneId: zoneID(c.cfg.Region, zone), AvailableIpAddressCount: usableAddresses(cidr),
		State: "available", OwnerId: c.cfg.AccountID, Tags: tags,
		PrivateDnsNameOptionsOnLaunch: &PrivateDnsNameOptionsOnLaunch{HostnameType: "ip-name"},
	}}
}

// CreateSubnet makes a subnet in a VPC: its block inside the VPC's, apart
// from every other subnet's, in a zone of the region.
func (c *Control) CreateSubnet(ctx context.Context, in *CreateSubnetInput) (*CreateSubnetOutput, error) {
	switch {
	case in.VpcId == nil:
		return nil, missing("VpcId")
	case in.CidrBlock == nil:
		return nil, missing("CidrBlock")
	case in.Ipv6CidrBlock != nil:
		return nil, notEmulated("IPv6 CIDR blocks")
	}
	cidr, ok, inRange := parseCIDR(*in.CidrBlock, 16, 28)
	if !ok {
		return nil, invalidValue("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", *in.CidrBlock)
	}
	zone, err := c.subnetZone(in)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecifications, "subnet")
	if err != nil {
		return nil, err
	}
	var made *subnetRecord
	err = c.write(ctx, func() (store.Txn, error) {
		vpc, vkv, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		vpcCIDR := netip.MustParsePrefix(vpc.CidrBlock)
		if !inRange || !contains(vpcCIDR, cidr) {
			return store.Txn{}, ErrSubnetRange.Newf("The CIDR '%s' is invalid.", *in.CidrBlock)
		}
		subnets, err := listRecords[subnetRecord](ctx, c.st, subnetPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if slices.ContainsFunc(subnets, func(s *subnetRecord) bool {
			return s.VpcId == vpc.VpcId && netip.MustParsePrefix(s.CidrBlock).Overlaps(cidr)
		}) {
			return store.Txn{}, ErrSubnetConflict.Newf("The CIDR '%s' conflicts with another subnet", *in.CidrBlock)
		}
		if zone == "" { // AWS picks one: spread the VPC's subnets over the zones
			zones := availabilityZones(c.cfg.Region)
			n := 0
			for _, s := range subnets {
				if s.VpcId == vpc.VpcId {
					n++
				}
			}
			zone = zones[n%len(zones)]
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		made = c.newSubnet(newID("subnet-"), vpc.VpcId, cidr, zone, tags)
		txn := store.Txn{If: []store.Cmp{store.Absent(subnetKey(made.SubnetId))}, Then: []store.Op{store.Put(subnetKey(made.SubnetId), store.JSON(made))}}
		touch(&txn, vkv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateSubnetOutput{Subnet: &made.Subnet}, nil
}

// subnetZone is the zone a CreateSubnet names, by name or id; "" when it
// names none.
func (c *Control) subnetZone(in *CreateSubnetInput) (string, error) {
	zones := availabilityZones(c.cfg.Region)
	if id := deref(in.AvailabilityZoneId); id != "" {
		for _, z := range zones {
			if zoneID(c.cfg.Region, z) == id && (in.AvailabilityZone == nil || *in.AvailabilityZone == z) {
				return z, nil
			}
		}
		return "", invalidValue("Value (%s) for parameter availabilityZoneId is invalid.", id)
	}
	z := deref(in.AvailabilityZone)
	if z != "" && !slices.Contains(zones, z) {
		return "", invalidValue("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
			z, strings.Join(zones, ", "))
	}
	return z, nil
}

// subnet reads a subnet's record; nil when there is none.
func (c *Control) subnet(ctx context.Context, id string) (*subnetRecord, store.KV, error) {
	return getRecord[subnetRecord](ctx, c.st, subnetKey(id))
}

func (c *Control) existingSubnet(ctx context.Context, id string) (*subnetRecord, store.KV, error) {
	if !validID(id, "subnet-") {
		return nil, store.KV{}, ErrSubnetIDMalformed.Newf("Invalid id: \"%s\"", id)
	}
	r, kv, err := c.subnet(ctx, id)
	if err == nil && r == nil {
		err = subnetNotFound(id)
	}
	return r, kv, err
}

var subnetFilters = []string{"subnet-id", "vpc-id", "availability-zone", "availabilityZone", "availability-zone-id", "cidr-block", "cidr", "cidrBlock",
	"default-for-az", "defaultForAz", "map-public-ip-on-launch", "state", "owner-id", "subnet-arn", "available-ip-address-count", "tag-key", "tag:"}

func subnetFilterValues(r *subnetRecord, name string) []string {
	switch name {
	case "subnet-id":
		return []string{r.SubnetId}
	case "vpc-id":
		return []string{r.VpcId}
	case "availability-zone", "availabilityZone":
		return []string{r.AvailabilityZone}
	case "availability-zone-id":
		return []string{r.AvailabilityZoneId}
	case "cidr-block", "cidr", "cidrBlock":
		return []string{r.CidrBlock}
	case "default-for-az", "defaultForAz":
		return boolValues(r.DefaultForAz)
	case "map-public-ip-on-launch":
		return boolValues(r.MapPublicIpOnLaunch)
	case "state":
		return []string{r.State}
	case "owner-id":
		return []string{r.OwnerId}
	case "subnet-arn":
		return []string{r.SubnetArn}
	case "available-ip-address-count":
		return []string{itoa(int(r.AvailableIpAddressCount))}
	}
	return tagFilterValues(r.Tags, name)
}

// DescribeSubnets lists subnets by id, filtered, a page at a time.
func (c *Control) DescribeSubnets(ctx context.Context, in *DescribeSubnetsInput) (*DescribeSubnetsOutput, error) {
	subnets, next, err := describe(ctx, c, describer[subnetRecord, Subnet]{
		prefix: subnetPrefix, filters: subnetFilters, values: subnetFilterValues, notFound: subnetNotFound,
		id: func(r *subnetRecord) string { return r.SubnetId }, render: func(r *subnetRecord) Subnet { return r.Subnet },
	}, describeQuery{in.DryRun, in.SubnetIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeSubnetsOutput{Subnets: subnets, NextToken: next}, nil
}

// DeleteSubnet deletes a subnet and its route table association. A NAT
// gateway or a running task's network interface in it is a
// DependencyViolation.
func (c *Control) DeleteSubnet(ctx context.Context, in *DeleteSubnetInput) (*DeleteSubnetOutput, error) {
	if in.SubnetId == nil {
		return nil, missing("SubnetId")
	}
	enis, err := c.taskInterfaces(ctx)
	if err != nil {
		return nil, err
	}
	err = c.write(ctx, func() (store.Txn, error) {
		s, kv, err := c.existingSubnet(ctx, *in.SubnetId)
		if err != nil {
			return store.Txn{}, err
		}
		_, vkv, err := c.vpc(ctx, s.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		nats, err := listRecords[natGatewayRecord](ctx, c.st, natPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if slices.ContainsFunc(nats, func(n *natGatewayRecord) bool { return n.SubnetId == s.SubnetId && n.DeleteTime == nil }) ||
			slices.ContainsFunc(enis, func(e TaskInterface) bool { return e.SubnetID == s.SubnetId }) {
			return store.Txn{}, ErrDependencyViolation.Newf("The subnet '%s' has dependencies and cannot be deleted.", s.SubnetId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		touch(&txn, vkv)
		// The subnet's explicit association goes with it.
		if err := c.dropAssociations(ctx, &txn, func(a RouteTableAssociation) bool { return a.SubnetId == s.SubnetId }); err != nil {
			return store.Txn{}, err
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSubnetOutput{}, nil
}

// ModifySubnetAttribute sets a subnet's launch settings: stored and
// answered, as nothing launches instances here.
func (c *Control) ModifySubnetAttribute(ctx context.Context, in *ModifySubnetAttributeInput) (*ModifySubnetAttributeOutput, error) {
	if in.SubnetId == nil {
		return nil, missing("SubnetId")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		s, kv, err := c.existingSubnet(ctx, *in.SubnetId)
		if err != nil {
			return store.Txn{}, err
		}
		for _, a := range []struct {
			in  *AttributeBooleanValue
			out *bool
		}{
			{in.MapPublicIpOnLaunch, &s.MapPublicIpOnLaunch}, {in.EnableDns64, &s.EnableDns64},
			{in.MapCustomerOwnedIpOnLaunch, &s.MapCustomerOwnedIpOnLaunch},
			{in.EnableResourceNameDnsARecordOnLaunch, &s.PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsARecord},
			{in.EnableResourceNameDnsAAAARecordOnLaunch, &s.PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsAAAARecord},
		} {
			if a.in != nil && a.in.Value != nil {
				*a.out = *a.in.Value
			}
		}
		if in.AssignIpv6AddressOnCreation != nil && isTrue(in.AssignIpv6AddressOnCreation.Value) {
			return store.Txn{}, notEmulated("IPv6 addresses")
		}
		if t := deref(in.PrivateDnsHostnameTypeOnLaunch); t != "" {
			if t != "ip-name" && t != "resource-name" {
				return store.Txn{}, invalidValue("Value (%s) for parameter privateDnsHostnameTypeOnLaunch is invalid.", t)
			}
			s.PrivateDnsNameOptionsOnLaunch.HostnameType = t
		}
		var txn store.Txn
		putIfUnchanged(&txn, kv, s)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifySubnetAttributeOutput{}, nil
}
