package ec2

import "time"

// Wire types, named as the SDKs name them; an `ec2:"…"` tag gives the
// wire name where it is not the Go name (lists: SubnetId.N in requests,
// subnetIdSet in answers), see awsapi's EC2 flavour.

// Endpoint types and states.
const (
	TypeInterface           = "Interface"
	TypeGateway             = "Gateway"
	TypeGatewayLoadBalancer = "GatewayLoadBalancer"
	StateAvailable          = "available"
)

// VpcEndpoint is an endpoint as DescribeVpcEndpoints reports it.
type VpcEndpoint struct {
	VpcEndpointId       string
	VpcEndpointType     string
	VpcId               string
	ServiceName         string
	State               string
	PolicyDocument      *string
	RouteTableIds       []string                  `ec2:"routeTableIdSet"`
	SubnetIds           []string                  `ec2:"subnetIdSet"`
	Groups              []SecurityGroupIdentifier `ec2:"groupSet"`
	IpAddressType       string                    `json:",omitempty"`
	DnsOptions          *DnsOptions
	PrivateDnsEnabled   bool
	RequesterManaged    bool
	NetworkInterfaceIds []string   `ec2:"networkInterfaceIdSet"`
	DnsEntries          []DnsEntry `ec2:"dnsEntrySet"`
	CreationTimestamp   time.Time
	Tags                []Tag `ec2:"tagSet"`
	OwnerId             string
}

// SecurityGroupIdentifier is a security group of an Interface endpoint.
type SecurityGroupIdentifier struct {
	GroupId   string
	GroupName string
}

// DnsEntry is one DNS name of an endpoint and its hosted zone.
type DnsEntry struct {
	DnsName      string
	HostedZoneId string
}

// DnsOptions are an Interface endpoint's DNS record settings.
type DnsOptions struct {
	DnsRecordIpType                          string
	PrivateDnsOnlyForInboundResolverEndpoint *bool `json:",omitempty"`
}

// DnsOptionsSpecification is what a request may set of DnsOptions.
type DnsOptionsSpecification struct {
	DnsRecordIpType                          *string
	PrivateDnsOnlyForInboundResolverEndpoint *bool
}

// Tag is a key and value (Tag.N.Key in requests, tagSet items in answers).
type Tag struct {
	Key   string
	Value string
}

// TagSpecification tags a resource as it is created.
type TagSpecification struct {
	ResourceType *string
	Tags         []Tag `ec2:"Tag"`
}

// Filter is one of Describe's filters: a name and values it may match
// (OR), with * and ? wildcards.
type Filter struct {
	Name   *string
	Values []string `ec2:"Value"`
}

// UnsuccessfulItem is an id a batch operation could not act on.
type UnsuccessfulItem struct {
	Error      *UnsuccessfulItemError
	ResourceId *string
}

// UnsuccessfulItemError says why.
type UnsuccessfulItemError struct {
	Code    string
	Message string
}

// endpointRecord is what the store keeps of an endpoint: what Describe
// answers, plus what creation fixed for good.
type endpointRecord struct {
	VpcEndpoint
	// DNSLabel is the 8 characters after the id in the endpoint's DNS
	// names (vpce-…-ab12cd34.execute-api…), drawn once.
	DNSLabel string
	// PrivateZoneID is the private hosted zone of its private DNS name.
	PrivateZoneID string
	// ClientToken and RequestHash make CreateVpcEndpoint idempotent.
	ClientToken string `json:",omitempty"`
	RequestHash string `json:",omitempty"`
}
