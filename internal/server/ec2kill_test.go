package server_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestEC2Kill9: every network change EC2 acknowledged (a VPC, its
// subnets, a group and its rules, an attached gateway) is there after the
// server is killed (SIGKILL) and started again, and the default VPC is
// not made twice.
func TestEC2Kill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan")
	}
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	ctx := context.Background()
	c := ec2.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	srv := servertest.StartProcess(t, dataDir, port)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.40.0.0/16")})
	must(t, err)
	var subnets []string
	for i := range 8 {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.40.%d.0/24", i))})
		must(t, err)
		subnets = append(subnets, *s.Subnet.SubnetId)
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("kept"), Description: aws.String("kept"), VpcId: vpc.Vpc.VpcId})
	must(t, err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}})
	must(t, err)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(t, err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId})
	must(t, err)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()

	servertest.StartProcess(t, dataDir, port)
	got, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnets})
	must(t, err)
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}})
	must(t, err)
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	must(t, err)
	defaults, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	must(t, err)
	if len(got.Subnets) != 8 || len(groups.SecurityGroups[0].IpPermissions) != 1 || len(igws.InternetGateways) != 1 || len(defaults.Vpcs) != 1 {
		t.Fatalf("after kill -9: %d subnets, rules %+v, %d gateways, %d default VPCs", len(got.Subnets), groups.SecurityGroups[0].IpPermissions, len(igws.InternetGateways), len(defaults.Vpcs))
	}
}
