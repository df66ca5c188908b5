package ec2_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2/ec2test"
)

func TestDescribeVpcEndpointsFilters(t *testing.T) {
	e := ec2test.Start(t)
	tagged := func(name string) func(*ec2.CreateVpcEndpointInput) {
		return func(in *ec2.CreateVpcEndpointInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
		}
	}
	apiA := interfaceEndpoint(t, e, vpcA, tagged("api-a"))
	apiB := interfaceEndpoint(t, e, vpcB, tagged("api-b"))
	gw, err := e.Client().CreateVpcEndpoint(ctxT(t), &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpcA), ServiceName: aws.String(s3)})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(v ...types.VpcEndpoint) []string {
		var out []string
		for _, x := range v {
			out = append(out, *x.VpcEndpointId)
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"vpc-id", []types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcA}}}, ids(apiA, *gw.VpcEndpoint)},
		{"service-name", []types.Filter{{Name: aws.String("service-name"), Values: []string{execAPI}}}, ids(apiA, apiB)},
		{"type", []types.Filter{{Name: aws.String("vpc-endpoint-type"), Values: []string{"Gateway"}}}, ids(*gw.VpcEndpoint)},
		{"state", []types.Filter{{Name: aws.String("vpc-endpoint-state"), Values: []string{"available"}}}, ids(apiA, apiB, *gw.VpcEndpoint)},
		{"values OR", []types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcB, "vpc-99999999"}}}, ids(apiB)},
		{"filters AND", []types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcA}}, {Name: aws.String("service-name"), Values: []string{execAPI}}}, ids(apiA)},
		{"tag", []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"api-b"}}}, ids(apiB)},
		{"tag wildcard", []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"api-?"}}}, ids(apiA, apiB)},
		{"tag-key", []types.Filter{{Name: aws.String("tag-key"), Values: []string{"Name"}}}, ids(apiA, apiB)},
		{"service wildcard", []types.Filter{{Name: aws.String("service-name"), Values: []string{"*.s3"}}}, ids(*gw.VpcEndpoint)},
		{"nothing", []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-99999999"}}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{Filters: tc.filters})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(out.VpcEndpoints...); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	_, err = e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{{Name: aws.String("color"), Values: []string{"red"}}}})
	awstest.WantCode(t, err, "InvalidFilter")
	_, err = e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*apiA.VpcEndpointId, "vpce-00000000000000000"}})
	awstest.WantCode(t, err, "InvalidVpcEndpointId.NotFound")
}

func TestDescribeVpcEndpointsPaging(t *testing.T) {
	e := ec2test.Start(t)
	var want []string
	for range 5 {
		v := interfaceEndpoint(t, e, vpcA, func(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(false) })
		want = append(want, *v.VpcEndpointId)
	}
	slices.Sort(want)
	var got []string
	pages := 0
	p := ec2.NewDescribeVpcEndpointsPaginator(e.Client(), &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range out.VpcEndpoints {
			got = append(got, *v.VpcEndpointId)
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages: %v, want %v", pages, got, want)
	}
	_, err := e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{NextToken: aws.String("!!")})
	awstest.WantCode(t, err, "InvalidNextToken")
	_, err = e.Client().DescribeVpcEndpoints(ctxT(t), &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(0)})
	awstest.WantCode(t, err, "InvalidParameterValue")
}

func TestDescribeVpcEndpointServices(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	all, err := c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{execAPI, "com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.logs", s3} {
		if !slices.Contains(all.ServiceNames, name) {
			t.Errorf("%s not listed in %v", name, all.ServiceNames)
		}
	}
	out, err := c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{execAPI}})
	if err != nil || len(out.ServiceDetails) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	d := out.ServiceDetails[0]
	if aws.ToString(d.PrivateDnsName) != "*.execute-api.us-east-1.amazonaws.com" || len(d.ServiceType) != 1 || d.ServiceType[0].ServiceType != types.ServiceTypeInterface ||
		!slices.Equal(d.BaseEndpointDnsNames, []string{"execute-api.us-east-1.vpce.amazonaws.com"}) || aws.ToString(d.Owner) != "amazon" || len(d.AvailabilityZones) == 0 {
		t.Errorf("execute-api: %+v", d)
	}
	// S3 offers both types; dkr.ecr names read backwards.
	gw, err := c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{Filters: []types.Filter{{Name: aws.String("service-type"), Values: []string{"Gateway"}}}})
	if err != nil || !slices.Equal(gw.ServiceNames, []string{"com.amazonaws.us-east-1.dynamodb", s3}) {
		t.Errorf("gateway services: %v %v", gw.ServiceNames, err)
	}
	dkr, err := c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.ecr.dkr"}})
	if err != nil || aws.ToString(dkr.ServiceDetails[0].PrivateDnsName) != "*.dkr.ecr.us-east-1.amazonaws.com" {
		t.Errorf("ecr.dkr: %+v %v", dkr, err)
	}
	_, err = c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.nope"}})
	awstest.WantCode(t, err, "InvalidServiceName")

	// Paged, every detail once.
	var n int
	var token *string
	for {
		page, err := c.DescribeVpcEndpointServices(ctxT(t), &ec2.DescribeVpcEndpointServicesInput{MaxResults: aws.Int32(5), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.ServiceDetails)
		if token = page.NextToken; token == nil {
			break
		}
	}
	if n != len(all.ServiceDetails) {
		t.Fatalf("paged %d details, listed %d", n, len(all.ServiceDetails))
	}
}
