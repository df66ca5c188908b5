package ec2_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// BenchmarkCreateDeleteSubnet: a CreateSubnet and a DeleteSubnet through
// aws-sdk-go-v2 over loopback, each a durable (fsynced) write that checks
// the VPC's other subnets.
func BenchmarkCreateDeleteSubnet(b *testing.B) {
	e := ec2test.Start(b)
	c, ctx := e.Client(), context.Background()
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50 { // neighbours the overlap check reads
		if _, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.200.0/24")})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.Subnet.SubnetId}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeSecurityGroupsFiltered: the read Terraform makes of a
// VPC's default group (vpc-id and group-name filters) among 200 groups in
// 20 VPCs, through aws-sdk-go-v2 over loopback.
func BenchmarkDescribeSecurityGroupsFiltered(b *testing.B) {
	e := ec2test.Start(b)
	c, ctx := e.Client(), context.Background()
	var last string
	for v := range 20 {
		vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", v))})
		if err != nil {
			b.Fatal(err)
		}
		last = *vpc.Vpc.VpcId
		for g := range 9 {
			if _, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &last, GroupName: aws.String(fmt.Sprint("g", g)), Description: aws.String("d")}); err != nil {
				b.Fatal(err)
			}
		}
	}
	in := &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{last}}, {Name: aws.String("group-name"), Values: []string{"default"}}}}
	b.ResetTimer()
	for b.Loop() {
		out, err := c.DescribeSecurityGroups(ctx, in)
		if err != nil || len(out.SecurityGroups) != 1 {
			b.Fatal(out, err)
		}
	}
}
