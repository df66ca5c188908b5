package ec2

import (
	"context"
	"slices"
)

// NetworkAcl is a network ACL as DescribeNetworkAcls reports it. Each VPC
// has its default one, which every subnet of the VPC is associated with:
// Portolan makes no other (CreateNetworkAcl is not emulated).
type NetworkAcl struct {
	NetworkAclId string
	VpcId        string
	IsDefault    bool `ec2:"default"`
	OwnerId      string
	Entries      []NetworkAclEntry       `ec2:"entrySet"`
	Associations []NetworkAclAssociation `ec2:"associationSet"`
	Tags         []Tag                   `ec2:"tagSet"`
}

// NetworkAclEntry is one numbered rule.
type NetworkAclEntry struct {
	RuleNumber int32
	Protocol   string
	RuleAction string
	Egress     bool
	CidrBlock  string
}

type NetworkAclAssociation struct {
	NetworkAclAssociationId string
	NetworkAclId            string
	SubnetId                string
}

type networkAclRecord struct{ NetworkAcl }

type DescribeNetworkAclsInput struct {
	DryRun        *bool
	NetworkAclIds []string `ec2:"NetworkAclId"`
	Filters       []Filter `ec2:"Filter"`
	MaxResults    *int32
	NextToken     *string
}

type DescribeNetworkAclsOutput struct {
	NetworkAcls []NetworkAcl `ec2:"networkAclSet"`
	NextToken   *string
}

// defaultACLEntries are a default ACL's rules: allow all in and out (rule
// 100), then the catch-all deny (32767).
func defaultACLEntries() []NetworkAclEntry {
	var out []NetworkAclEntry
	for _, egress := range []bool{true, false} {
		out = append(out,
			NetworkAclEntry{RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: egress, CidrBlock: "0.0.0.0/0"},
			NetworkAclEntry{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: egress, CidrBlock: "0.0.0.0/0"})
	}
	return out
}

var aclFilters = []string{"network-acl-id", "vpc-id", "default", "owner-id", "association.association-id", "association.network-acl-id",
	"association.subnet-id", "entry.rule-number", "entry.rule-action", "entry.egress", "entry.cidr", "entry.protocol", "tag-key", "tag:"}

func aclFilterValues(a *NetworkAcl, name string) []string {
	var out []string
	switch name {
	case "network-acl-id":
		return []string{a.NetworkAclId}
	case "vpc-id":
		return []string{a.VpcId}
	case "default":
		return boolValues(a.IsDefault)
	case "owner-id":
		return []string{a.OwnerId}
	}
	for _, as := range a.Associations {
		switch name {
		case "association.association-id":
			out = append(out, as.NetworkAclAssociationId)
		case "association.network-acl-id":
			out = append(out, as.NetworkAclId)
		case "association.subnet-id":
			out = append(out, as.SubnetId)
		}
	}
	for _, e := range a.Entries {
		switch name {
		case "entry.rule-number":
			out = append(out, itoa(int(e.RuleNumber)))
		case "entry.rule-action":
			out = append(out, e.RuleAction)
		case "entry.egress":
			out = append(out, boolValues(e.Egress)...)
		case "entry.cidr":
			out = append(out, e.CidrBlock)
		case "entry.protocol":
			out = append(out, e.Protocol)
		}
	}
	return append(out, tagFilterValues(a.Tags, name)...)
}

// DescribeNetworkAcls lists ACLs by id, filtered, a page at a time, each
// with its VPC's subnets associated.
func (c *Control) DescribeNetworkAcls(ctx context.Context, in *DescribeNetworkAclsInput) (*DescribeNetworkAclsOutput, error) {
	subnets, err := listRecords[subnetRecord](ctx, c.st, subnetPrefix)
	if err != nil {
		return nil, err
	}
	render := func(r *networkAclRecord) NetworkAcl {
		a := r.NetworkAcl
		a.Associations = []NetworkAclAssociation{}
		for _, s := range subnets {
			if s.VpcId == a.VpcId {
				a.Associations = append(a.Associations, NetworkAclAssociation{
					NetworkAclAssociationId: stableID("aclassoc-", a.NetworkAclId+"/"+s.SubnetId), NetworkAclId: a.NetworkAclId, SubnetId: s.SubnetId})
			}
		}
		a.Entries = slices.Clone(a.Entries)
		return a
	}
	acls, next, err := describe(ctx, c, describer[networkAclRecord, NetworkAcl]{
		prefix: aclPrefix, filters: aclFilters, render: render,
		values:   func(r *networkAclRecord, name string) []string { a := render(r); return aclFilterValues(&a, name) },
		notFound: func(id string) error { return ErrNetworkAclNotFound.Newf("The networkAcl ID '%s' does not exist", id) },
		id:       func(r *networkAclRecord) string { return r.NetworkAclId },
	}, describeQuery{in.DryRun, in.NetworkAclIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeNetworkAclsOutput{NetworkAcls: acls, NextToken: next}, nil
}
