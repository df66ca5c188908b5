package cloudmap

import "github.com/portolan/portolan/internal/awsapi"

// Namespace types.
const (
	NamespaceHTTP       = "HTTP"
	NamespaceDNSPrivate = "DNS_PRIVATE"
	NamespaceDNSPublic  = "DNS_PUBLIC"
)

// Service types.
const (
	ServiceTypeHTTP    = "HTTP"
	ServiceTypeDNSHTTP = "DNS_HTTP"
	ServiceTypeDNS     = "DNS"
)

// Routing policies and record types.
const (
	RoutingMultivalue = "MULTIVALUE"
	RoutingWeighted   = "WEIGHTED"

	RecordA     = "A"
	RecordAAAA  = "AAAA"
	RecordSRV   = "SRV"
	RecordCNAME = "CNAME"
)

// Health statuses.
const (
	Healthy   = "HEALTHY"
	Unhealthy = "UNHEALTHY"
	Unknown   = "UNKNOWN"
)

// Reserved instance attributes.
const (
	AttrIPv4       = "AWS_INSTANCE_IPV4"
	AttrIPv6       = "AWS_INSTANCE_IPV6"
	AttrPort       = "AWS_INSTANCE_PORT"
	AttrCNAME      = "AWS_INSTANCE_CNAME"
	AttrAlias      = "AWS_ALIAS_DNS_NAME"
	AttrInitHealth = "AWS_INIT_HEALTH_STATUS"
	AttrEC2        = "AWS_EC2_INSTANCE_ID"
)

// DefaultSOATTL is the negative-caching TTL of a DNS namespace created
// without one. AWS does not document its default; a short one suits a
// development loop where names come and go (docs/compat.md).
const DefaultSOATTL = 15

// Namespace is the API's Namespace shape.
type Namespace struct {
	Id               string
	Arn              string
	ResourceOwner    string
	Name             string
	Type             string
	Description      string               `json:",omitempty"`
	ServiceCount     int                  `json:"ServiceCount"`
	Properties       *NamespaceProperties `json:",omitempty"`
	CreateDate       awsapi.Timestamp
	CreatorRequestId string `json:",omitempty"`
}

type NamespaceProperties struct {
	DnsProperties  *DnsProperties  `json:",omitempty"`
	HttpProperties *HttpProperties `json:",omitempty"`
}

type DnsProperties struct {
	HostedZoneId string `json:",omitempty"`
	SOA          *SOA   `json:",omitempty"`
}

type SOA struct{ TTL *int64 }

type HttpProperties struct{ HttpName string }

// HttpName is the name DiscoverInstances knows the namespace by.
func (n *Namespace) HttpName() string {
	if n.Properties != nil && n.Properties.HttpProperties != nil {
		return n.Properties.HttpProperties.HttpName
	}
	return n.Name
}

// SOATTL returns the namespace's negative-caching TTL.
func (n *Namespace) SOATTL() int64 {
	if p := n.Properties; p != nil && p.DnsProperties != nil && p.DnsProperties.SOA != nil && p.DnsProperties.SOA.TTL != nil {
		return *p.DnsProperties.SOA.TTL
	}
	return DefaultSOATTL
}

// Service is the API's Service shape.
type Service struct {
	Id                      string
	Arn                     string
	ResourceOwner           string
	Name                    string
	NamespaceId             string
	Description             string                   `json:",omitempty"`
	InstanceCount           int                      `json:"InstanceCount"`
	DnsConfig               *DnsConfig               `json:",omitempty"`
	Type                    string                   `json:",omitempty"`
	HealthCheckConfig       *HealthCheckConfig       `json:",omitempty"`
	HealthCheckCustomConfig *HealthCheckCustomConfig `json:",omitempty"`
	CreateDate              awsapi.Timestamp
	CreatorRequestId        string `json:",omitempty"`
	CreatedByAccount        string `json:",omitempty"`
}

// HasHealthCheck reports whether instances of s carry a health status.
func (s *Service) HasHealthCheck() bool {
	return s.HealthCheckConfig != nil || s.HealthCheckCustomConfig != nil
}

// RecordTTL returns the TTL of the record type t, and whether s has one.
func (s *Service) RecordTTL(t string) (int64, bool) {
	if s.DnsConfig == nil {
		return 0, false
	}
	for _, r := range s.DnsConfig.DnsRecords {
		if r.Type == t && r.TTL != nil {
			return *r.TTL, true
		}
	}
	return 0, false
}

type DnsConfig struct {
	NamespaceId   string `json:",omitempty"`
	RoutingPolicy string `json:",omitempty"`
	DnsRecords    []DnsRecord
}

type DnsRecord struct {
	Type string
	TTL  *int64
}

type HealthCheckConfig struct {
	Type             string
	ResourcePath     string `json:",omitempty"`
	FailureThreshold *int32 `json:",omitempty"`
}

type HealthCheckCustomConfig struct {
	FailureThreshold *int32 `json:",omitempty"`
}

// Instance is the API's Instance shape.
type Instance struct {
	Id               string
	CreatorRequestId string `json:",omitempty"`
	Attributes       map[string]string
	CreatedByAccount string `json:",omitempty"`
}

// Operation is the API's Operation shape.
type Operation struct {
	Id           string
	OwnerAccount string `json:",omitempty"`
	Type         string
	Status       string
	ErrorMessage string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	CreateDate   awsapi.Timestamp
	UpdateDate   awsapi.Timestamp
	Targets      map[string]string
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Operation types and statuses.
const (
	OpCreateNamespace    = "CREATE_NAMESPACE"
	OpDeleteNamespace    = "DELETE_NAMESPACE"
	OpUpdateNamespace    = "UPDATE_NAMESPACE"
	OpUpdateService      = "UPDATE_SERVICE"
	OpRegisterInstance   = "REGISTER_INSTANCE"
	OpDeregisterInstance = "DEREGISTER_INSTANCE"

	OpSuccess = "SUCCESS"
)

// OperationOutput is the output of every operation AWS runs asynchronously.
type OperationOutput struct{ OperationId string }

// IdInput is the input of the operations that name one namespace or
// service by Id (an id or an ARN).
type IdInput struct{ Id string }
