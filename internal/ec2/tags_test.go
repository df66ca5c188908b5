package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

func TestTags(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	v := interfaceEndpoint(t, e, vpcA)
	tags := func() map[string]string {
		out, err := c.DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*v.VpcEndpointId}})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tag := range out.VpcEndpoints[0].Tags {
			m[*tag.Key] = aws.ToString(tag.Value)
		}
		return m
	}
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if _, err := c.CreateTags(ctxT(t), &ec2.CreateTagsInput{Resources: []string{*v.VpcEndpointId}, Tags: []types.Tag{tag("a", "1"), tag("b", "2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTags(ctxT(t), &ec2.CreateTagsInput{Resources: []string{*v.VpcEndpointId}, Tags: []types.Tag{tag("a", "one")}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 2 || got["a"] != "one" || got["b"] != "2" {
		t.Fatalf("tags %v", got)
	}
	// A value given must match; a key alone deletes whatever the value.
	if _, err := c.DeleteTags(ctxT(t), &ec2.DeleteTagsInput{Resources: []string{*v.VpcEndpointId}, Tags: []types.Tag{tag("a", "1"), {Key: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 1 || got["a"] != "one" {
		t.Fatalf("tags after delete %v", got)
	}
	for _, bad := range []struct {
		ids  []string
		code string
	}{
		{[]string{*v.VpcEndpointId, "vpce-00000000000000000"}, "InvalidVpcEndpointId.NotFound"},
		{[]string{"vpc-12345678"}, "InvalidVpcID.NotFound"},
		{[]string{"i-12345678"}, "InvalidID"}, // not a kind Portolan keeps
	} {
		_, err := c.CreateTags(ctxT(t), &ec2.CreateTagsInput{Resources: bad.ids, Tags: []types.Tag{tag("x", "y")}})
		awstest.WantCode(t, err, bad.code)
	}
	if got := tags(); len(got) != 1 {
		t.Fatalf("a refused CreateTags changed tags: %v", got)
	}
}
