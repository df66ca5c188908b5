package ec2

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// sgRule is one rule of a group: one protocol and port range, one peer
// (an IPv4 or IPv6 block, a prefix list or a group).
type sgRule struct {
	SecurityGroupRuleId string
	IsEgress            bool
	IpProtocol          string
	FromPort, ToPort    int32
	CidrIpv4            string `json:",omitempty"`
	CidrIpv6            string `json:",omitempty"`
	PrefixListId        string `json:",omitempty"`
	ReferencedGroupId   string `json:",omitempty"`
	Description         string `json:",omitempty"`
	Tags                []Tag  `json:",omitempty"`
}

// same says whether two rules admit the same traffic (their ids and
// descriptions aside): AWS's test for a duplicate and for a revoke.
func (r sgRule) same(o sgRule) bool {
	return r.IsEgress == o.IsEgress && r.IpProtocol == o.IpProtocol && r.FromPort == o.FromPort && r.ToPort == o.ToPort &&
		r.CidrIpv4 == o.CidrIpv4 && r.CidrIpv6 == o.CidrIpv6 && r.PrefixListId == o.PrefixListId && r.ReferencedGroupId == o.ReferencedGroupId
}

// peer names the rule's peer as AWS's duplicate message does.
func (r sgRule) String() string {
	peer := firstNonEmpty(r.CidrIpv4, r.CidrIpv6, r.PrefixListId, r.ReferencedGroupId)
	proto := strings.ToUpper(r.IpProtocol)
	if proto == "-1" {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, proto, r.FromPort, r.ToPort)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// SecurityGroupRule is a rule as DescribeSecurityGroupRules reports it.
type SecurityGroupRule struct {
	SecurityGroupRuleId  string
	SecurityGroupRuleArn string
	GroupId              string
	GroupOwnerId         string
	IsEgress             bool
	IpProtocol           string
	FromPort             int32
	ToPort               int32
	CidrIpv4             string
	CidrIpv6             string
	PrefixListId         string
	ReferencedGroupInfo  *ReferencedSecurityGroup
	Description          string
	Tags                 []Tag `ec2:"tagSet"`
}

// ReferencedSecurityGroup is a rule's peer group.
type ReferencedSecurityGroup struct {
	GroupId string
	UserId  string
	VpcId   string
}

// AuthorizeSecurityGroupInput is what AuthorizeSecurityGroupIngress and
// Egress take: permissions, or the older single-permission parameters.
type AuthorizeSecurityGroupInput struct {
	DryRun            *bool
	GroupId           *string
	GroupName         *string
	IpPermissions     []IpPermission
	IpProtocol        *string
	FromPort          *int32
	ToPort            *int32
	CidrIp            *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type AuthorizeSecurityGroupOutput struct {
	Return             bool
	SecurityGroupRules []SecurityGroupRule `ec2:"securityGroupRuleSet"`
}

// RevokeSecurityGroupInput names rules by what they admit or by id.
type RevokeSecurityGroupInput struct {
	AuthorizeSecurityGroupInput
	SecurityGroupRuleIds []string `ec2:"SecurityGroupRuleId"`
}

type RevokeSecurityGroupOutput struct {
	Return bool
}

type DescribeSecurityGroupRulesInput struct {
	DryRun               *bool
	SecurityGroupRuleIds []string `ec2:"SecurityGroupRuleId"`
	Filters              []Filter `ec2:"Filter"`
	MaxResults           *int32
	NextToken            *string
}

type DescribeSecurityGroupRulesOutput struct {
	SecurityGroupRules []SecurityGroupRule `ec2:"securityGroupRuleSet"`
	NextToken          *string
}

func (c *Control) AuthorizeSecurityGroupIngress(ctx context.Context, in *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
	return c.authorize(ctx, in, false)
}

func (c *Control) AuthorizeSecurityGroupEgress(ctx context.Context, in *AuthorizeSecurityGroupInput) (*AuthorizeSecurityGroupOutput, error) {
	return c.authorize(ctx, in, true)
}

func (c *Control) RevokeSecurityGroupIngress(ctx context.Context, in *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
	return c.revoke(ctx, in, false)
}

func (c *Control) RevokeSecurityGroupEgress(ctx context.Context, in *RevokeSecurityGroupInput) (*RevokeSecurityGroupOutput, error) {
	return c.revoke(ctx, in, true)
}

// permissions are the permissions a call gives, the older parameters
// (CidrIp, IpProtocol...) as one more.
func (in *AuthorizeSecurityGroupInput) permissions() []IpPermission {
	perms := in.IpPermissions
	if in.IpProtocol != nil || in.CidrIp != nil {
		p := IpPermission{IpProtocol: in.IpProtocol, FromPort: in.FromPort, ToPort: in.ToPort}
		if in.CidrIp != nil {
			p.IpRanges = []IpRange{{CidrIp: in.CidrIp}}
		}
		perms = append(slices.Clone(perms), p)
	}
	return perms
}

// authorize adds rules to a group; one already there fails the call
// (InvalidPermission.Duplicate) and adds nothing.
func (c *Control) authorize(ctx context.Context, in *AuthorizeSecurityGroupInput, egress bool) (*AuthorizeSecurityGroupOutput, error) {
	perms := in.permissions()
	if len(perms) == 0 {
		return nil, missing("IpPermissions")
	}
	tags, err := tagsFor(in.TagSpecifications, "security-group-rule")
	if err != nil {
		return nil, err
	}
	var added []sgRule
	var group *securityGroupRecord
	err = c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.group(ctx, in.GroupId, in.GroupName)
		if err != nil {
			return store.Txn{}, err
		}
		var txn store.Txn
		added, err = c.rulesOf(ctx, &txn, g, perms, egress)
		if err != nil {
			return store.Txn{}, err
		}
		for _, r := range added {
			if i := slices.IndexFunc(g.Rules, r.same); i >= 0 {
				return store.Txn{}, ErrPermissionDuplicate.Newf("the specified rule \"%s\" already exists", r)
			}
			r.SecurityGroupRuleId, r.Tags = newID("sgr-"), tags
			g.Rules = append(g.Rules, r)
		}
		added = g.Rules[len(g.Rules)-len(added):]
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		group = g
		putIfUnchanged(&txn, kv, g)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	out := &AuthorizeSecurityGroupOutput{Return: true, SecurityGroupRules: []SecurityGroupRule{}}
	for _, r := range added {
		out.SecurityGroupRules = append(out.SecurityGroupRules, c.ruleOf(group, r))
	}
	return out, nil
}

// rulesOf splits permissions into rules, checking protocols, ports and
// peers; a peer group must exist, and txn is made to fail should it go
// meanwhile.
func (c *Control) rulesOf(ctx context.Context, txn *store.Txn, g *securityGroupRecord, perms []IpPermission, egress bool) ([]sgRule, error) {
	var out []sgRule
	for _, p := range perms {
		base, err := ruleBase(p, egress)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, r := range p.IpRanges {
			if _, ok, _ := parseCIDR(deref(r.CidrIp), 0, 32); !ok {
				return nil, invalidValue("CIDR block %s is malformed", deref(r.CidrIp))
			}
			base.CidrIpv4, base.Description = *r.CidrIp, deref(r.Description)
			out = append(out, base)
			base.CidrIpv4 = ""
		}
		for _, r := range p.Ipv6Ranges {
			if p, err := netip.ParsePrefix(deref(r.CidrIpv6)); err != nil || !p.Addr().Is6() {
				return nil, invalidValue("CIDR block %s is malformed", deref(r.CidrIpv6))
			}
			base.CidrIpv6, base.Description = *r.CidrIpv6, deref(r.Description)
			out = append(out, base)
			base.CidrIpv6 = ""
		}
		for _, r := range p.PrefixListIds {
			base.PrefixListId, base.Description = deref(r.PrefixListId), deref(r.Description)
			out = append(out, base)
			base.PrefixListId = ""
		}
		for _, pair := range p.UserIdGroupPairs {
			id := deref(pair.GroupId)
			if id != g.GroupId {
				peer, pkv, err := c.group(ctx, pair.GroupId, pair.GroupName)
				if err != nil {
					return nil, err
				}
				id = peer.GroupId
				if !slices.ContainsFunc(txn.If, func(c store.Cmp) bool { return c.Key == pkv.Key }) {
					putIfUnchanged(txn, pkv, peer) // it may not go while referred to
				}
			}
			base.ReferencedGroupId, base.Description = id, deref(pair.Description)
			out = append(out, base)
			base.ReferencedGroupId = ""
		}
		if len(out) == n {
			return nil, missing("IpPermissions peer (IpRanges, Ipv6Ranges, PrefixListIds or Groups)")
		}
	}
	return out, nil
}

// ruleBase reads a permission's protocol and ports as AWS keeps them:
// protocol names for tcp, udp, icmp and icmpv6 (their numbers too), -1
// for all; ports -1 where the protocol has none.
func ruleBase(p IpPermission, egress bool) (sgRule, error) {
	proto := strings.ToLower(deref(p.IpProtocol))
	switch proto {
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	case "58":
		proto = "icmpv6"
	case "all":
		proto = "-1"
	case "":
		return sgRule{}, missing("IpProtocol")
	}
	r := sgRule{IsEgress: egress, IpProtocol: proto, FromPort: -1, ToPort: -1}
	switch proto {
	case "tcp", "udp":
		if p.FromPort == nil || p.ToPort == nil || *p.FromPort < 0 || *p.ToPort > 65535 || *p.FromPort > *p.ToPort {
			return sgRule{}, invalidValue("Invalid value for portRange. Must specify both from and to ports with TCP/UDP, 0 to 65535, from not above to.")
		}
		r.FromPort, r.ToPort = *p.FromPort, *p.ToPort
	case "icmp", "icmpv6":
		r.FromPort, r.ToPort = deref(p.FromPort), deref(p.ToPort)
		if p.FromPort == nil {
			r.FromPort = -1
		}
		if p.ToPort == nil {
			r.ToPort = -1
		}
	case "-1":
	default:
		if n, err := strconv.Atoi(proto); err != nil || n < 0 || n > 255 {
			return sgRule{}, invalidValue("Invalid value '%s' for IP protocol. Unknown protocol.", deref(p.IpProtocol))
		}
	}
	return r, nil
}

// revoke removes rules, by id or by what they admit; one the group does
// not have fails the call and removes nothing.
func (c *Control) revoke(ctx context.Context, in *RevokeSecurityGroupInput, egress bool) (*RevokeSecurityGroupOutput, error) {
	perms := in.permissions()
	if len(perms) == 0 && len(in.SecurityGroupRuleIds) == 0 {
		return nil, missing("IpPermissions")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		g, kv, err := c.group(ctx, in.GroupId, in.GroupName)
		if err != nil {
			return store.Txn{}, err
		}
		var scratch store.Txn
		gone, err := c.rulesOf(ctx, &scratch, g, perms, egress)
		if err != nil {
			return store.Txn{}, err
		}
		for _, id := range in.SecurityGroupRuleIds {
			i := slices.IndexFunc(g.Rules, func(r sgRule) bool { return r.SecurityGroupRuleId == id && r.IsEgress == egress })
			if i < 0 {
				return store.Txn{}, ErrRuleNotFound.Newf("The security group rule ID '%s' does not exist", id)
			}
			gone = append(gone, g.Rules[i])
		}
		for _, r := range gone {
			i := slices.IndexFunc(g.Rules, r.same)
			if i < 0 {
				return store.Txn{}, ErrPermissionNotFound.Newf("The specified rule does not exist in this security group.")
			}
			g.Rules = slices.Delete(g.Rules, i, i+1)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		putIfUnchanged(&txn, kv, g)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &RevokeSecurityGroupOutput{Return: true}, nil
}

func (c *Control) ruleOf(g *securityGroupRecord, r sgRule) SecurityGroupRule {
	out := SecurityGroupRule{SecurityGroupRuleId: r.SecurityGroupRuleId, GroupId: g.GroupId, GroupOwnerId: g.OwnerId, IsEgress: r.IsEgress,
		SecurityGroupRuleArn: awsapi.ARN("ec2", c.cfg.Region, c.cfg.AccountID, "security-group-rule/"+r.SecurityGroupRuleId),
		IpProtocol:           r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIpv4: r.CidrIpv4, CidrIpv6: r.CidrIpv6,
		PrefixListId: r.PrefixListId, Description: r.Description, Tags: r.Tags}
	if out.Tags == nil {
		out.Tags = []Tag{}
	}
	if r.ReferencedGroupId != "" {
		out.ReferencedGroupInfo = &ReferencedSecurityGroup{GroupId: r.ReferencedGroupId, UserId: g.OwnerId}
	}
	return out
}

// render shows a group's rules as permissions: rules of one protocol and
// port range together, in the order they were added.
func (g *securityGroupRecord) render() SecurityGroup {
	out := g.SecurityGroup
	out.IpPermissions, out.IpPermissionsEgress = []IpPermission{}, []IpPermission{}
	for _, r := range g.Rules {
		perms := &out.IpPermissions
		if r.IsEgress {
			perms = &out.IpPermissionsEgress
		}
		i := slices.IndexFunc(*perms, func(p IpPermission) bool {
			return *p.IpProtocol == r.IpProtocol && deref(p.FromPort) == r.FromPort && deref(p.ToPort) == r.ToPort
		})
		if i < 0 {
			p := IpPermission{IpProtocol: ptr(r.IpProtocol), IpRanges: []IpRange{}, Ipv6Ranges: []Ipv6Range{}, PrefixListIds: []PrefixListId{}, UserIdGroupPairs: []UserIdGroupPair{}}
			if r.IpProtocol != "-1" { // all traffic has no ports
				p.FromPort, p.ToPort = ptr(r.FromPort), ptr(r.ToPort)
			}
			*perms = append(*perms, p)
			i = len(*perms) - 1
		}
		p := &(*perms)[i]
		desc := awsapi.StringPtr(r.Description)
		switch {
		case r.CidrIpv4 != "":
			p.IpRanges = append(p.IpRanges, IpRange{CidrIp: ptr(r.CidrIpv4), Description: desc})
		case r.CidrIpv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, Ipv6Range{CidrIpv6: ptr(r.CidrIpv6), Description: desc})
		case r.PrefixListId != "":
			p.PrefixListIds = append(p.PrefixListIds, PrefixListId{PrefixListId: ptr(r.PrefixListId), Description: desc})
		default:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, UserIdGroupPair{GroupId: ptr(r.ReferencedGroupId), UserId: ptr(g.OwnerId), Description: desc})
		}
	}
	return out
}

var ruleFilters = []string{"group-id", "security-group-rule-id", "tag-key", "tag:"}

// DescribeSecurityGroupRules lists rules by id, filtered, a page at a time.
func (c *Control) DescribeSecurityGroupRules(ctx context.Context, in *DescribeSecurityGroupRulesInput) (*DescribeSecurityGroupRulesOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(in.Filters, ruleFilters)
	if err != nil {
		return nil, err
	}
	groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
	if err != nil {
		return nil, err
	}
	var all []SecurityGroupRule
	for _, g := range groups {
		for _, r := range g.Rules {
			all = append(all, c.ruleOf(g, r))
		}
	}
	for _, id := range in.SecurityGroupRuleIds {
		if !slices.ContainsFunc(all, func(r SecurityGroupRule) bool { return r.SecurityGroupRuleId == id }) {
			return nil, ErrRuleNotFound.Newf("The security group rule ID '%s' does not exist", id)
		}
	}
	found := []SecurityGroupRule{}
	for _, r := range all {
		if len(in.SecurityGroupRuleIds) > 0 && !slices.Contains(in.SecurityGroupRuleIds, r.SecurityGroupRuleId) {
			continue
		}
		if match(func(name string) []string {
			switch name {
			case "group-id":
				return []string{r.GroupId}
			case "security-group-rule-id":
				return []string{r.SecurityGroupRuleId}
			}
			return tagFilterValues(r.Tags, name)
		}) {
			found = append(found, r)
		}
	}
	slices.SortFunc(found, func(a, b SecurityGroupRule) int { return strings.Compare(a.SecurityGroupRuleId, b.SecurityGroupRuleId) })
	page, next, err := awsapi.Paginate(describePager, found, func(r SecurityGroupRule) string { return r.SecurityGroupRuleId }, deref(in.NextToken), maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []SecurityGroupRule{}
	}
	return &DescribeSecurityGroupRulesOutput{SecurityGroupRules: page, NextToken: awsapi.StringPtr(next)}, nil
}
