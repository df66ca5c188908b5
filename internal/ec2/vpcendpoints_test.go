package ec2_test

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

var (
	endpointID = regexp.MustCompile(`^vpce-[0-9a-f]{17}$`)
	// vpce-<id>-<8 chars>[-<zone>].execute-api.us-east-1.vpce.amazonaws.com
	ownDNSName = regexp.MustCompile(`^(vpce-[0-9a-f]{17})-[a-z0-9]{8}(-us-east-1[a-f])?\.execute-api\.us-east-1\.vpce\.amazonaws\.com$`)
)

func TestCreateInterfaceEndpoint(t *testing.T) {
	e := ec2test.Start(t)
	v := interfaceEndpoint(t, e, vpcA, func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("api")}}}}
	})
	id := aws.ToString(v.VpcEndpointId)
	// EC2 answers the state in lower case ("available"), unlike the SDK's
	// State constants.
	if !endpointID.MatchString(id) || v.State != "available" || v.VpcEndpointType != types.VpcEndpointTypeInterface ||
		aws.ToString(v.VpcId) != vpcA || aws.ToString(v.ServiceName) != execAPI || aws.ToString(v.OwnerId) != ec2test.AccountID {
		t.Fatalf("endpoint %+v", v)
	}
	if !aws.ToBool(v.PrivateDnsEnabled) {
		t.Error("PrivateDnsEnabled defaults to true for Interface endpoints")
	}
	if !slices.Equal(v.SubnetIds, []string{subnet1, subnet2}) || len(v.NetworkInterfaceIds) != 2 || len(v.Groups) != 1 || aws.ToString(v.Groups[0].GroupId) != sg1 {
		t.Errorf("network: subnets %v enis %v groups %+v", v.SubnetIds, v.NetworkInterfaceIds, v.Groups)
	}
	if !strings.Contains(aws.ToString(v.PolicyDocument), `"Action":"*"`) {
		t.Errorf("default policy: %s", aws.ToString(v.PolicyDocument))
	}
	if len(v.Tags) != 1 || aws.ToString(v.Tags[0].Key) != "Name" || v.CreationTimestamp == nil {
		t.Errorf("tags %+v created %v", v.Tags, v.CreationTimestamp)
	}
	// The regional name, one per zone of its subnets, then the private name.
	if len(v.DnsEntries) < 3 {
		t.Fatalf("dns entries %+v", v.DnsEntries)
	}
	for i, d := range v.DnsEntries[:len(v.DnsEntries)-1] {
		m := ownDNSName.FindStringSubmatch(aws.ToString(d.DnsName))
		if m == nil || m[1] != id || (i == 0) != (m[2] == "") || aws.ToString(d.HostedZoneId) != "Z7HUB22UULQXV" {
			t.Errorf("dns entry %d: %s %s", i, aws.ToString(d.DnsName), aws.ToString(d.HostedZoneId))
		}
	}
	if last := v.DnsEntries[len(v.DnsEntries)-1]; aws.ToString(last.DnsName) != "*.execute-api.us-east-1.amazonaws.com" || !strings.HasPrefix(aws.ToString(last.HostedZoneId), "Z") {
		t.Errorf("private dns entry %+v", last)
	}

	// Describe answers the same, and the View has it for the gateway.
	out, err := e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || len(out.VpcEndpoints) != 1 || len(out.VpcEndpoints[0].DnsEntries) != len(v.DnsEntries) {
		t.Fatalf("describe: %+v %v", out, err)
	}
	got, ok := e.Control.View().Snapshot().Endpoint(id)
	if !ok || got.VpcId != vpcA || got.ServiceName != execAPI || !got.PrivateDnsEnabled {
		t.Fatalf("view: %+v %v", got, ok)
	}
}

func TestCreateGatewayEndpoint(t *testing.T) {
	e := ec2test.Start(t)
	out, err := e.Client().CreateVpcEndpoint(ctxT(t), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpcA), ServiceName: aws.String(s3), RouteTableIds: []string{"rtb-0123456789abcdef0"}, // Gateway is the default type
	})
	if err != nil {
		t.Fatal(err)
	}
	v := out.VpcEndpoint
	if v.VpcEndpointType != types.VpcEndpointTypeGateway || aws.ToBool(v.PrivateDnsEnabled) || len(v.DnsEntries) != 0 ||
		!slices.Equal(v.RouteTableIds, []string{"rtb-0123456789abcdef0"}) || v.State != "available" {
		t.Fatalf("gateway endpoint %+v", v)
	}
}

