// Package ec2 is the part of Amazon EC2 that Portolan emulates, served over
// EC2's Query protocol (Version 2016-11-15) as AWS serves it: VPCs and what
// lives in them (subnets, security groups and their rules, internet and
// NAT gateways, route tables, network ACLs, Elastic IPs, peering
// connections), a default VPC per account and region, the network
// interfaces of running awsvpc tasks (read from ECS through TaskInterfaces),
// and VPC endpoints with DescribeVpcEndpointServices for the services
// Portolan knows.
//
// The network is described, not enforced: nothing here filters or routes
// traffic. VPC endpoints are the one object with a data plane: an
// execute-api Interface endpoint is what a private REST API is reached
// through, so the REST gateway reads endpoints from the View, and package
// endpointdns serves their DNS names from Portolan's DNS server. Every
// other object is read from the store when it is described.
//
// The files follow every service's skeleton (docs/architecture.md):
// service.go, keys.go, errors.go, model.go, api.go, then one file per
// resource (vpcs.go, subnets.go, securitygroups.go with sgrules.go,
// internetgateways.go, routetables.go with routeassociations.go,
// natgateways.go, addresses.go, peering.go, networkacls.go, zones.go,
// networkinterfaces.go, vpcendpoints.go, endpointservices.go, tags.go),
// with defaultvpc.go for the default VPC, records.go for what every
// Describe shares, filters.go for its filters and view.go for the read
// side.
package ec2
