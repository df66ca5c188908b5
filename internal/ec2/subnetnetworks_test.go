package ec2_test

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	pec2 "github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// TestSubnetNetwork: a subnet made through the API is described with its
// block and its VPC's, a default subnet too; an id that names no subnet
// (made up, malformed, or deleted) is not, and is no error.
func TestSubnetNetwork(t *testing.T) {
	e := ec2test.Start(t)
	ctx, c := ctxT(t), e.Client()
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.214.96.0/20")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.214.97.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(sub.Subnet.SubnetId)
	got, ok, err := e.Control.SubnetNetwork(ctx, id)
	want := pec2.SubnetNetwork{SubnetId: id, VpcId: aws.ToString(vpc.Vpc.VpcId),
		CidrBlock: netip.MustParsePrefix("10.214.97.0/24"), VpcCidrBlock: netip.MustParsePrefix("10.214.96.0/20")}
	if err != nil || !ok || got != want {
		t.Errorf("SubnetNetwork(%s) = %+v, %v, %v; want %+v", id, got, ok, err, want)
	}

	defaults, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(defaults.Subnets) == 0 {
		t.Fatalf("default subnets: %v, %v", defaults, err)
	}
	d := defaults.Subnets[0]
	if got, ok, err := e.Control.SubnetNetwork(ctx, aws.ToString(d.SubnetId)); err != nil || !ok || got.CidrBlock.String() != aws.ToString(d.CidrBlock) || got.VpcCidrBlock.String() != "172.31.0.0/16" {
		t.Errorf("SubnetNetwork(default %s) = %+v, %v, %v", aws.ToString(d.SubnetId), got, ok, err)
	}

	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &id}); err != nil {
		t.Fatal(err)
	}
	for _, none := range []string{id, "subnet-1", "subnet-0123456789abcdef0", "vpc-0a1b2c3d", ""} {
		if got, ok, err := e.Control.SubnetNetwork(ctx, none); err != nil || ok {
			t.Errorf("SubnetNetwork(%q) = %+v, %v, %v; want none, no error", none, got, ok, err)
		}
	}
}
