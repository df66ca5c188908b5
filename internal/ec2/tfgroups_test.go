package ec2_test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func tcp(port int32, cidr string) types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []types.IpRange{{CidrIp: aws.String(cidr)}}}
}

func allTraffic() types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("-1"), FromPort: aws.Int32(0), ToPort: aws.Int32(0), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
}

// createSecurityGroup replays aws_security_group with one ingress block
// (tcp 8080 from the VPC) and one egress block (all traffic):
// CreateSecurityGroup, SecurityGroupExists, the revoke of AWS's default
// egress rule the provider always makes, then the rules of the
// configuration, and the read.
func (tf *tf) createSecurityGroup(vpc string) string {
	tf.t.Helper()
	out, err := tf.c.CreateSecurityGroup(tf.ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("tf-sg"), Description: aws.String("Managed by Terraform"),
		VpcId: &vpc, TagSpecifications: nameTag(types.ResourceTypeSecurityGroup, "tf-sg")})
	must(tf.t, err)
	id := *out.GroupId
	must(tf.t, ec2.NewSecurityGroupExistsWaiter(tf.c).Wait(tf.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}, time.Minute))
	_, err = tf.c.RevokeSecurityGroupEgress(tf.ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: []types.IpPermission{allTraffic()}})
	must(tf.t, err)
	_, err = tf.c.AuthorizeSecurityGroupIngress(tf.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []types.IpPermission{tcp(8080, "10.0.0.0/16")}})
	must(tf.t, err)
	_, err = tf.c.AuthorizeSecurityGroupEgress(tf.ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: []types.IpPermission{allTraffic()}})
	must(tf.t, err)
	g := stable(tf, "aws_security_group", func() types.SecurityGroup { return tf.readGroup(id) })
	in, eg := g.IpPermissions, g.IpPermissionsEgress
	switch {
	case *g.GroupName != "tf-sg" || *g.Description != "Managed by Terraform" || *g.VpcId != vpc:
		tf.t.Fatalf("aws_security_group read: %+v", g)
	case len(in) != 1 || *in[0].IpProtocol != "tcp" || *in[0].FromPort != 8080 || *in[0].ToPort != 8080 || *in[0].IpRanges[0].CidrIp != "10.0.0.0/16":
		tf.t.Fatalf("aws_security_group ingress: %+v", in)
	case len(eg) != 1 || *eg[0].IpProtocol != "-1" || eg[0].FromPort != nil || *eg[0].IpRanges[0].CidrIp != "0.0.0.0/0":
		tf.t.Fatalf("aws_security_group egress: %+v", eg)
	}
	return id
}

func (tf *tf) readGroup(id string) types.SecurityGroup {
	tf.t.Helper()
	out, err := tf.c.DescribeSecurityGroups(tf.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	must(tf.t, err)
	return out.SecurityGroups[0]
}

// deleteSecurityGroup: DeleteSecurityGroup retried on DependencyViolation,
// then DescribeSecurityGroups until InvalidGroup.NotFound.
func (tf *tf) deleteSecurityGroup(id string) {
	tf.t.Helper()
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.DeleteSecurityGroup(tf.ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
		return err
	}, "DependencyViolation"))
	untilNotFound(tf, "aws_security_group", "InvalidGroup.NotFound", func() error {
		_, err := tf.c.DescribeSecurityGroups(tf.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
		return err
	})
}

// sgRulePermission is the aws_security_group_rule of the designs: an
// ingress rule for tcp 443 from the VPC.
var sgRulePermission = tcp(443, "10.0.0.0/16")

