package cloudmap

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Limits from the Cloud Map API model and developer guide (spec §A).
const (
	maxTags                = awsapi.MaxTags
	maxNamespaces          = 50
	maxInstancesPerService = 1000
	maxCustomAttributes    = 30
	maxAttributeChars      = 5000
	maxServiceAttributes   = 30
	maxDescription         = 1024
	maxCreatorRequestID    = 64
	maxTTL                 = 2147483647
)

var (
	instanceIDPattern = regexp.MustCompile(`^[0-9a-zA-Z_/:.@-]+$`)
	attrKeyPattern    = regexp.MustCompile(`^[a-zA-Z0-9!-~]+$`)
	dnsLabel          = `([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)`
	serviceNameRE     = regexp.MustCompile(`^` + dnsLabel + `(\.` + dnsLabel + `)*$`)
	// A public namespace is a domain under a TLD: at least two labels.
	publicNameRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?$`)
)

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

func validateNamespaceName(typ, name string) error {
	switch typ {
	case NamespaceHTTP:
		if name == "" || len(name) > 1024 || !printableASCII(name) || awsapi.IsARN(name) {
			return invalidInput("Namespace name %q is invalid: it must be 1 to 1024 printable ASCII characters and must not start with arn:", name)
		}
	case NamespaceDNSPrivate:
		if name == "" || len(name) > 253 || !printableASCII(name) {
			return invalidInput("Namespace name %q is invalid: it must be 1 to 253 printable ASCII characters", name)
		}
	case NamespaceDNSPublic:
		if name == "" || len(name) > 253 || !publicNameRE.MatchString(name) {
			return invalidInput("Namespace name %q is not a valid domain name", name)
		}
	}
	return nil
}

func validateServiceName(name string) error {
	if name == "." {
		return nil
	}
	if len(name) == 0 || len(name) > 127 || !serviceNameRE.MatchString(name) {
		return invalidInput("Service name %q is invalid: it must be 1 to 127 characters of DNS labels separated by dots", name)
	}
	return nil
}

func validateDescription(d string) error {
	if len(d) > maxDescription {
		return invalidInput("Description must be at most %d characters", maxDescription)
	}
	return nil
}

func validateCreatorRequestID(id string) error {
	if len(id) > maxCreatorRequestID {
		return invalidInput("CreatorRequestId must be at most %d characters", maxCreatorRequestID)
	}
	return nil
}

func validateTTL(ttl *int64, what string) error {
	if ttl == nil {
		return invalidInput("%s TTL is required", what)
	}
	if *ttl < 0 || *ttl > maxTTL {
		return invalidInput("%s TTL %d is out of range: it must be between 0 and %d", what, *ttl, maxTTL)
	}
	return nil
}

func validateTags(arn string, tags []Tag) error {
	switch fault, key := awsapi.CheckTags(len(tags), awsapi.TagList(tags, func(t Tag) (string, string) { return t.Key, t.Value })); fault {
	case awsapi.TooManyTags:
		return tooManyTags(arn)
	case awsapi.BadTagKey:
		return invalidInput("Tag key %q must be 1 to 128 characters", key)
	case awsapi.BadTagValue:
		return invalidInput("Tag value for key %q must be at most 256 characters", key)
	}
	return nil
}

// validateDnsConfig checks a DnsConfig's record set. The API reference
// lists {A}, {AAAA}, {A, AAAA}, {SRV} and {CNAME}; ECS's guide lets awsvpc
// tasks have "any combination of A or SRV records", so SRV may also join A
// and AAAA (docs/compat.md). CNAME stands alone, with WEIGHTED routing.
func validateDnsConfig(c *DnsConfig, hasHealthCheck bool) error {
	if len(c.DnsRecords) == 0 {
		return invalidInput("DnsConfig.DnsRecords must contain at least one record")
	}
	switch c.RoutingPolicy {
	case RoutingMultivalue, RoutingWeighted:
	default:
		return invalidInput("RoutingPolicy %q is invalid: it must be MULTIVALUE or WEIGHTED", c.RoutingPolicy)
	}
	seen := map[string]bool{}
	for _, r := range c.DnsRecords {
		switch r.Type {
		case RecordA, RecordAAAA, RecordSRV, RecordCNAME:
		default:
			return invalidInput("DnsRecord type %q is invalid: it must be A, AAAA, SRV or CNAME", r.Type)
		}
		if seen[r.Type] {
			return invalidInput("DnsRecords contains more than one %s record", r.Type)
		}
		seen[r.Type] = true
		if err := validateTTL(r.TTL, "DnsRecord "+r.Type); err != nil {
			return err
		}
	}
	if seen[RecordCNAME] && len(seen) > 1 {
		return invalidInput("A CNAME record cannot be combined with other record types")
	}
	if seen[RecordCNAME] {
		if c.RoutingPolicy != RoutingWeighted {
			return invalidInput("A CNAME record requires the WEIGHTED routing policy")
		}
		if hasHealthCheck {
			return invalidInput("A service with a CNAME record cannot have a HealthCheckConfig")
		}
	}
	return nil
}

func validateHealthCheckConfig(h *HealthCheckConfig) error {
	switch h.Type {
	case "HTTP", "HTTPS":
		if h.ResourcePath == "" {
			h.ResourcePath = "/"
		}
		if len(h.ResourcePath) > 255 {
			return invalidInput("HealthCheckConfig.ResourcePath must be at most 255 characters")
		}
	case "TCP":
		if h.ResourcePath != "" {
			return invalidInput("HealthCheckConfig.ResourcePath must not be set for a TCP health check")
		}
	default:
		return invalidInput("HealthCheckConfig.Type %q is invalid: it must be HTTP, HTTPS or TCP", h.Type)
	}
	if h.FailureThreshold == nil {
		one := int32(1)
		h.FailureThreshold = &one
	}
	if *h.FailureThreshold < 1 || *h.FailureThreshold > 10 {
		return invalidInput("HealthCheckConfig.FailureThreshold must be between 1 and 10")
	}
	return nil
}

// validateAttributes applies the AWS_INSTANCE_* rules of spec §A.5 for an
// instance of svc in a namespace of type nsType.
func validateAttributes(attrs map[string]string, svc *Service, nsType string) error {
	if attrs == nil {
		// Required, and may be empty ({}) where no record or health
		// check needs an attribute (an HTTP namespace's instance).
		return invalidInput("Attributes is required")
	}
	total, custom := 0, 0
	for k, v := range attrs {
		if len(k) > 255 || !attrKeyPattern.MatchString(k) {
			return invalidInput("Attribute key %q is invalid: it must be 1 to 255 printable ASCII characters", k)
		}
		if len(v) > 1024 {
			return invalidInput("Value of attribute %s must be at most 1024 characters", k)
		}
		if strings.HasPrefix(v, " ") || !printableWithSpace(v) {
			return invalidInput("Value of attribute %s must be printable ASCII and must not start with a space", k)
		}
		total += len(k) + len(v)
		if !strings.HasPrefix(k, "AWS_") {
			custom++
		}
	}
	if custom > maxCustomAttributes {
		return invalidInput("An instance can have at most %d custom attributes", maxCustomAttributes)
	}
	if total > maxAttributeChars {
		return invalidInput("Attribute keys and values together must be at most %d characters", maxAttributeChars)
	}

	_, hasV4 := attrs[AttrIPv4]
	_, hasV6 := attrs[AttrIPv6]
	if v, ok := attrs[AttrIPv4]; ok {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return invalidInput("AWS_INSTANCE_IPV4 %q is not a valid IPv4 address", v)
		}
	}
	if v, ok := attrs[AttrIPv6]; ok {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Is4In6() {
			return invalidInput("AWS_INSTANCE_IPV6 %q is not a valid IPv6 address", v)
		}
	}
	if v, ok := attrs[AttrPort]; ok {
		if p, err := strconv.Atoi(v); err != nil || p < 0 || p > 65535 {
			return invalidInput("AWS_INSTANCE_PORT %q is not a valid port", v)
		}
	}
	if v, ok := attrs[AttrInitHealth]; ok {
		if svc.HealthCheckCustomConfig == nil {
			return invalidInput("AWS_INIT_HEALTH_STATUS is allowed only for a service with HealthCheckCustomConfig")
		}
		if v != Healthy && v != Unhealthy {
			return invalidInput("AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY")
		}
	}
	if _, ok := attrs[AttrEC2]; ok {
		if nsType != NamespaceHTTP {
			return invalidInput("AWS_EC2_INSTANCE_ID is allowed only in HTTP namespaces")
		}
		for k := range attrs {
			if k != AttrEC2 && k != AttrInitHealth && strings.HasPrefix(k, "AWS_") {
				return invalidInput("AWS_EC2_INSTANCE_ID may be combined only with AWS_INIT_HEALTH_STATUS")
			}
		}
	}
	if _, ok := attrs[AttrAlias]; ok {
		if svc.DnsConfig == nil || svc.DnsConfig.RoutingPolicy != RoutingWeighted {
			return invalidInput("AWS_ALIAS_DNS_NAME requires a service with the WEIGHTED routing policy")
		}
		if _, a := svc.RecordTTL(RecordA); !a {
			if _, aaaa := svc.RecordTTL(RecordAAAA); !aaaa {
				return invalidInput("AWS_ALIAS_DNS_NAME requires a service with A or AAAA records")
			}
		}
		for k := range attrs {
			if strings.HasPrefix(k, "AWS_INSTANCE_") {
				return invalidInput("AWS_ALIAS_DNS_NAME cannot be combined with %s", k)
			}
		}
		return nil
	}
	if svc.Type != ServiceTypeHTTP && svc.DnsConfig != nil {
		for _, r := range svc.DnsConfig.DnsRecords {
			switch r.Type {
			case RecordA:
				if !hasV4 {
					return invalidInput("AWS_INSTANCE_IPV4 is required because the service has an A record")
				}
			case RecordAAAA:
				if !hasV6 {
					return invalidInput("AWS_INSTANCE_IPV6 is required because the service has an AAAA record")
				}
			case RecordSRV:
				if !hasV4 && !hasV6 {
					return invalidInput("AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 is required because the service has an SRV record")
				}
				if _, ok := attrs[AttrPort]; !ok {
					return invalidInput("AWS_INSTANCE_PORT is required because the service has an SRV record")
				}
			case RecordCNAME:
				if _, ok := attrs[AttrCNAME]; !ok {
					return invalidInput("AWS_INSTANCE_CNAME is required because the service has a CNAME record")
				}
			}
		}
	}
	if svc.HealthCheckConfig != nil {
		if _, ok := attrs[AttrPort]; !ok {
			return invalidInput("AWS_INSTANCE_PORT is required because the service has a HealthCheckConfig")
		}
	}
	return nil
}

func printableWithSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return true
}

func validateInstanceID(id string) error {
	if id == "" || len(id) > 64 || !instanceIDPattern.MatchString(id) {
		return invalidInput("InstanceId %q is invalid: it must be 1 to 64 characters of [0-9a-zA-Z_/:.@-]", id)
	}
	return nil
}

// resolveID accepts an id or an ARN of the given kind ("namespace", "service").
func resolveID(kind, idOrARN string) (string, error) {
	if idOrARN == "" {
		return "", invalidInput("%sId is required", strings.ToUpper(kind[:1])+kind[1:])
	}
	if len(idOrARN) > 255 {
		return "", invalidInput("%s id %q is too long", kind, idOrARN)
	}
	if !awsapi.IsARN(idOrARN) {
		return idOrARN, nil
	}
	id, ok := awsapi.ResourceOf(idOrARN, "servicediscovery", kind)
	if !ok {
		return "", invalidInput("%q is not a valid %s ARN", idOrARN, kind)
	}
	return id, nil
}
