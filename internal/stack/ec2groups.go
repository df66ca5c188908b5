package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/portolan/portolan/internal/ec2"
)

// AWS::EC2::{SecurityGroup,SecurityGroupIngress,SecurityGroupEgress}.

// groupRule is a rule as templates write it, inline in a group or alone.
// Its fields are values, so that == compares two rules.
type groupRule struct {
	GroupId                    string
	IpProtocol                 string
	FromPort                   int32
	ToPort                     int32
	CidrIp                     string
	CidrIpv6                   string
	SourceSecurityGroupId      string
	SourcePrefixListId         string
	DestinationSecurityGroupId string
	DestinationPrefixListId    string
	Description                string
}

// permission is the rule as the API takes it.
func (g groupRule) permission() ec2.IpPermission {
	p := ec2.IpPermission{IpProtocol: &g.IpProtocol, FromPort: &g.FromPort, ToPort: &g.ToPort}
	desc := ptrTo(g.Description)
	if g.Description == "" {
		desc = nil
	}
	switch {
	case g.CidrIp != "":
		p.IpRanges = []ec2.IpRange{{CidrIp: &g.CidrIp, Description: desc}}
	case g.CidrIpv6 != "":
		p.Ipv6Ranges = []ec2.Ipv6Range{{CidrIpv6: &g.CidrIpv6, Description: desc}}
	case g.SourcePrefixListId+g.DestinationPrefixListId != "":
		p.PrefixListIds = []ec2.PrefixListId{{PrefixListId: ptrTo(g.SourcePrefixListId + g.DestinationPrefixListId), Description: desc}}
	case g.SourceSecurityGroupId+g.DestinationSecurityGroupId != "":
		p.UserIdGroupPairs = []ec2.UserIdGroupPair{{GroupId: ptrTo(g.SourceSecurityGroupId + g.DestinationSecurityGroupId), Description: desc}}
	}
	return p
}

// ---- SecurityGroup ----

type securityGroupProps struct {
	GroupName            string
	GroupDescription     string
	VpcId                string
	SecurityGroupIngress []groupRule
	SecurityGroupEgress  []groupRule
	Tags                 []ec2.Tag
}

// egress is the group's egress rules: those given, or AWS's default
// (all traffic out) when none are.
func (p *securityGroupProps) egress() []groupRule {
	if len(p.SecurityGroupEgress) == 0 {
		return []groupRule{{IpProtocol: "-1", CidrIp: "0.0.0.0/0"}}
	}
	return p.SecurityGroupEgress
}

type ec2SecurityGroup struct{ c *ec2.Control }

func (h ec2SecurityGroup) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p securityGroupProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	if p.GroupName == "" {
		p.GroupName = generatedName(r, 255)
	}
	in := &ec2.CreateSecurityGroupInput{GroupName: &p.GroupName, Description: &p.GroupDescription, TagSpecifications: tagSpec("security-group", p.Tags)}
	if p.VpcId != "" {
		in.VpcId = &p.VpcId
	}
	out, err := h.c.CreateSecurityGroup(ctx, in)
	if err != nil {
		return "", nil, err
	}
	// Ref is the id of a group given a VpcId and the name of one in the
	// default VPC, as in CloudFormation.
	ref := out.GroupId
	if p.VpcId == "" {
		ref = p.GroupName
	}
	if err := r.Exists(ref, map[string]any{"GroupId": out.GroupId}); err != nil {
		return "", nil, err
	}
	var none securityGroupProps // a new group has the default egress rule only
	if err := h.syncRules(ctx, out.GroupId, &p, &none); err != nil {
		return "", nil, err
	}
	return ref, h.attrs(ctx, out.GroupId), nil
}

// groupID is the id of the group a resource made (its Ref may be its name).
func groupID(r *Resource) string {
	if id := str(r.Attrs, "GroupId"); id != "" {
		return id
	}
	return r.PhysicalID
}

func (h ec2SecurityGroup) attrs(ctx context.Context, id string) map[string]any {
	attrs := map[string]any{"GroupId": id}
	if out, err := h.c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}); err == nil {
		attrs["VpcId"] = out.SecurityGroups[0].VpcId
	}
	return attrs
}