// TestCreateRefusals: each bad request answers EC2's error and creates nothing.
func TestCreateRefusals(t *testing.T) {
	e := ec2test.Start(t)
	first := interfaceEndpoint(t, e, vpcA)
	base := func() *ec2.CreateVpcEndpointInput {
		return &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpcB), ServiceName: aws.String(execAPI), VpcEndpointType: types.VpcEndpointTypeInterface}
	}
	cases := []struct {
		name string
		mod  func(*ec2.CreateVpcEndpointInput)
		code string
	}{
		{"malformed vpc", func(in *ec2.CreateVpcEndpointInput) { in.VpcId = aws.String("vpc-xyz") }, "InvalidVpcID.Malformed"},
		{"unknown service", func(in *ec2.CreateVpcEndpointInput) { in.ServiceName = aws.String("com.amazonaws.us-east-1.nope") }, "InvalidServiceName"},
		{"another region's service", func(in *ec2.CreateVpcEndpointInput) {
			in.ServiceName = aws.String("com.amazonaws.eu-west-1.execute-api")
		}, "InvalidServiceName"},
		{"execute-api has no Gateway endpoints", func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = "" }, "InvalidParameter"},
		{"bad type", func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = "Tunnel" }, "InvalidParameterValue"},
		{"malformed subnet", func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = []string{"subnet-1"} }, "InvalidSubnetID.Malformed"},
		{"malformed group", func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{"group-1"} }, "InvalidGroupId.Malformed"},
		{"route tables on Interface", func(in *ec2.CreateVpcEndpointInput) { in.RouteTableIds = []string{"rtb-12345678"} }, "InvalidParameter"},
		{"bad policy", func(in *ec2.CreateVpcEndpointInput) { in.PolicyDocument = aws.String(`{"Statement":`) }, "InvalidParameterValue"},
		{"tags for another resource", func(in *ec2.CreateVpcEndpointInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
		}, "InvalidParameterValue"},
		{"a second private DNS for execute-api in the VPC", func(in *ec2.CreateVpcEndpointInput) { in.VpcId = aws.String(vpcA) }, "InvalidParameter"},
		{"dry run", func(in *ec2.CreateVpcEndpointInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mod(in)
			_, err := e.Client().CreateVpcEndpoint(ctxT(t), in)
			awstest.WantCode(t, err, tc.code)
		})
	}
	if ids := describeAll(t, e); !slices.Equal(ids, []string{aws.ToString(first.VpcEndpointId)}) {
		t.Fatalf("refusals created endpoints: %v", ids)
	}
	// Without private DNS a second endpoint in the VPC is fine, and so is one in another VPC.
	interfaceEndpoint(t, e, vpcA, func(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(false) })
	interfaceEndpoint(t, e, vpcB)
}

// TestMissingParameter sends what the SDK would refuse to send.
func TestMissingParameter(t *testing.T) {
	e := ec2test.Start(t)
	resp, err := http.Post(e.Endpoint, "application/x-www-form-urlencoded",
		strings.NewReader("Action=CreateVpcEndpoint&Version=2016-11-15&ServiceName="+execAPI))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>MissingParameter</Code><Message>The request must contain the parameter VpcId</Message>") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestClientToken(t *testing.T) {
	e := ec2test.Start(t)
	withToken := func(in *ec2.CreateVpcEndpointInput) { in.ClientToken = aws.String("token-1") }
	a := interfaceEndpoint(t, e, vpcA, withToken)
	b := interfaceEndpoint(t, e, vpcA, withToken)
	if aws.ToString(a.VpcEndpointId) != aws.ToString(b.VpcEndpointId) {
		t.Fatalf("a retry with the same token made a second endpoint: %s %s", aws.ToString(a.VpcEndpointId), aws.ToString(b.VpcEndpointId))
	}
	_, err := e.Client().CreateVpcEndpoint(ctxT(t), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpcB), ServiceName: aws.String(execAPI), VpcEndpointType: types.VpcEndpointTypeInterface, ClientToken: aws.String("token-1"),
	})
	awstest.WantCode(t, err, "IdempotentParameterMismatch")
	if ids := describeAll(t, e); len(ids) != 1 {
		t.Fatalf("endpoints %v", ids)
	}
	// Once the endpoint is deleted, the token is free again.
	if _, err := e.Client().DeleteVpcEndpoints(ctxT(t), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(a.VpcEndpointId)}}); err != nil {
		t.Fatal(err)
	}
	if c := interfaceEndpoint(t, e, vpcA, withToken); aws.ToString(c.VpcEndpointId) == aws.ToString(a.VpcEndpointId) {
		t.Fatal("the deleted endpoint came back")
	}
}

