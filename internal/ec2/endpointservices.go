package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

type DescribeVpcEndpointServicesInput struct {
	DryRun       *bool
	ServiceNames []string `ec2:"ServiceName"`
	Filters      []Filter `ec2:"Filter"`
	MaxResults   *int32
	NextToken    *string
}

type DescribeVpcEndpointServicesOutput struct {
	ServiceNames   []string        `ec2:"serviceNameSet"`
	ServiceDetails []ServiceDetail `ec2:"serviceDetailSet"`
	NextToken      *string
}

// ServiceDetail describes a service endpoints can be created for.
type ServiceDetail struct {
	ServiceName                     string
	ServiceId                       string
	ServiceType                     []ServiceTypeDetail `ec2:"serviceType"`
	AvailabilityZones               []string            `ec2:"availabilityZoneSet"`
	Owner                           string
	BaseEndpointDnsNames            []string `ec2:"baseEndpointDnsNameSet"`
	PrivateDnsName                  *string
	PrivateDnsNames                 []PrivateDnsDetails `ec2:"privateDnsNameSet"`
	VpcEndpointPolicySupported      bool
	AcceptanceRequired              bool
	ManagesVpcEndpoints             bool
	PrivateDnsNameVerificationState *string
	SupportedIpAddressTypes         []string `ec2:"supportedIpAddressTypeSet"`
	Tags                            []Tag    `ec2:"tagSet"`
}

// ServiceTypeDetail is one endpoint type a service offers.
type ServiceTypeDetail struct{ ServiceType string }

// PrivateDnsDetails is one private DNS name of a service.
type PrivateDnsDetails struct{ PrivateDnsName string }

// endpointService is an AWS service Portolan accepts endpoints for.
type endpointService struct {
	// suffix follows com.amazonaws.REGION. (ecr.dkr)
	suffix string
	types  []string
	// wildcard: the private DNS name covers every name under the
	// service's (*.execute-api.REGION.amazonaws.com: one per API id).
	wildcard bool
}

// endpointServices are the services Portolan knows endpoints of: what the
// reference designs reach privately (API Gateway, ECR, CloudWatch Logs,
// S3) and what a Fargate task in a closed network needs besides.
var endpointServices = []endpointService{
	{suffix: "dynamodb", types: []string{TypeGateway}},
	{suffix: "ec2", types: []string{TypeInterface}},
	{suffix: "ecr.api", types: []string{TypeInterface}},
	{suffix: "ecr.dkr", types: []string{TypeInterface}, wildcard: true},
	{suffix: "ecs", types: []string{TypeInterface}},
	{suffix: "ecs-agent", types: []string{TypeInterface}},
	{suffix: "ecs-telemetry", types: []string{TypeInterface}},
	{suffix: "elasticloadbalancing", types: []string{TypeInterface}},
	{suffix: "execute-api", types: []string{TypeInterface}, wildcard: true},
	{suffix: "kms", types: []string{TypeInterface}},
	{suffix: "logs", types: []string{TypeInterface}},
	{suffix: "monitoring", types: []string{TypeInterface}},
	{suffix: "s3", types: []string{TypeGateway, TypeInterface}, wildcard: true},
	{suffix: "secretsmanager", types: []string{TypeInterface}},
	{suffix: "servicediscovery", types: []string{TypeInterface}},
	{suffix: "sns", types: []string{TypeInterface}},
	{suffix: "sqs", types: []string{TypeInterface}},
	{suffix: "ssm", types: []string{TypeInterface}},
	{suffix: "ssmmessages", types: []string{TypeInterface}},
	{suffix: "sts", types: []string{TypeInterface}},
}

// ExecuteAPIService is the suffix of API Gateway's endpoint service:
// endpoints of com.amazonaws.REGION.execute-api reach private REST APIs.
const ExecuteAPIService = "execute-api"

// serviceName is the endpoint service name of s in region.
func serviceName(region, suffix string) string { return "com.amazonaws." + region + "." + suffix }

// lookupService finds the service a name names in region.
func lookupService(region, name string) (endpointService, bool) {
	suffix, ok := strings.CutPrefix(name, "com.amazonaws."+region+".")
	if !ok {
		return endpointService{}, false
	}
	i := slices.IndexFunc(endpointServices, func(s endpointService) bool { return s.suffix == suffix })
	if i < 0 {
		return endpointService{}, false
	}
	return endpointServices[i], true
}

