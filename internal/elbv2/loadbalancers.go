package elbv2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// SubnetMapping is a subnet a load balancer is placed in, with the
// addresses AWS would give it there (accepted and ignored: the load
// balancer's address comes from Config.Addresses).
type SubnetMapping struct {
	SubnetId           *string
	AllocationId       *string
	PrivateIPv4Address *string
	IPv6Address        *string
}

type CreateLoadBalancerInput struct {
	Name                  string
	Subnets               []string
	SubnetMappings        []SubnetMapping
	SecurityGroups        []string
	Scheme                *string
	Tags                  []Tag
	Type                  *string
	IpAddressType         *string
	CustomerOwnedIpv4Pool *string
}

type CreateLoadBalancerOutput struct {
	LoadBalancers []LoadBalancer
}

type DescribeLoadBalancersInput struct {
	LoadBalancerArns []string
	Names            []string
	Marker           *string
	PageSize         *int32
}

type DescribeLoadBalancersOutput struct {
	LoadBalancers []LoadBalancer
	NextMarker    *string
}

type DeleteLoadBalancerInput struct {
	LoadBalancerArn string
}

type DeleteLoadBalancerOutput struct{}

type DescribeLoadBalancerAttributesInput struct {
	LoadBalancerArn string
}

type ModifyLoadBalancerAttributesInput struct {
	LoadBalancerArn string
	Attributes      []Attribute
}

// LoadBalancerAttributesOutput answers both Describe- and
// ModifyLoadBalancerAttributes: every attribute of the load balancer.
type LoadBalancerAttributesOutput struct {
	Attributes []Attribute
}

// Hosted zones of the load balancers' DNS names (AWS General Reference,
// "Elastic Load Balancing endpoints and quotas"): one column for
// Application (and Classic) Load Balancers, one for Network Load Balancers.
var (
	applicationHostedZones = map[string]string{
		"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
		"us-west-2": "Z1H1FL5HABSF5", "ca-central-1": "ZQSVJUPU6J1EY", "ap-south-1": "ZP97RAFLXTNZK",
		"ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-2": "ZWKZPGTI48KDX", "ap-southeast-1": "Z1LMS91P8CMLE5",
		"ap-southeast-2": "Z1GM3OXH4ZPM65", "eu-central-1": "Z215JYRZR1TBD5", "eu-west-1": "Z32O12XQLNTSW2",
		"eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4", "eu-north-1": "Z23TAZ6LKFMNIO",
		"sa-east-1": "Z2P70J7HTTTPLU",
	}
	networkHostedZones = map[string]string{
		"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
		"us-west-2": "Z18D5FSROUN65G", "ca-central-1": "Z2EPGBW3API2WT", "ap-south-1": "ZVDDRBQ08TROA",
		"ap-northeast-1": "Z31USIVHYNEOWT", "ap-northeast-2": "ZIBE1TIR4HY56", "ap-southeast-1": "ZKVM4W9LS7TM",
		"ap-southeast-2": "ZCT6FZBF4DROD", "eu-central-1": "Z3F0SRJ5LGBH90", "eu-west-1": "Z2IFOLAFXWLO4F",
		"eu-west-2": "ZD4D7Y8KGAS4G", "eu-west-3": "Z1CMS0P5QUZ6D5", "eu-north-1": "Z1UDT6IFJ4EJM",
		"sa-east-1": "ZTK26PT1VY4CU",
	}
)

// hostedZone is the region's zone for the type; a region not in the table
// gets us-east-1's, which Route 53 alias records here accept alike.
func hostedZone(lbType, region string) string {
	zones, fallback := applicationHostedZones, "Z35SXDOTRQ7X7K"
	if lbType == TypeNetwork {
		zones, fallback = networkHostedZones, "Z26RNL4JYFTOTI"
	}
	if z, ok := zones[region]; ok {
		return z
	}
	return fallback
}

