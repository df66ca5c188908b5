package apigw

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// DomainName is a custom domain name (apigatewayv2's DomainName). The
// gateway serves requests whose Host is the name through its API
// mappings; there is no certificate to hold here, so certificateArn is
// recorded and the name is AVAILABLE at once.
type DomainName struct {
	ApiMappingSelectionExpression string                    `json:"apiMappingSelectionExpression"`
	DomainName                    string                    `json:"domainName"`
	DomainNameArn                 string                    `json:"domainNameArn"`
	DomainNameConfigurations      []DomainNameConfiguration `json:"domainNameConfigurations"`
	MutualTlsAuthentication       *MutualTlsAuthentication  `json:"mutualTlsAuthentication,omitempty"`
	RoutingMode                   string                    `json:"routingMode,omitempty"`
	Tags                          map[string]string         `json:"tags,omitempty"`
}

// DomainNameConfiguration is one endpoint configuration of a domain name.
type DomainNameConfiguration struct {
	ApiGatewayDomainName                string     `json:"apiGatewayDomainName,omitempty"`
	CertificateArn                      string     `json:"certificateArn,omitempty"`
	CertificateName                     string     `json:"certificateName,omitempty"`
	CertificateUploadDate               *Timestamp `json:"certificateUploadDate,omitempty"`
	DomainNameStatus                    string     `json:"domainNameStatus,omitempty"`
	DomainNameStatusMessage             string     `json:"domainNameStatusMessage,omitempty"`
	EndpointType                        string     `json:"endpointType,omitempty"`
	HostedZoneId                        string     `json:"hostedZoneId,omitempty"`
	IpAddressType                       string     `json:"ipAddressType,omitempty"`
	OwnershipVerificationCertificateArn string     `json:"ownershipVerificationCertificateArn,omitempty"`
	SecurityPolicy                      string     `json:"securityPolicy,omitempty"`
}

// MutualTlsAuthentication is recorded as given (no truststore is read).
type MutualTlsAuthentication struct {
	TruststoreUri      string   `json:"truststoreUri,omitempty"`
	TruststoreVersion  string   `json:"truststoreVersion,omitempty"`
	TruststoreWarnings []string `json:"truststoreWarnings,omitempty"`
}

// ApiMapping connects a stage of an API to a path of a domain name.
type ApiMapping struct {
	ApiId         string `json:"apiId"`
	ApiMappingId  string `json:"apiMappingId"`
	ApiMappingKey string `json:"apiMappingKey"`
	Stage         string `json:"stage"`
}

// domainRecord is what the store holds for a domain name: its mappings
// live inside it, so that keeping their keys distinct is one
// compare-and-swap.
type domainRecord struct {
	DomainName
	Mappings map[string]*ApiMapping `json:"mappings,omitempty"`
}

type CreateDomainNameInput struct {
	DomainName               *string                   `json:"domainName,omitempty"`
	DomainNameConfigurations []DomainNameConfiguration `json:"domainNameConfigurations,omitempty"`
	MutualTlsAuthentication  *MutualTlsAuthentication  `json:"mutualTlsAuthentication,omitempty"`
	RoutingMode              *string                   `json:"routingMode,omitempty"`
	Tags                     map[string]string         `json:"tags,omitempty"`
}

type UpdateDomainNameInput struct {
	DomainName               string                    `json:"-"`
	DomainNameConfigurations []DomainNameConfiguration `json:"domainNameConfigurations,omitempty"`
	MutualTlsAuthentication  *MutualTlsAuthentication  `json:"mutualTlsAuthentication,omitempty"`
	RoutingMode              *string                   `json:"routingMode,omitempty"`
}

// DomainNameRef names a domain name.
type DomainNameRef struct {
	DomainName string `json:"-"`
}

// domainNamePattern is a host name of at least two labels (AWS refuses
// bare names and wildcards other than a leading "*.").
var domainNamePattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)

