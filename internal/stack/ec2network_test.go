package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
	"github.com/portolan/portolan/internal/stack"
)

// networkTemplate is a public and a private subnet with an internet
// gateway and a NAT gateway, a security group with inline and separate
// rules, and a peered second VPC: every AWS::EC2 type CDK's Vpc and
// SecurityGroup constructs synthesize.
const networkTemplate = `
Parameters:
  Port: {Type: String, Default: "443"}
  Team: {Type: String, Default: core}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.10.0.0/16, EnableDnsHostnames: true, Tags: [{Key: team, Value: {Ref: Team}}]}
  Public: {Type: AWS::EC2::Subnet, Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.10.0.0/24, AvailabilityZone: {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, MapPublicIpOnLaunch: true}}
  Private: {Type: AWS::EC2::Subnet, Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.10.1.0/24, AvailabilityZone: {"Fn::Select": [1, {"Fn::GetAZs": ""}]}}}
  Igw: {Type: AWS::EC2::InternetGateway}
  Attach: {Type: AWS::EC2::VPCGatewayAttachment, Properties: {VpcId: {Ref: Vpc}, InternetGatewayId: {Ref: Igw}}}
  PublicRoutes: {Type: AWS::EC2::RouteTable, Properties: {VpcId: {Ref: Vpc}}}
  PublicDefault:
    Type: AWS::EC2::Route
    DependsOn: Attach
    Properties: {RouteTableId: {Ref: PublicRoutes}, DestinationCidrBlock: 0.0.0.0/0, GatewayId: {Ref: Igw}}
  PublicAssoc: {Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {RouteTableId: {Ref: PublicRoutes}, SubnetId: {Ref: Public}}}
  Eip: {Type: AWS::EC2::EIP, Properties: {Domain: vpc}}
  Nat:
    Type: AWS::EC2::NatGateway
    DependsOn: PublicDefault
    Properties: {SubnetId: {Ref: Public}, AllocationId: {"Fn::GetAtt": [Eip, AllocationId]}}
  PrivateRoutes: {Type: AWS::EC2::RouteTable, Properties: {VpcId: {Ref: Vpc}}}
  PrivateDefault: {Type: AWS::EC2::Route, Properties: {RouteTableId: {Ref: PrivateRoutes}, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: {Ref: Nat}}}
  PrivateAssoc: {Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {RouteTableId: {Ref: PrivateRoutes}, SubnetId: {Ref: Private}}}
  Lb:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: load balancer
      VpcId: {Ref: Vpc}
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: {Ref: Port}, ToPort: {Ref: Port}, CidrIp: 0.0.0.0/0}]
      SecurityGroupEgress: [{IpProtocol: "-1", CidrIp: 0.0.0.0/0, Description: all out}]
  App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: app, VpcId: {Ref: Vpc}}}
  AppFromLb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: {"Fn::GetAtt": [App, GroupId]}, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: {"Fn::GetAtt": [Lb, GroupId]}}
  AppToDb:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: {"Fn::GetAtt": [App, GroupId]}, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.20.0.0/16}
  Other: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.20.0.0/16}}
  Peering: {Type: AWS::EC2::VPCPeeringConnection, Properties: {VpcId: {Ref: Vpc}, PeerVpcId: {Ref: Other}}}
  ToOther: {Type: AWS::EC2::Route, Properties: {RouteTableId: {Ref: PrivateRoutes}, DestinationCidrBlock: 10.20.0.0/16, VpcPeeringConnectionId: {Ref: Peering}}}
Outputs:
  Vpc: {Value: {Ref: Vpc}}
  Cidr: {Value: {"Fn::GetAtt": [Vpc, CidrBlock]}}
  DefaultGroup: {Value: {"Fn::GetAtt": [Vpc, DefaultSecurityGroup]}}
  DefaultAcl: {Value: {"Fn::GetAtt": [Vpc, DefaultNetworkAcl]}}
  Zone: {Value: {"Fn::GetAtt": [Private, AvailabilityZone]}}
  SubnetVpc: {Value: {"Fn::GetAtt": [Private, VpcId]}}
  LbGroup: {Value: {"Fn::GetAtt": [Lb, GroupId]}}
  LbVpc: {Value: {"Fn::GetAtt": [Lb, VpcId]}}
  Eip: {Value: {Ref: Eip}}
  Nat: {Value: {Ref: Nat}}
`