// validLoadBalancerName: 1-32 alphanumerics or hyphens, not starting or
// ending with a hyphen, and not starting with "internal-" (AWS reserves it
// for the DNS names of internal load balancers).
func validResourceName(name string) bool {
	if len(name) < 1 || len(name) > 32 || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// defaultVPC is the VPC every resource reports: there is one network here,
// and its id stays the same for an account and region across restarts.
func (c *Control) defaultVPC() string {
	sum := sha256.Sum256([]byte(c.cfg.AccountID + "/" + c.cfg.Region))
	return "vpc-" + hex.EncodeToString(sum[:])[:17]
}

// CreateLoadBalancer creates a load balancer, or returns the one of that
// name when its settings are the same (the operation is idempotent).
func (c *Control) CreateLoadBalancer(ctx context.Context, in *CreateLoadBalancerInput) (*CreateLoadBalancerOutput, error) {
	want, err := c.newLoadBalancer(in)
	if err != nil {
		return nil, err
	}
	var got *loadBalancerRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		records, _, err := c.loadBalancers(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		for _, r := range records {
			if r.LoadBalancerName != want.LoadBalancerName {
				continue
			}
			if !sameLoadBalancerSettings(r, want) {
				return store.Txn{}, ErrDuplicateLoadBalancerName.Newf("A load balancer with the same name '%s' exists, but with different settings", r.LoadBalancerName)
			}
			got = r
			return store.Txn{}, nil
		}
		addr, ok := c.freeAddress(records)
		if !ok {
			return store.Txn{}, ErrTooManyLoadBalancers.Newf("The maximum number of load balancers has been reached (no free address in %s)", c.cfg.Addresses)
		}
		got = c.placeLoadBalancer(want, addr)
		id := got.id()
		return store.Txn{
			If: []store.Cmp{store.Absent(loadBalancerNameKey(got.LoadBalancerName)), store.Absent(addressKey(addr))},
			Then: []store.Op{
				store.Put(loadBalancerKey(id), store.JSON(got)),
				store.Put(loadBalancerNameKey(got.LoadBalancerName), []byte(id)),
				store.Put(addressKey(addr), []byte(id)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateLoadBalancerOutput{LoadBalancers: []LoadBalancer{got.LoadBalancer}}, nil
}

// newLoadBalancer validates in and applies AWS's defaults; the result has
// no ARN, DNS name or address yet.
func (c *Control) newLoadBalancer(in *CreateLoadBalancerInput) (*loadBalancerRecord, error) {
	if !validResourceName(in.Name) || strings.HasPrefix(in.Name, "internal-") {
		return nil, validation("The load balancer name '%s' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen, nor beginning with 'internal-'", in.Name)
	}
	lbType := derefOr(in.Type, TypeApplication)
	if lbType != TypeApplication && lbType != TypeNetwork {
		return nil, validation("Load balancer type '%s' is not valid: application or network", lbType)
	}
	scheme := derefOr(in.Scheme, SchemeInternet)
	if scheme != SchemeInternet && scheme != SchemeInternal {
		return nil, validation("Scheme '%s' is not valid: internet-facing or internal", scheme)
	}
	if ipType := derefOr(in.IpAddressType, "ipv4"); ipType != "ipv4" {
		return nil, validation("IP address type '%s' is not supported: ipv4", ipType)
	}
	subnets, err := subnetsOf(in)
	if err != nil {
		return nil, err
	}
	if lbType == TypeApplication && len(subnets) < 2 {
		return nil, validation("At least two subnets in two different Availability Zones must be specified")
	}
	if len(subnets) == 0 {
		return nil, validation("At least one subnet must be specified")
	}
	if err := checkTagList(in.Tags); err != nil {
		return nil, err
	}
	zones := make([]AvailabilityZone, len(subnets))
	for i, s := range subnets {
		// One zone per subnet, in the order given: region+"a", region+"b"…
		zones[i] = AvailabilityZone{ZoneName: c.cfg.Region + string(rune('a'+i%26)), SubnetId: &s}
		if lbType == TypeNetwork {
			zones[i].LoadBalancerAddresses = []LoadBalancerAddress{}
		}
	}
	groups := in.SecurityGroups
	if groups != nil {
		groups = slices.Clone(groups)
	}
	return &loadBalancerRecord{
		LoadBalancer: LoadBalancer{
			LoadBalancerName:      in.Name,
			CanonicalHostedZoneId: hostedZone(lbType, c.cfg.Region),
			Scheme:                scheme,
			VpcId:                 c.defaultVPC(),
			State:                 LoadBalancerState{Code: StateActive},
			Type:                  lbType,
			AvailabilityZones:     zones,
			SecurityGroups:        groups,
			IpAddressType:         "ipv4",
		},
		Attributes: map[string]string{},
		Tags:       slices.Clone(in.Tags),
	}, nil
}

func subnetsOf(in *CreateLoadBalancerInput) ([]string, error) {
	if len(in.Subnets) > 0 && len(in.SubnetMappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	subnets := slices.Clone(in.Subnets)
	for _, m := range in.SubnetMappings {
		if m.SubnetId == nil || *m.SubnetId == "" {
			return nil, validation("A subnet mapping must specify a subnet ID")
		}
		subnets = append(subnets, *m.SubnetId)
	}
	for i, s := range subnets {
		if slices.Contains(subnets[:i], s) {
			return nil, invalidConfiguration("A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
	}
	return subnets, nil
}

// sameLoadBalancerSettings is what makes a second CreateLoadBalancer of a
// name return the first load balancer instead of failing.
func sameLoadBalancerSettings(a, b *loadBalancerRecord) bool {
	subnets := func(r *loadBalancerRecord) []string {
		var s []string
		for _, z := range r.AvailabilityZones {
			s = append(s, derefOr(z.SubnetId, ""))
		}
		return s
	}
	return a.Type == b.Type && a.Scheme == b.Scheme && a.IpAddressType == b.IpAddressType &&
		slices.Equal(subnets(a), subnets(b)) && slices.Equal(a.SecurityGroups, b.SecurityGroups)
}

// placeLoadBalancer gives a validated load balancer its id, ARN, DNS name
// and address.
func (c *Control) placeLoadBalancer(want *loadBalancerRecord, addr string) *loadBalancerRecord {
	r := *want
	id := newID()
	short := "app"
	if r.Type == TypeNetwork {
		short = "net"
	}
	r.LoadBalancerArn = c.arn("loadbalancer/" + short + "/" + r.LoadBalancerName + "/" + id)
	r.DNSName = c.dnsName(&r, id)
	r.CreatedTime = time.Now().UTC()
	r.Address = addr
	if r.Type == TypeNetwork && len(r.AvailabilityZones) > 0 {
		// An NLB reports its addresses per zone; Portolan's one address
		// stands in the first, so clients can find it without DNS.
		r.AvailabilityZones = slices.Clone(r.AvailabilityZones)
		a := LoadBalancerAddress{IpAddress: &addr}
		if r.Scheme == SchemeInternal {
			a = LoadBalancerAddress{PrivateIPv4Address: &addr}
		}
		r.AvailabilityZones[0].LoadBalancerAddresses = []LoadBalancerAddress{a}
	}
	return &r
}

// dnsName is the name AWS gives: an NLB's carries its id
// (<name>-<id>.elb.<region>.amazonaws.com), an ALB's a number
// (<name>-<digits>.<region>.elb.amazonaws.com), prefixed "internal-" when
// the ALB is internal.
func (c *Control) dnsName(r *loadBalancerRecord, id string) string {
	if r.Type == TypeNetwork {
		return r.LoadBalancerName + "-" + id + ".elb." + c.cfg.Region + ".amazonaws.com"
	}
	name := r.LoadBalancerName + "-" + strconv.FormatUint(uint64(rand.Uint32N(4_000_000_000))+100_000_000, 10) + "." + c.cfg.Region + ".elb.amazonaws.com"
	if r.Scheme == SchemeInternal {
		name = "internal-" + name
	}
	return name
}

// freeAddress is the first address of Config.Addresses no load balancer
// has. The prefix's own address is skipped (the network address of a
// range is not a host's).
func (c *Control) freeAddress(records []*loadBalancerRecord) (string, bool) {
	taken := make(map[string]bool, len(records))
	for _, r := range records {
		taken[r.Address] = true
	}
	p := c.cfg.Addresses.Masked()
	for a := p.Addr(); p.Contains(a); a = a.Next() {
		if a == p.Addr() && p.Bits() < p.Addr().BitLen()-1 {
			continue
		}
		if !taken[a.String()] {
			return a.String(), true
		}
	}
	return "", false
}

// loadBalancers lists every load balancer, sorted by name, with the store
// entries they came from (for compare-and-swap).
func (c *Control) loadBalancers(ctx context.Context) ([]*loadBalancerRecord, []store.KV, error) {
	kvs, _, err := c.st.List(ctx, loadBalancerPrefix)
	if err != nil {
		return nil, nil, err
	}
	records := make([]*loadBalancerRecord, 0, len(kvs))
	kept := kvs[:0]
	for _, kv := range kvs {
		if r := store.DecodeJSON[loadBalancerRecord](kv.Value); r != nil {
			records = append(records, r)
			kept = append(kept, kv)
		}
	}
	return records, kept, nil
}

// id is the id at the end of the load balancer's ARN.
func (r *loadBalancerRecord) id() string {
	id, _ := parseLoadBalancerARN(r.LoadBalancerArn)
	return id
}

// parseLoadBalancerARN returns the id of loadbalancer/app|net/<name>/<id>.
func parseLoadBalancerARN(arn string) (string, bool) {
	rest, ok := awsapi.ResourceOf(arn, "elasticloadbalancing", "loadbalancer")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || (parts[0] != "app" && parts[0] != "net") || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}

// loadBalancerByARN reads a load balancer: ValidationError for what is not
// a load balancer ARN, LoadBalancerNotFound for one that names nothing.
func (c *Control) loadBalancerByARN(ctx context.Context, arn string) (*loadBalancerRecord, store.KV, error) {
	id, ok := parseLoadBalancerARN(arn)
	if !ok {
		return nil, store.KV{}, validation("'%s' is not a valid load balancer ARN", arn)
	}
	r, kv, err := store.GetJSON[loadBalancerRecord](ctx, c.st, loadBalancerKey(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.LoadBalancerArn != arn) {
		return nil, kv, ErrLoadBalancerNotFound.Newf("Load balancer '%s' not found", arn)
	}
	return r, kv, err
}

// loadBalancerPager: Marker/PageSize, at most 400 a page.
var loadBalancerPager = awsapi.Pager{
	Max: 400, Default: 400,
	BadSize:  validation("Page size must be between 1 and 400"),
	BadToken: validation("Invalid marker"),
}

// DescribeLoadBalancers lists load balancers, or the ones named by ARN or
// by name (all of them must exist).
func (c *Control) DescribeLoadBalancers(ctx context.Context, in *DescribeLoadBalancersInput) (*DescribeLoadBalancersOutput, error) {
	if len(in.LoadBalancerArns) > 0 && len(in.Names) > 0 {
		return nil, validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	if len(in.LoadBalancerArns) > 20 || len(in.Names) > 20 {
		return nil, validation("At most 20 load balancers can be described at once")
	}
	records, _, err := c.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	var found []LoadBalancer
	for _, r := range records {
		if (len(in.LoadBalancerArns) == 0 && len(in.Names) == 0) ||
			slices.Contains(in.LoadBalancerArns, r.LoadBalancerArn) || slices.Contains(in.Names, r.LoadBalancerName) {
			found = append(found, r.LoadBalancer)
		}
	}
	if n := len(in.LoadBalancerArns) + len(in.Names); n > 0 && len(found) < n {
		for _, arn := range in.LoadBalancerArns {
			if _, ok := parseLoadBalancerARN(arn); !ok {
				return nil, validation("'%s' is not a valid load balancer ARN", arn)
			}
		}
		return nil, ErrLoadBalancerNotFound.Newf("One or more load balancers not found")
	}
	slices.SortFunc(found, func(a, b LoadBalancer) int { return strings.Compare(a.LoadBalancerName, b.LoadBalancerName) })
	page, next, err := awsapi.Paginate(loadBalancerPager, found, func(l LoadBalancer) string { return l.LoadBalancerName }, derefOr(in.Marker, ""), pageSize(in.PageSize))
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []LoadBalancer{}
	}
	return &DescribeLoadBalancersOutput{LoadBalancers: page, NextMarker: awsapi.StringPtr(next)}, nil
}

// DeleteLoadBalancer deletes a load balancer with its listeners and rules
// (they live in its record); its target groups stay. Deleting one that
// does not exist succeeds, as AWS documents.
func (c *Control) DeleteLoadBalancer(ctx context.Context, in *DeleteLoadBalancerInput) (*DeleteLoadBalancerOutput, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.loadBalancerByARN(ctx, in.LoadBalancerArn)
		if errors.Is(err, ErrLoadBalancerNotFound) {
			return store.Txn{}, nil
		} else if err != nil {
			return store.Txn{}, err
		}
		if loadBalancerAttributes(r)["deletion_protection.enabled"] == "true" {
			return store.Txn{}, ErrOperationNotPermitted.Newf("Load balancer '%s' cannot be deleted because deletion protection is enabled", r.LoadBalancerArn)
		}
		txn := store.Txn{
			If: []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{
				store.Delete(kv.Key),
				store.Delete(loadBalancerNameKey(r.LoadBalancerName)),
				store.Delete(addressKey(r.Address)),
			},
		}
		// Its target groups are free for another load balancer: the
		// association listeners keep in each group (listeners.go) goes
		// in the same transaction.
		tgs, tgKVs, err := c.targetGroups(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		for i, tg := range tgs {
			if setAssociation(tg, r.LoadBalancerArn, false) {
				txn.If = append(txn.If, store.Unchanged(tgKVs[i]))
				txn.Then = append(txn.Then, store.Put(tgKVs[i].Key, store.JSON(tg)))
			}
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteLoadBalancerOutput{}, nil
}

// Load balancer attributes and their defaults, per type, as the
// LoadBalancerAttribute reference lists them.
var (
	commonLoadBalancerAttributes = map[string]string{
		"deletion_protection.enabled": "false",
		"access_logs.s3.enabled":      "false",
		"access_logs.s3.bucket":       "",
		"access_logs.s3.prefix":       "",
	}
	applicationLoadBalancerAttributes = map[string]string{
		"load_balancing.cross_zone.enabled":                        "true",
		"idle_timeout.timeout_seconds":                             "60",
		"client_keep_alive.seconds":                                "3600",
		"connection_logs.s3.enabled":                               "false",
		"connection_logs.s3.bucket":                                "",
		"connection_logs.s3.prefix":                                "",
		"routing.http2.enabled":                                    "true",
		"routing.http.desync_mitigation_mode":                      "defensive",
		"routing.http.drop_invalid_header_fields.enabled":          "false",
		"routing.http.preserve_host_header.enabled":                "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
		"routing.http.xff_client_port.enabled":                     "false",
		"routing.http.xff_header_processing.mode":                  "append",
		"waf.fail_open.enabled":                                    "false",
		"zonal_shift.config.enabled":                               "false",
	}
	networkLoadBalancerAttributes = map[string]string{
		"load_balancing.cross_zone.enabled": "false",
		"dns_record.client_routing_policy":  "any_availability_zone",
		"zonal_shift.config.enabled":        "false",
		"ipv6.deny_all_igw_traffic":         "false",
	}
)

func loadBalancerDefaults(lbType string) map[string]string {
	m := make(map[string]string)
	for k, v := range commonLoadBalancerAttributes {
		m[k] = v
	}
	extra := applicationLoadBalancerAttributes
	if lbType == TypeNetwork {
		extra = networkLoadBalancerAttributes
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// loadBalancerAttributes is every attribute: the defaults, overridden by
// what was modified (only modifications are stored, so a default that
// AWS adds later reaches old load balancers too).
func loadBalancerAttributes(r *loadBalancerRecord) map[string]string {
	m := loadBalancerDefaults(r.Type)
	for k, v := range r.Attributes {
		m[k] = v
	}
	return m
}

// attributeList is m as the wire's Key/Value list, sorted by key.
func attributeList(m map[string]string) []Attribute {
	out := make([]Attribute, 0, len(m))
	for k, v := range m {
		out = append(out, Attribute{Key: &k, Value: &v})
	}
	slices.SortFunc(out, func(a, b Attribute) int { return strings.Compare(*a.Key, *b.Key) })
	return out
}

func (c *Control) DescribeLoadBalancerAttributes(ctx context.Context, in *DescribeLoadBalancerAttributesInput) (*LoadBalancerAttributesOutput, error) {
	r, _, err := c.loadBalancerByARN(ctx, in.LoadBalancerArn)
	if err != nil {
		return nil, err
	}
	return &LoadBalancerAttributesOutput{Attributes: attributeList(loadBalancerAttributes(r))}, nil
}

func (c *Control) ModifyLoadBalancerAttributes(ctx context.Context, in *ModifyLoadBalancerAttributesInput) (*LoadBalancerAttributesOutput, error) {
	if len(in.Attributes) == 0 {
		return nil, validation("At least one attribute must be specified")
	}
	var out map[string]string
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.loadBalancerByARN(ctx, in.LoadBalancerArn)
		if err != nil {
			return store.Txn{}, err
		}
		defaults := loadBalancerDefaults(r.Type)
		for _, a := range in.Attributes {
			k, v := derefOr(a.Key, ""), derefOr(a.Value, "")
			if _, ok := defaults[k]; !ok {
				return store.Txn{}, validation("Load balancer attribute key '%s' is not recognized", k)
			}
			if err := checkLoadBalancerAttribute(k, v); err != nil {
				return store.Txn{}, err
			}
			if r.Attributes == nil {
				r.Attributes = map[string]string{}
			}
			r.Attributes[k] = v
		}
		out = loadBalancerAttributes(r)
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &LoadBalancerAttributesOutput{Attributes: attributeList(out)}, nil
}

func checkLoadBalancerAttribute(k, v string) error {
	switch {
	case strings.HasSuffix(k, ".enabled") || k == "ipv6.deny_all_igw_traffic":
		if v != "true" && v != "false" {
			return validation("Load balancer attribute '%s' must be 'true' or 'false'", k)
		}
	case k == "idle_timeout.timeout_seconds":
		return checkIntAttribute(k, v, 1, 4000)
	case k == "client_keep_alive.seconds":
		return checkIntAttribute(k, v, 60, 604800)
	case k == "routing.http.desync_mitigation_mode":
		return checkOneOf(k, v, "monitor", "defensive", "strictest")
	case k == "routing.http.xff_header_processing.mode":
		return checkOneOf(k, v, "append", "preserve", "remove")
	case k == "dns_record.client_routing_policy":
		return checkOneOf(k, v, "availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone")
	}
	return nil
}

func checkIntAttribute(k, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return validation("Attribute '%s' must be an integer from %d to %d", k, lo, hi)
	}
	return nil
}

func checkOneOf(k, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return validation("Attribute '%s' must be one of: %s", k, strings.Join(allowed, ", "))
	}
	return nil
}

// derefOr is *p, or def when p is nil (an optional member left out).
func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
