package ec2

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2016-11-15).
const Version = "2016-11-15"

// Namespace is the xmlns of every answer.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Register serves every EC2 operation Portolan has on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewEC2QueryService(Version, Namespace)
	for action, h := range map[string]awsapi.QueryHandler{
		// VPCs (vpcs.go)
		"CreateVpc":            awsapi.EC2Op(c.CreateVpc),
		"DescribeVpcs":         awsapi.EC2Op(c.DescribeVpcs),
		"DeleteVpc":            awsapi.EC2Op(c.DeleteVpc),
		"DescribeVpcAttribute": awsapi.EC2Op(c.DescribeVpcAttribute),
		"ModifyVpcAttribute":   awsapi.EC2Op(c.ModifyVpcAttribute),
		// Subnets (subnets.go)
		"CreateSubnet":          awsapi.EC2Op(c.CreateSubnet),
		"DescribeSubnets":       awsapi.EC2Op(c.DescribeSubnets),
		"DeleteSubnet":          awsapi.EC2Op(c.DeleteSubnet),
		"ModifySubnetAttribute": awsapi.EC2Op(c.ModifySubnetAttribute),
		// Security groups and their rules (securitygroups.go, sgrules.go)
		"CreateSecurityGroup":           awsapi.EC2Op(c.CreateSecurityGroup),
		"DescribeSecurityGroups":        awsapi.EC2Op(c.DescribeSecurityGroups),
		"DeleteSecurityGroup":           awsapi.EC2Op(c.DeleteSecurityGroup),
		"AuthorizeSecurityGroupIngress": awsapi.EC2Op(c.AuthorizeSecurityGroupIngress),
		"AuthorizeSecurityGroupEgress":  awsapi.EC2Op(c.AuthorizeSecurityGroupEgress),
		"RevokeSecurityGroupIngress":    awsapi.EC2Op(c.RevokeSecurityGroupIngress),
		"RevokeSecurityGroupEgress":     awsapi.EC2Op(c.RevokeSecurityGroupEgress),
		"DescribeSecurityGroupRules":    awsapi.EC2Op(c.DescribeSecurityGroupRules),
		// Internet gateways (internetgateways.go)
		"CreateInternetGateway":    awsapi.EC2Op(c.CreateInternetGateway),
		"DescribeInternetGateways": awsapi.EC2Op(c.DescribeInternetGateways),
		"DeleteInternetGateway":    awsapi.EC2Op(c.DeleteInternetGateway),
		"AttachInternetGateway":    awsapi.EC2Op(c.AttachInternetGateway),
		"DetachInternetGateway":    awsapi.EC2Op(c.DetachInternetGateway),
		// Route tables, routes, associations (routetables.go, routeassociations.go)
		"CreateRouteTable":             awsapi.EC2Op(c.CreateRouteTable),
		"DescribeRouteTables":          awsapi.EC2Op(c.DescribeRouteTables),
		"DeleteRouteTable":             awsapi.EC2Op(c.DeleteRouteTable),
		"CreateRoute":                  awsapi.EC2Op(c.CreateRoute),
		"ReplaceRoute":                 awsapi.EC2Op(c.ReplaceRoute),
		"DeleteRoute":                  awsapi.EC2Op(c.DeleteRoute),
		"AssociateRouteTable":          awsapi.EC2Op(c.AssociateRouteTable),
		"DisassociateRouteTable":       awsapi.EC2Op(c.DisassociateRouteTable),
		"ReplaceRouteTableAssociation": awsapi.EC2Op(c.ReplaceRouteTableAssociation),
		// NAT gateways and Elastic IPs (natgateways.go, addresses.go)
		"CreateNatGateway":    awsapi.EC2Op(c.CreateNatGateway),
		"DescribeNatGateways": awsapi.EC2Op(c.DescribeNatGateways),
		"DeleteNatGateway":    awsapi.EC2Op(c.DeleteNatGateway),
		"AllocateAddress":     awsapi.EC2Op(c.AllocateAddress),
		"DescribeAddresses":   awsapi.EC2Op(c.DescribeAddresses),
		"ReleaseAddress":      awsapi.EC2Op(c.ReleaseAddress),
		// VPC peering (peering.go)
		"CreateVpcPeeringConnection":    awsapi.EC2Op(c.CreateVpcPeeringConnection),
		"AcceptVpcPeeringConnection":    awsapi.EC2Op(c.AcceptVpcPeeringConnection),
		"RejectVpcPeeringConnection":    awsapi.EC2Op(c.RejectVpcPeeringConnection),
		"DeleteVpcPeeringConnection":    awsapi.EC2Op(c.DeleteVpcPeeringConnection),
		"DescribeVpcPeeringConnections": awsapi.EC2Op(c.DescribeVpcPeeringConnections),
		// Read-only views (networkacls.go, zones.go, networkinterfaces.go)
		"DescribeNetworkAcls":       awsapi.EC2Op(c.DescribeNetworkAcls),
		"DescribeAvailabilityZones": awsapi.EC2Op(c.DescribeAvailabilityZones),
		"DescribeAccountAttributes": awsapi.EC2Op(c.DescribeAccountAttributes),
		"DescribeNetworkInterfaces": awsapi.EC2Op(c.DescribeNetworkInterfaces),
		// VPC endpoints (vpcendpoints.go, endpointservices.go)
		"CreateVpcEndpoint":           awsapi.EC2Op(c.CreateVpcEndpoint),
		"DescribeVpcEndpoints":        awsapi.EC2Op(c.DescribeVpcEndpoints),
		"ModifyVpcEndpoint":           awsapi.EC2Op(c.ModifyVpcEndpoint),
		"DeleteVpcEndpoints":          awsapi.EC2Op(c.DeleteVpcEndpoints),
		"DescribeVpcEndpointServices": awsapi.EC2Op(c.DescribeVpcEndpointServices),
		// AWS-managed prefix lists, regions, address attributes
		// (prefixlists.go, regions.go, addressattributes.go)
		"DescribePrefixLists":         awsapi.EC2Op(c.DescribePrefixLists),
		"DescribeManagedPrefixLists":  awsapi.EC2Op(c.DescribeManagedPrefixLists),
		"GetManagedPrefixListEntries": awsapi.EC2Op(c.GetManagedPrefixListEntries),
		"DescribeRegions":             awsapi.EC2Op(c.DescribeRegions),
		"DescribeAddressesAttribute":  awsapi.EC2Op(c.DescribeAddressesAttribute),
		// Tags of every resource (tags.go)
		"CreateTags":   awsapi.EC2Op(c.CreateTags),
		"DeleteTags":   awsapi.EC2Op(c.DeleteTags),
		"DescribeTags": awsapi.EC2Op(c.DescribeTags),
	} {
		s.Handle(action, h)
	}
	mux.AddQuery(s)
}