// syncRules brings the group's inline rules from was's to p's: what was
// dropped is revoked, then what is new authorised.
func (h ec2SecurityGroup) syncRules(ctx context.Context, id string, p, was *securityGroupProps) error {
	for _, dir := range []struct {
		want, had []groupRule
		egress    bool
	}{{p.SecurityGroupIngress, was.SecurityGroupIngress, false}, {p.egress(), was.egress(), true}} {
		for _, g := range dir.had {
			if slices.Contains(dir.want, g) {
				continue
			}
			in := &ec2.RevokeSecurityGroupInput{AuthorizeSecurityGroupInput: ec2.AuthorizeSecurityGroupInput{GroupId: &id, IpPermissions: []ec2.IpPermission{g.permission()}}}
			revoke := h.c.RevokeSecurityGroupIngress
			if dir.egress {
				revoke = h.c.RevokeSecurityGroupEgress
			}
			if _, err := revoke(ctx, in); err != nil && !errors.Is(err, ec2.ErrPermissionNotFound) {
				return err
			}
		}
		for _, g := range dir.want {
			if slices.Contains(dir.had, g) {
				continue
			}
			in := &ec2.AuthorizeSecurityGroupInput{GroupId: &id, IpPermissions: []ec2.IpPermission{g.permission()}}
			authorize := h.c.AuthorizeSecurityGroupIngress
			if dir.egress {
				authorize = h.c.AuthorizeSecurityGroupEgress
			}
			if _, err := authorize(ctx, in); err != nil {
				return fmt.Errorf("rule %+v (egress %t): %w", g, dir.egress, err)
			}
		}
	}
	return nil
}

// Update: name, description and VPC replace the group; rules and tags
// change in place.
func (h ec2SecurityGroup) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was securityGroupProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.GroupName != was.GroupName || p.GroupDescription != was.GroupDescription || p.VpcId != was.VpcId {
		return nil, ErrReplace
	}
	id := groupID(r)
	if err := h.syncRules(ctx, id, &p, &was); err != nil {
		return nil, err
	}
	if err := syncTags(ctx, h.c, id, p.Tags, was.Tags); err != nil {
		return nil, err
	}
	return h.attrs(ctx, id), nil
}

func (h ec2SecurityGroup) Delete(ctx context.Context, r *Resource) error {
	id := groupID(r)
	_, err := h.c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
	return gone(err)
}

// ---- SecurityGroupIngress, SecurityGroupEgress ----

// ec2GroupRule is one rule of a group made on its own; its physical id is
// the rule's sgr- id. Any change makes a new rule.
type ec2GroupRule struct {
	c      *ec2.Control
	egress bool
}

func (h ec2GroupRule) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var g groupRule
	if err := decodeProps(r.Props, &g); err != nil {
		return "", nil, err
	}
	in := &ec2.AuthorizeSecurityGroupInput{GroupId: &g.GroupId, IpPermissions: []ec2.IpPermission{g.permission()}}
	if g.GroupId == "" {
		in.GroupId, in.GroupName = nil, ptrTo(str(r.Props, "GroupName"))
	}
	authorize := h.c.AuthorizeSecurityGroupIngress
	if h.egress {
		authorize = h.c.AuthorizeSecurityGroupEgress
	}
	out, err := authorize(ctx, in)
	if err != nil {
		return "", nil, err
	}
	id := out.SecurityGroupRules[0].SecurityGroupRuleId
	return id, map[string]any{"Id": id}, nil
}

func (h ec2GroupRule) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h ec2GroupRule) Delete(ctx context.Context, r *Resource) error {
	in := &ec2.RevokeSecurityGroupInput{SecurityGroupRuleIds: []string{r.PhysicalID}}
	in.GroupId = ptrTo(str(r.Props, "GroupId"))
	if *in.GroupId == "" {
		in.GroupId, in.GroupName = nil, ptrTo(str(r.Props, "GroupName"))
	}
	revoke := h.c.RevokeSecurityGroupIngress
	if h.egress {
		revoke = h.c.RevokeSecurityGroupEgress
	}
	_, err := revoke(ctx, in)
	return gone(err)
}
