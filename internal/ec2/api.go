package ec2

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2016-11-15).
const Version = "2016-11-15"

// Namespace is the xmlns of every answer.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Register serves every EC2 operation Portolan has on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewEC2QueryService(Version, Namespace)
	// VPC endpoints (vpcendpoints.go)
	s.Handle("CreateVpcEndpoint", awsapi.EC2Op(c.CreateVpcEndpoint))
	s.Handle("DescribeVpcEndpoints", awsapi.EC2Op(c.DescribeVpcEndpoints))
	s.Handle("ModifyVpcEndpoint", awsapi.EC2Op(c.ModifyVpcEndpoint))
	s.Handle("DeleteVpcEndpoints", awsapi.EC2Op(c.DeleteVpcEndpoints))
	// Tags of endpoints (tags.go)
	s.Handle("CreateTags", awsapi.EC2Op(c.CreateTags))
	s.Handle("DeleteTags", awsapi.EC2Op(c.DeleteTags))
	// Endpoint services (endpointservices.go)
	s.Handle("DescribeVpcEndpointServices", awsapi.EC2Op(c.DescribeVpcEndpointServices))
	mux.AddQuery(s)
}
