package route53resolver

import "time"

// Directions, rule types and statuses.
const (
	DirectionInbound  = "INBOUND"
	DirectionOutbound = "OUTBOUND"

	RuleForward = "FORWARD"
	RuleSystem  = "SYSTEM"

	statusOperational = "OPERATIONAL"
	statusComplete    = "COMPLETE"
	statusDeleting    = "DELETING"
	statusAttached    = "ATTACHED"
)

// ResolverEndpoint is the API's ResolverEndpoint shape.
type ResolverEndpoint struct {
	Id                   string
	CreatorRequestId     string
	Arn                  string
	Name                 string `json:",omitempty"`
	SecurityGroupIds     []string
	Direction            string
	IpAddressCount       int
	HostVPCId            string `json:",omitempty"`
	Status               string
	StatusMessage        string
	CreationTime         string
	ModificationTime     string
	ResolverEndpointType string
	Protocols            []string
}

// IpAddressRequest is an address asked for: an address of a subnet, or
// any free one.
type IpAddressRequest struct {
	SubnetId string
	Ip       string `json:",omitempty"`
	Ipv6     string `json:",omitempty"`
}

// IpAddressResponse is one of an endpoint's addresses.
type IpAddressResponse struct {
	IpId             string
	SubnetId         string
	Ip               string
	Status           string
	StatusMessage    string
	CreationTime     string
	ModificationTime string
}

// ResolverRule is the API's ResolverRule shape.
type ResolverRule struct {
	Id                 string
	CreatorRequestId   string
	Arn                string
	DomainName         string
	Status             string
	StatusMessage      string
	RuleType           string
	Name               string          `json:",omitempty"`
	TargetIps          []TargetAddress `json:",omitempty"`
	ResolverEndpointId string          `json:",omitempty"`
	OwnerId            string
	ShareStatus        string
	CreationTime       string
	ModificationTime   string
}

// TargetAddress is where a FORWARD rule sends its names.
type TargetAddress struct {
	Ip       string
	Port     *int32 `json:",omitempty"`
	Protocol string `json:",omitempty"`
}

// ResolverRuleAssociation is the API's ResolverRuleAssociation shape.
type ResolverRuleAssociation struct {
	Id             string
	ResolverRuleId string
	Name           string `json:",omitempty"`
	VPCId          string
	Status         string
	StatusMessage  string
}

type Tag struct {
	Key   string
	Value string
}

// Filter narrows a listing: a member's name and the values it may have.
type Filter struct {
	Name   string
	Values []string
}

// timestamp is how Resolver writes times: ISO 8601 with microseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