// regionalHostedZones are API Gateway's Route 53 hosted zone ids for
// regional endpoints (AWS General Reference, "Amazon API Gateway endpoints
// and quotas"): what an alias record to the domain's endpoint names.
var regionalHostedZones = map[string]string{
	"us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE", "us-west-2": "Z2OJLYMUO9EFXC",
	"ap-south-1": "Z3VO1THU9YC4UR", "ap-northeast-1": "Z1YSHQZHG15GKL", "ap-northeast-2": "Z20JF4UZKIW1U8", "ap-northeast-3": "Z2YQB5RD63NC85",
	"ap-southeast-1": "ZL327KTPIQFUL", "ap-southeast-2": "Z2RPCDW04V8134", "ca-central-1": "Z19DQILCV0OWEC", "eu-central-1": "Z1U9ULNL0V5AJ3",
	"eu-west-1": "ZLY8HYME6SFDD", "eu-west-2": "ZJ5UAJN8Y3Z2Q", "eu-west-3": "Z3KY65QIEKYHQQ", "sa-east-1": "ZCMLWB8V5SYIT",
}

// edgeHostedZone is the hosted zone of every edge-optimized endpoint.
const edgeHostedZone = "Z2FDTNDATAQYW2"

// CreateDomainName creates a custom domain name.
func (s *Control) CreateDomainName(ctx context.Context, in *CreateDomainNameInput) (*DomainName, error) {
	name := strings.ToLower(strOr(in.DomainName, ""))
	if name == "" {
		return nil, badRequest("DomainName is required")
	}
	if len(name) > 512 || !domainNamePattern.MatchString(name) {
		return nil, badRequest("Invalid domain name identifier specified: %s", name)
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	mode, err := routingMode(in.RoutingMode, "API_MAPPING_ONLY")
	if err != nil {
		return nil, err
	}
	configs, err := s.domainConfigurations(in.DomainNameConfigurations)
	if err != nil {
		return nil, err
	}
	d := &domainRecord{DomainName: DomainName{
		ApiMappingSelectionExpression: "$request.basepath",
		DomainName:                    name,
		DomainNameArn:                 "arn:aws:apigateway:" + s.cfg.Region + "::/domainnames/" + name,
		DomainNameConfigurations:      configs,
		MutualTlsAuthentication:       in.MutualTlsAuthentication,
		RoutingMode:                   mode,
		Tags:                          in.Tags,
	}}
	err = s.commit(ctx, func() (store.Txn, error) {
		if _, err := s.st.Get(ctx, domainKey(name)); err == nil {
			return store.Txn{}, conflict("The domain name you provided already exists.")
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(domainKey(name))}, Then: []store.Op{store.Put(domainKey(name), store.JSON(d))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &d.DomainName, nil
}

// domainConfigurations validates the endpoint configurations given and
// fills in what AWS reports: one REGIONAL TLS_1_2 configuration when none
// is given, the endpoint's own domain name and hosted zone, AVAILABLE.
func (s *Control) domainConfigurations(in []DomainNameConfiguration) ([]DomainNameConfiguration, error) {
	if len(in) == 0 {
		in = []DomainNameConfiguration{{}}
	}
	if len(in) > 1 {
		return nil, badRequest("Only one domain name configuration is supported")
	}
	out := make([]DomainNameConfiguration, len(in))
	for i, c := range in {
		c.EndpointType = cmp.Or(c.EndpointType, "REGIONAL")
		c.SecurityPolicy = cmp.Or(c.SecurityPolicy, "TLS_1_2")
		c.IpAddressType = cmp.Or(c.IpAddressType, "ipv4")
		switch {
		case c.EndpointType != "REGIONAL" && c.EndpointType != "EDGE":
			return nil, badRequest("Invalid endpoint type %s: must be REGIONAL or EDGE", c.EndpointType)
		case c.SecurityPolicy != "TLS_1_2" && c.SecurityPolicy != "TLS_1_0":
			return nil, badRequest("Invalid security policy %s: must be TLS_1_0 or TLS_1_2", c.SecurityPolicy)
		case c.IpAddressType != "ipv4" && c.IpAddressType != "dualstack":
			return nil, badRequest("Invalid ip address type %s: must be ipv4 or dualstack", c.IpAddressType)
		case c.CertificateArn != "":
			if a, ok := awsapi.ParseARN(c.CertificateArn); !ok || a.Service != "acm" {
				return nil, badRequest("Invalid certificate ARN %s", c.CertificateArn)
			}
		}
		if c.ApiGatewayDomainName == "" {
			c.ApiGatewayDomainName = "d-" + awsapi.RandomID(10) + ".execute-api." + s.cfg.Region + ".amazonaws.com"
		}
		c.HostedZoneId = regionalHostedZones[s.cfg.Region]
		if c.EndpointType == "EDGE" {
			c.HostedZoneId = edgeHostedZone
		}
		c.DomainNameStatus, c.DomainNameStatusMessage = "AVAILABLE", ""
		out[i] = c
	}
	return out, nil
}

func routingMode(v *string, def string) (string, error) {
	switch m := strOr(v, def); m {
	case "API_MAPPING_ONLY", "ROUTING_RULE_ONLY", "ROUTING_RULE_THEN_API_MAPPING":
		if m != "API_MAPPING_ONLY" {
			return "", badRequest("RoutingMode %s: Portolan serves API mappings only (API_MAPPING_ONLY)", m)
		}
		return m, nil
	default:
		return "", badRequest("Invalid RoutingMode %s", m)
	}
}

func (s *Control) getDomain(ctx context.Context, name string) (*domainRecord, store.KV, error) {
	d, kv, err := store.GetJSON[domainRecord](ctx, s.st, domainKey(strings.ToLower(name)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, ErrNotFound.Newf("Invalid domain name identifier specified").With("resourceType", "DomainName")
	}
	return d, kv, err
}

// GetDomainName returns a domain name.
func (s *Control) GetDomainName(ctx context.Context, in *DomainNameRef) (*DomainName, error) {
	d, _, err := s.getDomain(ctx, in.DomainName)
	if err != nil {
		return nil, err
	}
	return &d.DomainName, nil
}

// GetDomainNames lists domain names in name order.
func (s *Control) GetDomainNames(ctx context.Context, in *PageInput) (*Page[*DomainName], error) {
	recs, _, err := listJSON[domainRecord](ctx, s.st, domainPrefix)
	if err != nil {
		return nil, err
	}
	names := make([]*DomainName, len(recs))
	for i, d := range recs {
		names[i] = &d.DomainName
	}
	items, next, err := page(names, func(d *DomainName) string { return d.DomainName }, *in)
	if err != nil {
		return nil, err
	}
	return &Page[*DomainName]{Items: items, NextToken: next}, nil
}

// UpdateDomainName replaces a domain name's endpoint configuration or
// mutual TLS settings.
func (s *Control) UpdateDomainName(ctx context.Context, in *UpdateDomainNameInput) (*DomainName, error) {
	var out DomainName
	err := s.commit(ctx, func() (store.Txn, error) {
		d, kv, err := s.getDomain(ctx, in.DomainName)
		if err != nil {
			return store.Txn{}, err
		}
		if in.DomainNameConfigurations != nil {
			for i := range in.DomainNameConfigurations {
				// The endpoint keeps its name: it is what DNS points at.
				if i < len(d.DomainNameConfigurations) {
					in.DomainNameConfigurations[i].ApiGatewayDomainName = d.DomainNameConfigurations[i].ApiGatewayDomainName
				}
			}
			if d.DomainNameConfigurations, err = s.domainConfigurations(in.DomainNameConfigurations); err != nil {
				return store.Txn{}, err
			}
		}
		if in.MutualTlsAuthentication != nil {
			d.MutualTlsAuthentication = in.MutualTlsAuthentication
		}
		if in.RoutingMode != nil {
			if d.RoutingMode, err = routingMode(in.RoutingMode, ""); err != nil {
				return store.Txn{}, err
			}
		}
		out = d.DomainName
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}}, nil
	})
	return &out, err
}

// DeleteDomainName deletes a domain name and its API mappings.
func (s *Control) DeleteDomainName(ctx context.Context, in *DomainNameRef) error {
	return s.commit(ctx, func() (store.Txn, error) {
		_, kv, err := s.getDomain(ctx, in.DomainName)
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}

// sortedMappings lists a domain's mappings in id order.
func sortedMappings(d *domainRecord) []*ApiMapping {
	out := make([]*ApiMapping, 0, len(d.Mappings))
	for _, m := range d.Mappings {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ApiMappingId < out[j].ApiMappingId })
	return out
}