// dnsPart is the service's part of DNS names: its suffix's labels in
// reverse (ecr.dkr → dkr.ecr), as in dkr.ecr.us-east-1.amazonaws.com.
func (s endpointService) dnsPart() string {
	labels := strings.Split(s.suffix, ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

// baseDNSName is the name endpoints' own DNS names end in.
func (s endpointService) baseDNSName(region string) string {
	return s.dnsPart() + "." + region + ".vpce.amazonaws.com"
}

// privateDNSName is the service's public name, which an endpoint with
// private DNS answers inside its VPC.
func (s endpointService) privateDNSName(region string) string {
	name := s.dnsPart() + "." + region + ".amazonaws.com"
	if s.wildcard {
		return "*." + name
	}
	return name
}

func (s endpointService) supports(typ string) bool { return slices.Contains(s.types, typ) }

// availabilityZones are the zones Portolan reports a region to have:
// endpoints place their subnets in them in turn.
func availabilityZones(region string) []string {
	zones := make([]string, 0, 6)
	for _, letter := range "abcdef" {
		zones = append(zones, region+string(letter))
	}
	return zones
}

// serviceID is a service's stable id (vpce-svc- and 17 hex digits).
func serviceID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "vpce-svc-" + hex.EncodeToString(sum[:])[:17]
}

// serviceDetails lists every service by name, one detail per type (S3
// offers Gateway and Interface endpoints).
func (c *Control) serviceDetails() []ServiceDetail {
	var out []ServiceDetail
	for _, s := range endpointServices {
		name := serviceName(c.cfg.Region, s.suffix)
		for _, typ := range s.types {
			d := ServiceDetail{
				ServiceName: name, ServiceId: serviceID(name + "/" + typ), ServiceType: []ServiceTypeDetail{{typ}},
				AvailabilityZones: availabilityZones(c.cfg.Region), Owner: "amazon",
				BaseEndpointDnsNames: []string{s.baseDNSName(c.cfg.Region)}, VpcEndpointPolicySupported: true,
				SupportedIpAddressTypes: []string{"ipv4"}, Tags: []Tag{},
			}
			if typ == TypeInterface {
				private := s.privateDNSName(c.cfg.Region)
				d.PrivateDnsName, d.PrivateDnsNames = &private, []PrivateDnsDetails{{private}}
				verified := "verified"
				d.PrivateDnsNameVerificationState = &verified
			}
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b ServiceDetail) int { return strings.Compare(serviceKey(a), serviceKey(b)) })
	return out
}

// serviceKey orders the details and pages them.
func serviceKey(d ServiceDetail) string { return d.ServiceName + "/" + d.ServiceType[0].ServiceType }

// DescribeVpcEndpointServices lists the services endpoints can be made for.
func (c *Control) DescribeVpcEndpointServices(ctx context.Context, in *DescribeVpcEndpointServicesInput) (*DescribeVpcEndpointServicesOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	for _, name := range in.ServiceNames {
		if _, ok := lookupService(c.cfg.Region, name); !ok {
			return nil, ErrInvalidServiceName.Newf("The Vpc Endpoint Service '%s' does not exist", name)
		}
	}
	match, err := compileFilters(in.Filters, serviceFilters)
	if err != nil {
		return nil, err
	}
	var details []ServiceDetail
	for _, d := range c.serviceDetails() {
		if len(in.ServiceNames) > 0 && !slices.Contains(in.ServiceNames, d.ServiceName) {
			continue
		}
		if match(func(name string) []string { return serviceFilterValues(&d, name) }) {
			details = append(details, d)
		}
	}
	page, next, err := awsapi.Paginate(describePager, details, serviceKey, deref(in.NextToken), maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &DescribeVpcEndpointServicesOutput{ServiceNames: []string{}, ServiceDetails: page, NextToken: awsapi.StringPtr(next)}
	for _, d := range page {
		if !slices.Contains(out.ServiceNames, d.ServiceName) {
			out.ServiceNames = append(out.ServiceNames, d.ServiceName)
		}
	}
	return out, nil
}

// serviceFilters are DescribeVpcEndpointServices' filter names.
var serviceFilters = []string{"service-name", "service-type", "owner", "service-region", "supported-ip-address-types", "tag-key", "tag:"}

func serviceFilterValues(d *ServiceDetail, name string) []string {
	switch name {
	case "service-name":
		return []string{d.ServiceName}
	case "service-type":
		return []string{d.ServiceType[0].ServiceType}
	case "owner":
		return []string{d.Owner}
	case "service-region":
		return []string{strings.Split(d.ServiceName, ".")[2]}
	case "supported-ip-address-types":
		return d.SupportedIpAddressTypes
	}
	return tagFilterValues(d.Tags, name)
}