// createSecurityGroupRule replays aws_security_group_rule: the group is
// read, AuthorizeSecurityGroupIngress, then the group read until the rule
// shows (the provider matches it by protocol, ports and peer), and the
// rule's id looked up with DescribeSecurityGroupRules by group.
func (tf *tf) createSecurityGroupRule(sg string) {
	tf.t.Helper()
	tf.readGroup(sg)
	_, err := tf.c.AuthorizeSecurityGroupIngress(tf.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg, IpPermissions: []types.IpPermission{sgRulePermission}})
	must(tf.t, err)
	read := func() []string {
		var found []string
		for _, p := range tf.readGroup(sg).IpPermissions {
			if *p.IpProtocol == "tcp" && *p.FromPort == 443 && *p.ToPort == 443 {
				for _, r := range p.IpRanges {
					found = append(found, *r.CidrIp)
				}
			}
		}
		rules, err := tf.c.DescribeSecurityGroupRules(tf.ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", sg)}})
		must(tf.t, err)
		for _, r := range rules.SecurityGroupRules {
			if !*r.IsEgress && *r.FromPort == 443 {
				found = append(found, *r.SecurityGroupRuleId)
			}
		}
		return found
	}
	if got := stable(tf, "aws_security_group_rule", read); len(got) != 2 || got[0] != "10.0.0.0/16" {
		tf.t.Fatalf("aws_security_group_rule read: %v", got)
	}
	// Applying the same rule again is the duplicate AWS reports.
	_, err = tf.c.AuthorizeSecurityGroupIngress(tf.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg, IpPermissions: []types.IpPermission{sgRulePermission}})
	wantCode(tf.t, err, "InvalidPermission.Duplicate")
}

// deleteSecurityGroupRule: RevokeSecurityGroupIngress with the permission.
func (tf *tf) deleteSecurityGroupRule(sg string) {
	tf.t.Helper()
	_, err := tf.c.RevokeSecurityGroupIngress(tf.ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &sg, IpPermissions: []types.IpPermission{sgRulePermission}})
	must(tf.t, err)
}

// createIngressRule replays aws_vpc_security_group_ingress_rule (tcp 5432
// from the VPC's default group, described and tagged): one
// AuthorizeSecurityGroupIngress whose answer names the rule's id, then
// DescribeSecurityGroupRules by that id.
func (tf *tf) createIngressRule(sg string) string {
	tf.t.Helper()
	peer := tf.readVPC(*tf.readGroup(sg).VpcId).DefaultSG
	out, err := tf.c.AuthorizeSecurityGroupIngress(tf.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &sg,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &peer, Description: aws.String("db")}}}},
		TagSpecifications: nameTag(types.ResourceTypeSecurityGroupRule, "tf-rule")})
	must(tf.t, err)
	if len(out.SecurityGroupRules) != 1 {
		tf.t.Fatalf("AuthorizeSecurityGroupIngress rules: %+v", out.SecurityGroupRules)
	}
	id := *out.SecurityGroupRules[0].SecurityGroupRuleId
	r := stable(tf, "aws_vpc_security_group_ingress_rule", func() types.SecurityGroupRule {
		out, err := tf.c.DescribeSecurityGroupRules(tf.ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{id}})
		must(tf.t, err)
		return out.SecurityGroupRules[0]
	})
	if *r.GroupId != sg || *r.IpProtocol != "tcp" || *r.FromPort != 5432 || *r.ReferencedGroupInfo.GroupId != peer || *r.Description != "db" ||
		len(r.Tags) != 1 || *r.SecurityGroupRuleArn == "" {
		tf.t.Fatalf("aws_vpc_security_group_ingress_rule read: %+v", r)
	}
	// While the rule refers to the default group, that group's VPC
	// cannot lose it: deleting the group it belongs to is refused too.
	_, err = tf.c.DeleteSecurityGroup(tf.ctx, &ec2.DeleteSecurityGroupInput{GroupId: &peer})
	wantCode(tf.t, err, "CannotDelete")
	return id
}

// deleteIngressRule: RevokeSecurityGroupIngress by rule id.
func (tf *tf) deleteIngressRule(sg, id string) {
	tf.t.Helper()
	_, err := tf.c.RevokeSecurityGroupIngress(tf.ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &sg, SecurityGroupRuleIds: []string{id}})
	must(tf.t, err)
	_, err = tf.c.DescribeSecurityGroupRules(tf.ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{id}})
	wantCode(tf.t, err, "InvalidSecurityGroupRuleId.NotFound")
}