// TestNetworkResources deploys the network, checks every Ref and GetAtt
// against what EC2 describes, updates a rule and a tag in place, and
// destroys it all, leaving only the default VPC.
func TestNetworkResources(t *testing.T) {
	e := ec2test.Start(t)
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: ec2test.AccountID, Store: e.Store, EC2: e.Control})
	ctx, c := context.Background(), e.Client()
	before, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	deploy := func(params map[string]string) *stack.Stack {
		t.Helper()
		var events []stack.Event
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "net", Template: []byte(networkTemplate), Parameters: params}, func(ev stack.Event) { events = append(events, ev) })
		if err != nil {
			t.Fatalf("deploy: %v\n%v", err, events)
		}
		return st
	}
	st := deploy(nil)
	if len(st.NotEmulated) != 0 {
		t.Fatalf("not emulated: %v", st.NotEmulated)
	}
	out := outputs(st)
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{out["Vpc"]}}}})
	must(t, err)
	ids := map[string]types.SecurityGroup{}
	for _, g := range groups.SecurityGroups {
		ids[*g.GroupId] = g
	}
	switch {
	case out["Cidr"] != "10.10.0.0/16" || out["Zone"] != "us-east-1b" || out["SubnetVpc"] != out["Vpc"] || out["LbVpc"] != out["Vpc"]:
		t.Fatalf("outputs %v", out)
	case *ids[out["DefaultGroup"]].GroupName != "default" || len(groups.SecurityGroups) != 3 || !strings.HasPrefix(out["DefaultAcl"], "acl-"):
		t.Fatalf("default group %s of %+v", out["DefaultGroup"], groups.SecurityGroups)
	}
	lb := ids[out["LbGroup"]]
	if len(lb.IpPermissions) != 1 || *lb.IpPermissions[0].FromPort != 443 || len(lb.IpPermissionsEgress) != 1 || *lb.IpPermissionsEgress[0].IpRanges[0].Description != "all out" {
		t.Fatalf("Lb rules %+v %+v", lb.IpPermissions, lb.IpPermissionsEgress)
	}
	tables, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: aws.String("route.nat-gateway-id"), Values: []string{out["Nat"]}}}})
	must(t, err)
	if len(tables.RouteTables) != 1 || len(tables.RouteTables[0].Routes) != 3 || tables.RouteTables[0].Routes[2].State != types.RouteStateActive {
		t.Fatalf("private routes %+v", tables.RouteTables)
	}
	addrs, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{out["Eip"]}})
	must(t, err)
	if len(addrs.Addresses) != 1 || addrs.Addresses[0].AssociationId == nil {
		t.Fatalf("Elastic IP %+v", addrs.Addresses)
	}

	st = deploy(map[string]string{"Port": "8443", "Team": "edge"})
	if outputs(st)["Vpc"] != out["Vpc"] || outputs(st)["LbGroup"] != out["LbGroup"] {
		t.Fatalf("the update replaced the VPC or group: %v, was %v", outputs(st), out)
	}
	g, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{out["LbGroup"]}})
	must(t, err)
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{out["Vpc"]}})
	must(t, err)
	if p := g.SecurityGroups[0].IpPermissions; len(p) != 1 || *p[0].FromPort != 8443 || *vpcs.Vpcs[0].Tags[0].Value != "edge" {
		t.Fatalf("after update: rules %+v, tags %+v", p, vpcs.Vpcs[0].Tags)
	}

	if err := d.Destroy(ctx, "net", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	after, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	left, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	must(t, err)
	if len(after.Vpcs) != len(before.Vpcs) || len(left.Addresses) != 0 {
		t.Fatalf("left after destroy: %d VPCs (was %d), %d addresses", len(after.Vpcs), len(before.Vpcs), len(left.Addresses))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDefaultVPCGroupRef: a group made without a VpcId is in the default
// VPC, and its Ref is its name (GroupId its id), as in CloudFormation.
func TestDefaultVPCGroupRef(t *testing.T) {
	e := ec2test.Start(t)
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: ec2test.AccountID, Store: e.Store, EC2: e.Control})
	ctx := context.Background()
	tpl := `Resources:
  G: {Type: AWS::EC2::SecurityGroup, Properties: {GroupName: classic, GroupDescription: d}}
Outputs:
  Ref: {Value: {Ref: G}}
  Id: {Value: {"Fn::GetAtt": [G, GroupId]}}
`
	st, err := d.Deploy(ctx, stack.DeployInput{StackName: "dflt", Template: []byte(tpl)}, func(stack.Event) {})
	must(t, err)
	out := outputs(st)
	if out["Ref"] != "classic" || !strings.HasPrefix(out["Id"], "sg-") {
		t.Fatalf("outputs %v", out)
	}
	must(t, d.Destroy(ctx, "dflt", func(stack.Event) {}))
	_, err = e.Client().DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{out["Id"]}})
	awstest.WantCode(t, err, "InvalidGroup.NotFound")
}