func TestModifyVpcEndpoint(t *testing.T) {
	e := ec2test.Start(t)
	v := interfaceEndpoint(t, e, vpcA, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = []string{subnet1} })
	id := v.VpcEndpointId
	describe := func() types.VpcEndpoint {
		out, err := e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*id}})
		if err != nil {
			t.Fatal(err)
		}
		return out.VpcEndpoints[0]
	}
	out, err := e.Client().ModifyVpcEndpoint(ctxT(t), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: id, AddSubnetIds: []string{subnet2}, RemoveSubnetIds: []string{subnet1}, AddSecurityGroupIds: []string{"sg-12345678"},
		PrivateDnsEnabled: aws.Bool(false), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`),
	})
	if err != nil || !aws.ToBool(out.Return) {
		t.Fatalf("modify: %v %v", out, err)
	}
	m := describe()
	if !slices.Equal(m.SubnetIds, []string{subnet2}) || len(m.NetworkInterfaceIds) != 1 || m.NetworkInterfaceIds[0] == v.NetworkInterfaceIds[0] ||
		len(m.Groups) != 2 || aws.ToBool(m.PrivateDnsEnabled) || !strings.Contains(aws.ToString(m.PolicyDocument), "Deny") {
		t.Fatalf("modified: %+v", m)
	}
	// No private DNS name now: the regional name and one zone.
	if len(m.DnsEntries) != 2 || !ownDNSName.MatchString(aws.ToString(m.DnsEntries[0].DnsName)) || !ownDNSName.MatchString(aws.ToString(m.DnsEntries[1].DnsName)) {
		t.Fatalf("dns entries %+v", m.DnsEntries)
	}
	if got, _ := e.Control.View().Snapshot().Endpoint(*id); got.PrivateDnsEnabled {
		t.Fatal("the view still has private DNS on")
	}
	// Private DNS released: another endpoint of the VPC may take it.
	other := interfaceEndpoint(t, e, vpcA)
	_, err = e.Client().ModifyVpcEndpoint(ctxT(t), &ec2.ModifyVpcEndpointInput{VpcEndpointId: id, PrivateDnsEnabled: aws.Bool(true)})
	awstest.WantCode(t, err, "InvalidParameter")

	for _, bad := range []struct {
		in   *ec2.ModifyVpcEndpointInput
		code string
	}{
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String("vpce-00000000000000000"), ResetPolicy: aws.Bool(true)}, "InvalidVpcEndpointId.NotFound"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: id, AddRouteTableIds: []string{"rtb-12345678"}}, "InvalidParameter"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: id, AddSubnetIds: []string{"nope"}}, "InvalidSubnetID.Malformed"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: id, ResetPolicy: aws.Bool(true), PolicyDocument: aws.String("{}")}, "InvalidParameterCombination"},
		{&ec2.ModifyVpcEndpointInput{VpcEndpointId: id, ResetPolicy: aws.Bool(true), DryRun: aws.Bool(true)}, "DryRunOperation"},
	} {
		_, err := e.Client().ModifyVpcEndpoint(ctxT(t), bad.in)
		awstest.WantCode(t, err, bad.code)
	}
	if after := describe(); !strings.Contains(aws.ToString(after.PolicyDocument), "Deny") || !slices.Equal(after.SubnetIds, []string{subnet2}) {
		t.Fatalf("a refused modify changed the endpoint: %+v", after)
	}
	// ResetPolicy brings back full access.
	if _, err := e.Client().ModifyVpcEndpoint(ctxT(t), &ec2.ModifyVpcEndpointInput{VpcEndpointId: other.VpcEndpointId, ResetPolicy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteVpcEndpoints(t *testing.T) {
	e := ec2test.Start(t)
	a, b := interfaceEndpoint(t, e, vpcA), interfaceEndpoint(t, e, vpcB)
	const unknown = "vpce-00000000000000000"
	out, err := e.Client().DeleteVpcEndpoints(ctxT(t), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*a.VpcEndpointId, unknown}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].ResourceId) != unknown ||
		aws.ToString(out.Unsuccessful[0].Error.Code) != "InvalidVpcEndpoint.NotFound" {
		t.Fatalf("unsuccessful %+v", out.Unsuccessful)
	}
	if ids := describeAll(t, e); !slices.Equal(ids, []string{*b.VpcEndpointId}) {
		t.Fatalf("left %v", ids)
	}
	if _, ok := e.Control.View().Snapshot().Endpoint(*a.VpcEndpointId); ok {
		t.Fatal("the view still has the deleted endpoint")
	}
	_, err = e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*a.VpcEndpointId}})
	awstest.WantCode(t, err, "InvalidVpcEndpointId.NotFound")
	// Its private DNS is free again.
	interfaceEndpoint(t, e, vpcA)
}

// TestEndpointsSurviveRestart: endpoints are in the store, not in memory.
func TestEndpointsSurviveRestart(t *testing.T) {
	e := ec2test.Start(t)
	v := interfaceEndpoint(t, e, vpcA)
	e.Stop()
	e = ec2test.Start(t, ec2test.InDir(e.Dir))
	got, ok := e.Control.View().Snapshot().Endpoint(*v.VpcEndpointId)
	if !ok || len(got.DnsEntries) != len(v.DnsEntries) || aws.ToString(v.DnsEntries[0].DnsName) != got.DnsEntries[0].DnsName {
		t.Fatalf("after restart: %+v %v", got, ok)
	}
}
