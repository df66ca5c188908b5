package elbv2

import "time"

// Wire types, named and shaped as the 2015-12-01 API declares them (the
// awsQuery encoder writes Go field names as member names).

// Load balancer types and schemes.
const (
	TypeNetwork       = "network"
	TypeApplication   = "application"
	SchemeInternal    = "internal"
	SchemeInternet    = "internet-facing"
	StateActive       = "active"
	StateProvisioning = "provisioning"
)

// Protocols.
const (
	ProtocolHTTP   = "HTTP"
	ProtocolHTTPS  = "HTTPS"
	ProtocolTCP    = "TCP"
	ProtocolTLS    = "TLS"
	ProtocolUDP    = "UDP"
	ProtocolTCPUDP = "TCP_UDP"
)

// Target types.
const (
	TargetTypeInstance = "instance"
	TargetTypeIP       = "ip"
	TargetTypeLambda   = "lambda"
	TargetTypeALB      = "alb"
)

// Target health states and the reason codes AWS gives with them.
const (
	HealthInitial     = "initial"
	HealthHealthy     = "healthy"
	HealthUnhealthy   = "unhealthy"
	HealthUnused      = "unused"
	HealthDraining    = "draining"
	HealthUnavailable = "unavailable"

	ReasonRegistrationInProgress   = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking    = "Elb.InitialHealthChecking"
	ReasonResponseCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonTimeout                  = "Target.Timeout"
	ReasonFailedHealthChecks       = "Target.FailedHealthChecks"
	ReasonNotRegistered            = "Target.NotRegistered"
	ReasonNotInUse                 = "Target.NotInUse"
	ReasonDeregistrationInProgress = "Target.DeregistrationInProgress"
	ReasonInvalidState             = "Target.InvalidState"
	ReasonHealthCheckDisabled      = "Target.HealthCheckDisabled"
)

// Action types.
const (
	ActionForward       = "forward"
	ActionRedirect      = "redirect"
	ActionFixedResponse = "fixed-response"
)

type Tag struct {
	Key   string
	Value *string
}

type LoadBalancerState struct {
	Code   string
	Reason *string
}

type LoadBalancerAddress struct {
	IpAddress          *string
	PrivateIPv4Address *string
}

type AvailabilityZone struct {
	ZoneName              string
	SubnetId              *string
	LoadBalancerAddresses []LoadBalancerAddress
}

type LoadBalancer struct {
	LoadBalancerArn       string
	DNSName               string
	CanonicalHostedZoneId string
	CreatedTime           time.Time
	LoadBalancerName      string
	Scheme                string
	VpcId                 string
	State                 LoadBalancerState
	Type                  string
	AvailabilityZones     []AvailabilityZone
	SecurityGroups        []string
	IpAddressType         string
}

type Matcher struct {
	HttpCode *string
	GrpcCode *string
}

type TargetGroup struct {
	TargetGroupArn             string
	TargetGroupName            string
	Protocol                   *string
	Port                       *int32
	VpcId                      *string
	HealthCheckProtocol        *string
	HealthCheckPort            *string
	HealthCheckEnabled         bool
	HealthCheckIntervalSeconds *int32
	HealthCheckTimeoutSeconds  *int32
	HealthyThresholdCount      *int32
	UnhealthyThresholdCount    *int32
	HealthCheckPath            *string
	Matcher                    *Matcher
	LoadBalancerArns           []string
	TargetType                 string
	ProtocolVersion            *string
	IpAddressType              *string
}

type TargetDescription struct {
	Id               string
	Port             *int32
	AvailabilityZone *string
}

type TargetHealth struct {
	State       string
	Reason      *string
	Description *string
}

type TargetHealthDescription struct {
	Target          TargetDescription
	HealthCheckPort *string
	TargetHealth    TargetHealth
}

type TargetGroupTuple struct {
	TargetGroupArn string
	Weight         *int32
}

type TargetGroupStickinessConfig struct {
	Enabled         *bool
	DurationSeconds *int32
}

type ForwardActionConfig struct {
	TargetGroups                []TargetGroupTuple
	TargetGroupStickinessConfig *TargetGroupStickinessConfig
}

type RedirectActionConfig struct {
	Protocol   *string
	Port       *string
	Host       *string
	Path       *string
	Query      *string
	StatusCode string // HTTP_301 or HTTP_302
}

type FixedResponseActionConfig struct {
	MessageBody *string
	StatusCode  string
	ContentType *string
}

type Action struct {
	Type                string
	TargetGroupArn      *string
	Order               *int32
	ForwardConfig       *ForwardActionConfig
	RedirectConfig      *RedirectActionConfig
	FixedResponseConfig *FixedResponseActionConfig
}

type Certificate struct {
	CertificateArn *string
	IsDefault      *bool
}

type Listener struct {
	ListenerArn     string
	LoadBalancerArn string
	Port            *int32
	Protocol        *string
	Certificates    []Certificate
	SslPolicy       *string
	DefaultActions  []Action
	AlpnPolicy      []string
}

type ValuesConfig struct {
	Values []string
}

type HttpHeaderConditionConfig struct {
	HttpHeaderName *string
	Values         []string
}

type QueryStringKeyValuePair struct {
	Key   *string
	Value *string
}

type QueryStringConditionConfig struct {
	Values []QueryStringKeyValuePair
}

type RuleCondition struct {
	Field                   *string
	Values                  []string
	HostHeaderConfig        *ValuesConfig
	PathPatternConfig       *ValuesConfig
	HttpHeaderConfig        *HttpHeaderConditionConfig
	HttpRequestMethodConfig *ValuesConfig
	QueryStringConfig       *QueryStringConditionConfig
	SourceIpConfig          *ValuesConfig
}

type Rule struct {
	RuleArn    string
	Priority   string // "1".."50000", or "default"
	Conditions []RuleCondition
	Actions    []Action
	IsDefault  bool
}

// Attribute is one of the Key=Value settings of a load balancer, target
// group or listener (deregistration_delay.timeout_seconds, stickiness.*…).
type Attribute struct {
	Key   *string
	Value *string
}

// Stored records. A record embeds the wire type it answers with, plus what
// only Portolan keeps: the address a load balancer serves on, attributes,
// tags, and the children that share its compare-and-swap (keys.go).

type loadBalancerRecord struct {
	LoadBalancer
	// Address is the IP its listeners serve on, allocated from
	// Config.Addresses and resolved from its DNSName.
	Address    string
	Attributes map[string]string
	Tags       []Tag
	Listeners  []*listenerRecord
}

type listenerRecord struct {
	Listener
	Attributes map[string]string
	Tags       []Tag
	// LocalCertificate is what an HTTPS listener serves (certificates.go).
	LocalCertificate *LocalCertificate `json:",omitempty"`
	// Rules are the listener's non-default rules; the default rule is the
	// listener's DefaultActions.
	Rules []*ruleRecord
}

type ruleRecord struct {
	Rule
	Tags []Tag
}

type targetGroupRecord struct {
	TargetGroup
	Attributes map[string]string
	Tags       []Tag
	Targets    []*registeredTarget
}

// registeredTarget is a target of a group. A deregistered target stays,
// draining, until its deregistration delay has passed.
type registeredTarget struct {
	TargetDescription
	RegisteredAt   time.Time
	DeregisteredAt *time.Time
}

// targetHealthRecord is what the health checker last concluded of a
// target (the checker is its only writer).
type targetHealthRecord struct {
	TargetHealth
	Since time.Time
}
