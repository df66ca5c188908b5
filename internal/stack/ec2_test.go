package stack_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"go.yaml.in/yaml/v3"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
	"github.com/portolan/portolan/internal/stack"
)

// endpointTemplate is a VPC with an execute-api endpoint in two of its
// subnets, in the shape CDK's InterfaceVpcEndpoint synthesizes. The
// parameters change its subnets, private DNS and tag in place.
const endpointTemplate = `
Parameters:
  SecondSubnet: {Type: String, Default: "yes"}
  PrivateDns: {Type: String, Default: "true"}
  Name: {Type: String, Default: api}
Conditions:
  TwoSubnets: {"Fn::Equals": [{Ref: SecondSubnet}, "yes"]}
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  SubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.0.0.0/24}}
  SubnetB: {Type: AWS::EC2::Subnet, Properties: {VpcId: {Ref: Vpc}, CidrBlock: 10.0.1.0/24}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: endpoint, VpcId: {Ref: Vpc}}}
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: {"Fn::Join": ["", [com.amazonaws., {Ref: "AWS::Region"}, .execute-api]]}
      VpcEndpointType: Interface
      VpcId: {Ref: Vpc}
      PrivateDnsEnabled: {Ref: PrivateDns}
      SubnetIds: {"Fn::If": [TwoSubnets, [{Ref: SubnetA}, {Ref: SubnetB}], [{Ref: SubnetA}]]}
      SecurityGroupIds: [{"Fn::GetAtt": [Group, GroupId]}]
      PolicyDocument:
        Statement: [{Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "*"}]
      Tags: [{Key: Name, Value: {Ref: Name}}]
Outputs:
  EndpointId: {Value: {Ref: Endpoint}}
  DnsEntries: {Value: {"Fn::Join": [",", {"Fn::GetAtt": [Endpoint, DnsEntries]}]}}
  FirstDnsName: {Value: {"Fn::Select": [1, {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": [Endpoint, DnsEntries]}]}]}]}}
  Interfaces: {Value: {"Fn::Join": [",", {"Fn::GetAtt": [Endpoint, NetworkInterfaceIds]}]}}
  Created: {Value: {"Fn::GetAtt": [Endpoint, CreationTimestamp]}}
`

func outputs(st *stack.Stack) map[string]string {
	m := map[string]string{}
	for _, o := range st.Outputs {
		m[o.Name] = o.Value
	}
	return m
}

// TestVPCEndpointResource: AWS::EC2::VPCEndpoint is a real endpoint, its
// Ref the vpce id and its attributes CloudFormation's; an update changes
// it in place; destroying the stack deletes it.
func TestVPCEndpointResource(t *testing.T) {
	e := ec2test.Start(t)
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: ec2test.AccountID, Store: e.Store, EC2: e.Control})
	ctx := context.Background()
	deploy := func(params map[string]string) *stack.Stack {
		t.Helper()
		var events []stack.Event
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "vpce", Template: []byte(endpointTemplate), Parameters: params}, func(ev stack.Event) { events = append(events, ev) })
		if err != nil {
			t.Fatalf("deploy: %v\n%v", err, events)
		}
		return st
	}
	st := deploy(nil)
	out := outputs(st)
	id := out["EndpointId"]
	if !regexp.MustCompile(`^vpce-[0-9a-f]{17}$`).MatchString(id) || slices.Contains(st.NotEmulated, "Endpoint AWS::EC2::VPCEndpoint") {
		t.Fatalf("endpoint %q, not emulated %v", id, st.NotEmulated)
	}
	entries := strings.Split(out["DnsEntries"], ",")
	if len(entries) < 3 || !strings.HasPrefix(entries[0], "Z7HUB22UULQXV:"+id+"-") || !strings.HasSuffix(entries[len(entries)-1], ":*.execute-api.us-east-1.amazonaws.com") ||
		!strings.HasPrefix(out["FirstDnsName"], id+"-") {
		t.Fatalf("DnsEntries %v, first name %q", entries, out["FirstDnsName"])
	}
	if len(strings.Split(out["Interfaces"], ",")) != 2 || !strings.HasPrefix(out["Created"], "20") {
		t.Fatalf("NetworkInterfaceIds %q, CreationTimestamp %q", out["Interfaces"], out["Created"])
	}
	c := e.Client()
	describe := func() *ec2.DescribeVpcEndpointsOutput {
		got, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	v := describe().VpcEndpoints[0]
	if !aws.ToBool(v.PrivateDnsEnabled) || len(v.SubnetIds) != 2 || !strings.Contains(aws.ToString(v.PolicyDocument), "execute-api:Invoke") ||
		len(v.Tags) != 1 || aws.ToString(v.Tags[0].Value) != "api" {
		t.Fatalf("endpoint %+v", v)
	}

	st = deploy(map[string]string{"SecondSubnet": "no", "PrivateDns": "false", "Name": "renamed"})
	if got := outputs(st)["EndpointId"]; got != id {
		t.Fatalf("the update replaced the endpoint: %s, was %s", got, id)
	}
	v = describe().VpcEndpoints[0]
	if aws.ToBool(v.PrivateDnsEnabled) || len(v.SubnetIds) != 1 || len(v.Tags) != 1 || aws.ToString(v.Tags[0].Value) != "renamed" {
		t.Fatalf("after update %+v", v)
	}
	if n := len(strings.Split(outputs(st)["DnsEntries"], ",")); n != 2 {
		t.Fatalf("DnsEntries after update: %d entries", n)
	}

	if err := d.Destroy(ctx, "vpce", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	all, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	if err != nil || len(all.VpcEndpoints) != 0 {
		t.Fatalf("left after destroy: %+v %v", all, err)
	}
}

// TestRestAPIFixtureEndpoint deploys the networking of the private REST
// API fixture unchanged (every AWS::EC2:: resource, its execute-api
// endpoint among them): the endpoint is real, with private DNS in both
// isolated subnets, and goes with the stack.
func TestRestAPIFixtureEndpoint(t *testing.T) {
	e := ec2test.Start(t)
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: ec2test.AccountID, Store: e.Store, EC2: e.Control})
	var doc struct {
		Resources map[string]map[string]any `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(restAPIFixture(t), &doc); err != nil {
		t.Fatal(err)
	}
	for id, r := range doc.Resources {
		if !strings.HasPrefix(r["Type"].(string), "AWS::EC2::") {
			delete(doc.Resources, id)
		}
	}
	tpl, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := d.Deploy(ctx, stack.DeployInput{StackName: "PrivateRestApi", Template: tpl}, func(stack.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.NotEmulated) != 0 {
		t.Fatalf("not emulated: %v", st.NotEmulated)
	}
	id := st.Resources["VpcExecuteApiEndpoint5F1C2D0B"].PhysicalID
	out, err := e.Client().DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	v := out.VpcEndpoints[0]
	if aws.ToString(v.ServiceName) != "com.amazonaws.us-east-1.execute-api" || !aws.ToBool(v.PrivateDnsEnabled) || len(v.SubnetIds) != 2 ||
		aws.ToString(v.VpcId) != st.Resources["Vpc8378EB38"].PhysicalID {
		t.Fatalf("endpoint %+v", v)
	}
	if err := d.Destroy(ctx, "PrivateRestApi", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Control.View().Snapshot().Endpoint(id); ok {
		t.Fatal("the endpoint outlived its stack")
	}
	noVPCsLeft(t, e.Client())
}
