// Package ec2 is the part of Amazon EC2 that Portolan emulates: VPC
// endpoints, served over EC2's Query protocol (Version 2016-11-15) as AWS
// serves them, and DescribeVpcEndpointServices for the services Portolan
// knows.
//
// An execute-api Interface endpoint is what a private REST API is reached
// through: the REST gateway reads endpoints from the View (which VPC an
// endpoint is in, whether its private DNS is on), and package endpointdns
// serves their DNS names, pointing at the gateway, from Portolan's DNS
// server. VPCs, subnets and security groups are not objects here yet:
// their ids are checked for shape only.
//
// The files follow every service's skeleton (docs/architecture.md):
// service.go, keys.go, errors.go, model.go, api.go, then one file per
// resource: vpcendpoints.go, endpointservices.go, with filters.go for
// Describe's filters and view.go for the read side.
package ec2
