package ec2

import (
	"context"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// SecurityGroup is a group as DescribeSecurityGroups reports it: its
// rules grouped into permissions by protocol and port range, as AWS does.
type SecurityGroup struct {
	GroupId             string
	GroupName           string
	Description         string `ec2:"groupDescription"`
	VpcId               string
	OwnerId             string
	SecurityGroupArn    string
	IpPermissions       []IpPermission `ec2:"ipPermissions"`
	IpPermissionsEgress []IpPermission `ec2:"ipPermissionsEgress"`
	Tags                []Tag          `ec2:"tagSet"`
}

// IpPermission is a protocol and port range and the peers it admits.
// Requests spell its lists IpRanges.N, Groups.N...; answers ipRanges,
// groups.
type IpPermission struct {
	IpProtocol       *string
	FromPort         *int32
	ToPort           *int32
	IpRanges         []IpRange
	Ipv6Ranges       []Ipv6Range
	PrefixListIds    []PrefixListId
	UserIdGroupPairs []UserIdGroupPair `ec2:"groups"`
}

type IpRange struct {
	CidrIp      *string
	Description *string
}

type Ipv6Range struct {
	CidrIpv6    *string
	Description *string
}

type PrefixListId struct {
	PrefixListId *string
	Description  *string
}

// UserIdGroupPair is a peer security group.
type UserIdGroupPair struct {
	GroupId     *string
	GroupName   *string
	UserId      *string
	VpcId       *string
	Description *string
}

// securityGroupRecord keeps a group's rules one by one, each with its id;
// the permissions Describe shows are made from them.
type securityGroupRecord struct {
	SecurityGroup
	Rules []sgRule
}

type CreateSecurityGroupInput struct {
	DryRun            *bool
	GroupName         *string
	Description       *string `ec2:"GroupDescription"`
	VpcId             *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type CreateSecurityGroupOutput struct {
	GroupId          string
	SecurityGroupArn string
	Tags             []Tag `ec2:"tagSet"`
}

type DescribeSecurityGroupsInput struct {
	DryRun     *bool
	GroupIds   []string `ec2:"GroupId"`
	GroupNames []string `ec2:"GroupName"`
	Filters    []Filter `ec2:"Filter"`
	MaxResults *int32
	NextToken  *string
}

type DescribeSecurityGroupsOutput struct {
	SecurityGroups []SecurityGroup `ec2:"securityGroupInfo"`
	NextToken      *string
}

type DeleteSecurityGroupInput struct {
	DryRun    *bool
	GroupId   *string
	GroupName *string
}

type DeleteSecurityGroupOutput struct {
	Return  bool
	GroupId string
}

func groupNotFound(id string) error {
	return ErrGroupNotFound.Newf("The security group '%s' does not exist", id)
}

func (c *Control) newGroup(id, name, description, vpcID string, tags []Tag) *securityGroupRecord {
	g := &securityGroupRecord{SecurityGroup: SecurityGroup{GroupId: id, GroupName: name, Description: description, VpcId: vpcID,
		OwnerId: c.cfg.AccountID, SecurityGroupArn: awsapi.ARN("ec2", c.cfg.Region, c.cfg.AccountID, "security-group/"+id), Tags: tags}}
	// Every new group lets all traffic out until told otherwise.
	g.Rules = []sgRule{{SecurityGroupRuleId: newID("sgr-"), IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0"}}
	return g
}

// CreateSecurityGroup makes a group in a VPC (the default VPC without
// one), with the default egress rule. Names are unique within a VPC.
func (c *Control) CreateSecurityGroup(ctx context.Context, in *CreateSecurityGroupInput) (*CreateSecurityGroupOutput, error) {
	switch {
	case deref(in.GroupName) == "":
		return nil, missing("GroupName")
	case deref(in.Description) == "":
		return nil, missing("GroupDescription")
	case len(*in.GroupName) > 255 || len(*in.Description) > 255:
		return nil, invalidValue("Group names and descriptions are at most 255 characters")
	case *in.GroupName == "default":
		return nil, invalidValue("Cannot use reserved security group name: default")
	case strings.HasPrefix(*in.GroupName, "sg-"):
		return nil, invalidValue("Group names may not be in the format sg-*")
	}
	tags, err := tagsFor(in.TagSpecifications, "security-group")
	if err != nil {
		return nil, err
	}
	var made *securityGroupRecord
	err = c.write(ctx, func() (store.Txn, error) {
		vpcID := deref(in.VpcId)
		if vpcID == "" {
			d, err := c.defaultVpcID(ctx)
			if err != nil {
				return store.Txn{}, err
			}
			vpcID = d
		}
		_, vkv, err := c.existingVpc(ctx, vpcID)
		if err != nil {
			return store.Txn{}, err
		}
		groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		if slices.ContainsFunc(groups, func(g *securityGroupRecord) bool { return g.VpcId == vpcID && g.GroupName == *in.GroupName }) {
			return store.Txn{}, ErrGroupDuplicate.Newf("The security group '%s' already exists for VPC '%s'", *in.GroupName, vpcID)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		made = c.newGroup(newID("sg-"), *in.GroupName, *in.Description, vpcID, tags)
		txn := store.Txn{If: []store.Cmp{store.Absent(groupKey(made.GroupId))}, Then: []store.Op{store.Put(groupKey(made.GroupId), store.JSON(made))}}
		touch(&txn, vkv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateSecurityGroupOutput{GroupId: made.GroupId, SecurityGroupArn: made.SecurityGroupArn, Tags: made.Tags}, nil
}

// defaultVpcID is the account's default VPC, which calls without a VpcId
// act in; none (deleted) is AWS's VPCIdNotSpecified.
func (c *Control) defaultVpcID(ctx context.Context) (string, error) {
	vpcs, err := listRecords[vpcRecord](ctx, c.st, vpcPrefix)
	if err != nil {
		return "", err
	}
	for _, v := range vpcs {
		if v.IsDefault {
			return v.VpcId, nil
		}
	}
	return "", ErrVPCIdNotSpecified.Newf("No default VPC for this user")
}

// group finds a group by id, or by name in the default VPC.
func (c *Control) group(ctx context.Context, id, name *string) (*securityGroupRecord, store.KV, error) {
	if id != nil {
		if !validID(*id, "sg-") {
			return nil, store.KV{}, malformed(ErrGroupIDMalformed, *id)
		}
		r, kv, err := getRecord[securityGroupRecord](ctx, c.st, groupKey(*id))
		if err == nil && r == nil {
			err = groupNotFound(*id)
		}
		return r, kv, err
	}
	if name == nil {
		return nil, store.KV{}, missing("GroupId")
	}
	vpcID, err := c.defaultVpcID(ctx)
	if err != nil {
		return nil, store.KV{}, err
	}
	groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
	if err != nil {
		return nil, store.KV{}, err
	}
	for _, g := range groups {
		if g.VpcId == vpcID && g.GroupName == *name {
			return getRecord[securityGroupRecord](ctx, c.st, groupKey(g.GroupId))
		}
	}
	return nil, store.KV{}, ErrGroupNotFound.Newf("The security group '%s' does not exist in default VPC '%s'", *name, vpcID)
}

var groupFilters = []string{"group-id", "group-name", "vpc-id", "description", "owner-id", "ip-permission.protocol", "ip-permission.cidr",
	"ip-permission.from-port", "ip-permission.to-port", "ip-permission.group-id", "egress.ip-permission.protocol", "egress.ip-permission.cidr",
	"egress.ip-permission.group-id", "tag-key", "tag:"}

func groupFilterValues(r *securityGroupRecord, name string) []string {
	switch name {
	case "group-id":
		return []string{r.GroupId}
	case "group-name":
		return []string{r.GroupName}
	case "vpc-id":
		return []string{r.VpcId}
	case "description":
		return []string{r.Description}
	case "owner-id":
		return []string{r.OwnerId}
	}
	if field, ok := strings.CutPrefix(name, "ip-permission."); ok {
		return ruleValues(r.Rules, false, field)
	}
	if field, ok := strings.CutPrefix(name, "egress.ip-permission."); ok {
		return ruleValues(r.Rules, true, field)
	}
	return tagFilterValues(r.Tags, name)
}

func ruleValues(rules []sgRule, egress bool, field string) []string {
	var out []string
	for _, r := range rules {
		if r.IsEgress != egress {
			continue
		}
		switch field {
		case "protocol":
			out = append(out, r.IpProtocol)
		case "cidr":
			out = append(out, r.CidrIpv4)
		case "from-port":
			out = append(out, itoa(int(r.FromPort)))
		case "to-port":
			out = append(out, itoa(int(r.ToPort)))
		case "group-id":
			out = append(out, r.ReferencedGroupId)
		}
	}
	return out
}

// DescribeSecurityGroups lists groups by id or name, filtered, a page at
// a time.
func (c *Control) DescribeSecurityGroups(ctx context.Context, in *DescribeSecurityGroupsInput) (*DescribeSecurityGroupsOutput, error) {
	filters := in.Filters
	if len(in.GroupNames) > 0 {
		// Names name groups of the default VPC.
		vpcID, err := c.defaultVpcID(ctx)
		if err != nil {
			return nil, err
		}
		filters = append(slices.Clone(filters), Filter{Name: ptr("group-name"), Values: in.GroupNames}, Filter{Name: ptr("vpc-id"), Values: []string{vpcID}})
	}
	groups, next, err := describe(ctx, c, describer[securityGroupRecord, SecurityGroup]{
		prefix: groupPrefix, filters: groupFilters, values: groupFilterValues, notFound: groupNotFound,
		id: func(r *securityGroupRecord) string { return r.GroupId }, render: (*securityGroupRecord).render,
	}, describeQuery{in.DryRun, in.GroupIds, filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	if len(in.GroupNames) > 0 {
		for _, n := range in.GroupNames {
			if !slices.ContainsFunc(groups, func(g SecurityGroup) bool { return g.GroupName == n }) {
				return nil, ErrGroupNotFound.Newf("The security group '%s' does not exist in default VPC", n)
			}
		}
	}
	return &DescribeSecurityGroupsOutput{SecurityGroups: groups, NextToken: next}, nil
}

// DeleteSecurityGroup deletes a group. The default group cannot be; one
// that another group's rules refer to is a DependencyViolation.
func (c *Control) DeleteSecurityGroup(ctx context.Context, in *DeleteSecurityGroupInput) (*DeleteSecurityGroupOutput, error) {
	var id string
	err := c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.group(ctx, in.GroupId, in.GroupName)
		if err != nil {
			return store.Txn{}, err
		}
		id = g.GroupId
		if g.GroupName == "default" {
			return store.Txn{}, ErrCannotDelete.Newf("the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.GroupId)
		}
		groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		for _, other := range groups {
			if other.GroupId != g.GroupId && slices.ContainsFunc(other.Rules, func(r sgRule) bool { return r.ReferencedGroupId == g.GroupId }) {
				return store.Txn{}, ErrDependencyViolation.Newf("resource %s has a dependent object", g.GroupId)
			}
		}
		_, vkv, err := c.vpc(ctx, g.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		if vkv.ModRevision != 0 {
			touch(&txn, vkv)
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSecurityGroupOutput{Return: true, GroupId: id}, nil
}
