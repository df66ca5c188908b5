package ec2_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// FuzzEC2Query sends arbitrary forms to every EC2 action, on a real store:
// the EC2 Query decoding of every input (lists as Name.N, nested
// permissions, filters, tag specifications, numbers and booleans) and the
// operations behind it. Whatever comes in, the answer is a 200 or a 4xx
// in EC2's error shape, never a server fault.
func FuzzEC2Query(f *testing.F) {
	e := ec2test.Start(f)
	mux := awsapi.NewMux(e.Logger)
	e.Control.Register(mux)
	v := "&Version=2016-11-15"
	for _, s := range []string{
		"Action=CreateVpc&CidrBlock=10.0.0.0/16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x",
		"Action=DescribeVpcs&Filter.1.Name=is-default&Filter.1.Value.1=true&MaxResults=5",
		"Action=CreateSubnet&VpcId=vpc-00000000&CidrBlock=10.0.1.0/24&AvailabilityZone=us-east-1a",
		"Action=DescribeSubnets&SubnetId.1=subnet-00000000&Filter.1.Name=vpc-id&Filter.1.Value.1=*",
		"Action=CreateSecurityGroup&GroupName=web&GroupDescription=web",
		"Action=AuthorizeSecurityGroupIngress&GroupName=web&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&IpPermissions.1.Groups.1.GroupId=sg-1",
		"Action=RevokeSecurityGroupEgress&GroupId=sg-00000000&SecurityGroupRuleId.1=sgr-1",
		"Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=sgr-1&NextToken=zz",
		"Action=ModifyVpcAttribute&VpcId=vpc-00000000&EnableDnsHostnames.Value=true",
		"Action=DescribeVpcAttribute&VpcId=vpc-00000000&Attribute=enableDnsSupport",
		"Action=CreateRoute&RouteTableId=rtb-00000000&DestinationCidrBlock=0.0.0.0/0&GatewayId=igw-00000000",
		"Action=AssociateRouteTable&RouteTableId=rtb-00000000&SubnetId=subnet-00000000",
		"Action=CreateNatGateway&SubnetId=subnet-00000000&AllocationId=eipalloc-00000000&ClientToken=t",
		"Action=AllocateAddress&Domain=vpc", "Action=DescribeAddresses&PublicIp.1=198.18.0.1",
		"Action=CreateVpcPeeringConnection&VpcId=vpc-00000000&PeerVpcId=vpc-11111111",
		"Action=DescribeAvailabilityZones&ZoneName.1=us-east-1a&AllAvailabilityZones=true",
		"Action=DescribeAccountAttributes&AttributeName.1=default-vpc",
		"Action=DescribeNetworkInterfaces&Filter.1.Name=subnet-id&Filter.1.Value.1=x",
		"Action=CreateTags&ResourceId.1=vpc-00000000&Tag.1.Key=k&Tag.1.Value=v",
		"Action=DescribeTags&Filter.1.Name=resource-type&Filter.1.Value.1=vpc",
		"Action=DeleteVpc&VpcId=vpc-00000000&DryRun=true", "Action=DescribeVpcs&MaxResults=x", "Action=DescribeVpcs&VpcId.0=a",
	} {
		f.Add(s + v)
	}
	f.Fuzz(func(t *testing.T, form string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		body := w.Body.String()
		params, _ := url.ParseQuery(form)
		ec2Request := params.Get("Version") == "2016-11-15"
		switch {
		case w.Code == http.StatusOK && ec2Request:
		case w.Code >= 400 && w.Code < 500 && (!ec2Request || strings.Contains(body, "<Response><Errors><Error><Code>")):
			// An EC2 error in EC2's shape, or the mux's answer to a
			// request for no service at all.
		default:
			t.Fatalf("%q: %d %s", form, w.Code, body)
		}
	})
}
