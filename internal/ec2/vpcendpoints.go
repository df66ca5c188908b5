package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateVpcEndpointInput struct {
	DryRun            *bool
	VpcEndpointType   *string
	VpcId             *string
	ServiceName       *string
	PolicyDocument    *string
	RouteTableIds     []string `ec2:"RouteTableId"`
	SubnetIds         []string `ec2:"SubnetId"`
	SecurityGroupIds  []string `ec2:"SecurityGroupId"`
	IpAddressType     *string
	DnsOptions        *DnsOptionsSpecification
	ClientToken       *string
	PrivateDnsEnabled *bool
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type CreateVpcEndpointOutput struct {
	VpcEndpoint *VpcEndpoint
	ClientToken *string
}

type DescribeVpcEndpointsInput struct {
	DryRun         *bool
	VpcEndpointIds []string `ec2:"VpcEndpointId"`
	Filters        []Filter `ec2:"Filter"`
	MaxResults     *int32
	NextToken      *string
}

type DescribeVpcEndpointsOutput struct {
	VpcEndpoints []VpcEndpoint `ec2:"vpcEndpointSet"`
	NextToken    *string
}

type ModifyVpcEndpointInput struct {
	DryRun                 *bool
	VpcEndpointId          *string
	ResetPolicy            *bool
	PolicyDocument         *string
	AddRouteTableIds       []string `ec2:"AddRouteTableId"`
	RemoveRouteTableIds    []string `ec2:"RemoveRouteTableId"`
	AddSubnetIds           []string `ec2:"AddSubnetId"`
	RemoveSubnetIds        []string `ec2:"RemoveSubnetId"`
	AddSecurityGroupIds    []string `ec2:"AddSecurityGroupId"`
	RemoveSecurityGroupIds []string `ec2:"RemoveSecurityGroupId"`
	IpAddressType          *string
	DnsOptions             *DnsOptionsSpecification
	PrivateDnsEnabled      *bool
}

type ModifyVpcEndpointOutput struct {
	Return bool
}

type DeleteVpcEndpointsInput struct {
	DryRun         *bool
	VpcEndpointIds []string `ec2:"VpcEndpointId"`
}

type DeleteVpcEndpointsOutput struct {
	Unsuccessful []UnsuccessfulItem `ec2:"unsuccessful"`
}

// fullAccessPolicy is the policy an endpoint gets when created without one.
const fullAccessPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// vpceHostedZone is the Route 53 zone of endpoints' own DNS names
// (…vpce.amazonaws.com), as AWS reports it.
const vpceHostedZone = "Z7HUB22UULQXV"

// CreateVpcEndpoint creates an endpoint, available at once. A ClientToken
// makes it idempotent: the same token and parameters return the endpoint
// made the first time.
func (c *Control) CreateVpcEndpoint(ctx context.Context, in *CreateVpcEndpointInput) (*CreateVpcEndpointOutput, error) {
	want, err := c.newEndpoint(in)
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	token := deref(in.ClientToken)
	var got *endpointRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		got = nil
		if token != "" {
			prior, err := c.byClientToken(ctx, token)
			if err != nil || prior != nil {
				if prior != nil && prior.RequestHash != want.RequestHash {
					return store.Txn{}, ErrIdempotentParameterMismatch.Newf("The client token '%s' was already used with different parameters", token)
				}
				got = prior
				return store.Txn{}, err
			}
		}
		rec := *want
		rec.VpcEndpointId = newEndpointID()
		rec.DnsEntries = c.dnsEntries(ctx, &rec)
		txn := store.Txn{Then: []store.Op{store.Put(endpointKey(rec.VpcEndpointId), store.JSON(&rec))}}
		if token != "" {
			txn.If = append(txn.If, store.Absent(clientTokenKey(token)))
			txn.Then = append(txn.Then, store.Put(clientTokenKey(token), []byte(rec.VpcEndpointId)))
		}
		if err := c.claimPrivateDNS(ctx, &txn, &rec); err != nil {
			return store.Txn{}, err
		}
		got = &rec
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateVpcEndpointOutput{VpcEndpoint: &got.VpcEndpoint, ClientToken: in.ClientToken}, nil
}

func (c *Control) byClientToken(ctx context.Context, token string) (*endpointRecord, error) {
	id, err := c.guard(ctx, clientTokenKey(token))
	if err != nil || id == "" {
		return nil, err
	}
	rec, _, err := c.endpoint(ctx, id)
	return rec, err
}

// endpoint reads an endpoint's record; nil when there is none.
func (c *Control) endpoint(ctx context.Context, id string) (*endpointRecord, store.KV, error) {
	r, kv, err := store.GetJSON[endpointRecord](ctx, c.st, endpointKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, nil
	}
	return r, kv, err
}

// guard reads the endpoint id a guard key names; "" when it is free.
func (c *Control) guard(ctx context.Context, key string) (string, error) {
	kv, err := c.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return string(kv.Value), err
}

// claimPrivateDNS adds to txn the guard that makes an endpoint with
// private DNS the only one of its service in its VPC: AWS refuses a
// second, whose names would conflict.
func (c *Control) claimPrivateDNS(ctx context.Context, txn *store.Txn, r *endpointRecord) error {
	if !r.PrivateDnsEnabled {
		return nil
	}
	key := privateDNSKey(r.VpcId, r.ServiceName)
	holder, err := c.guard(ctx, key)
	if err != nil {
		return err
	}
	if holder != "" && holder != r.VpcEndpointId {
		svc, _ := lookupService(c.cfg.Region, r.ServiceName)
		return ErrInvalidParameter.Newf("private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s in the VPC %s",
			strings.TrimPrefix(svc.privateDNSName(c.cfg.Region), "*."), r.VpcId)
	}
	if holder == "" {
		txn.If = append(txn.If, store.Absent(key))
		txn.Then = append(txn.Then, store.Put(key, []byte(r.VpcEndpointId)))
	}
	return nil
}

// newEndpoint validates in and applies AWS's defaults; the result has no
// id (nor the DNS names made from it) yet.
func (c *Control) newEndpoint(in *CreateVpcEndpointInput) (*endpointRecord, error) {
	switch {
	case in.VpcId == nil:
		return nil, missing("VpcId")
	case in.ServiceName == nil:
		return nil, missing("ServiceName")
	}
	if !validID(*in.VpcId, "vpc-") {
		return nil, ErrVpcIDMalformed.Newf("Invalid id: \"%s\"", *in.VpcId)
	}
	svc, ok := lookupService(c.cfg.Region, *in.ServiceName)
	if !ok {
		return nil, ErrInvalidServiceName.Newf("The Vpc Endpoint Service '%s' does not exist", *in.ServiceName)
	}
	typ := deref(in.VpcEndpointType)
	if typ == "" {
		typ = TypeGateway // AWS's default
	}
	if typ != TypeInterface && typ != TypeGateway && typ != TypeGatewayLoadBalancer {
		return nil, invalidValue("The endpoint type '%s' is not valid: Interface, Gateway or GatewayLoadBalancer", typ)
	}
	if !svc.supports(typ) {
		return nil, ErrInvalidParameter.Newf("The Vpc Endpoint Service '%s' does not support endpoint type '%s'", *in.ServiceName, typ)
	}
	r := &endpointRecord{VpcEndpoint: VpcEndpoint{
		VpcEndpointType: typ, VpcId: *in.VpcId, ServiceName: *in.ServiceName, State: StateAvailable,
		RouteTableIds: []string{}, SubnetIds: []string{}, Groups: []SecurityGroupIdentifier{}, NetworkInterfaceIds: []string{},
		CreationTimestamp: time.Now().UTC().Truncate(time.Millisecond), OwnerId: c.cfg.AccountID, Tags: []Tag{},
	}}
	if err := r.setPolicy(in.PolicyDocument, false); err != nil {
		return nil, err
	}
	if err := r.setNetwork(in); err != nil {
		return nil, err
	}
	tags, err := tagsOf(in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	r.Tags = tags
	r.DNSLabel = awsapi.RandomID(8)
	r.PrivateZoneID = "Z" + strings.ToUpper(awsapi.RandomID(20))
	r.ClientToken, r.RequestHash = deref(in.ClientToken), requestHash(in)
	return r, nil
}

// setNetwork applies the parameters that depend on the endpoint type:
// subnets, security groups and private DNS for Interface (and Gateway
// Load Balancer) endpoints, route tables for Gateway ones.
func (r *endpointRecord) setNetwork(in *CreateVpcEndpointInput) error {
	if r.VpcEndpointType == TypeGateway {
		if len(in.SubnetIds) > 0 || len(in.SecurityGroupIds) > 0 || isTrue(in.PrivateDnsEnabled) {
			return ErrInvalidParameter.Newf("Subnets, security groups and private DNS are not supported for Gateway endpoints")
		}
		return r.addRouteTables(in.RouteTableIds)
	}
	if len(in.RouteTableIds) > 0 {
		return ErrInvalidParameter.Newf("Route tables are only supported for Gateway endpoints")
	}
	if err := r.addSubnets(in.SubnetIds); err != nil {
		return err
	}
	if len(in.SecurityGroupIds) == 0 && r.VpcEndpointType == TypeInterface {
		// Without groups, the endpoint gets its VPC's default group.
		r.Groups = []SecurityGroupIdentifier{{GroupId: defaultSecurityGroup(r.VpcId), GroupName: "default"}}
	} else if err := r.addGroups(in.SecurityGroupIds); err != nil {
		return err
	}
	if r.VpcEndpointType == TypeInterface {
		r.IpAddressType = "ipv4"
		r.DnsOptions = &DnsOptions{DnsRecordIpType: "ipv4"}
		r.PrivateDnsEnabled = in.PrivateDnsEnabled == nil || *in.PrivateDnsEnabled
	} else if isTrue(in.PrivateDnsEnabled) {
		return ErrInvalidParameter.Newf("Private DNS is only supported for Interface endpoints")
	}
	if t := deref(in.IpAddressType); t != "" && t != "ipv4" {
		return invalidValue("The IP address type '%s' is not supported: ipv4", t)
	}
	return nil
}

func (r *endpointRecord) setPolicy(doc *string, reset bool) error {
	switch {
	case reset:
		r.PolicyDocument = nil
	case doc != nil:
		if !json.Valid([]byte(*doc)) || !strings.HasPrefix(strings.TrimSpace(*doc), "{") {
			return invalidValue("The policy document is not a valid JSON object")
		}
		r.PolicyDocument = doc
	}
	if r.PolicyDocument == nil && r.VpcEndpointType != TypeGatewayLoadBalancer {
		p := fullAccessPolicy
		r.PolicyDocument = &p
	}
	return nil
}

func (r *endpointRecord) addSubnets(ids []string) error {
	for _, id := range ids {
		if !validID(id, "subnet-") {
			return ErrSubnetIDMalformed.Newf("Invalid id: \"%s\"", id)
		}
		if !slices.Contains(r.SubnetIds, id) {
			r.SubnetIds = append(r.SubnetIds, id)
			r.NetworkInterfaceIds = append(r.NetworkInterfaceIds, "eni-"+awsapi.RandomHex(17))
		}
	}
	return nil
}

func (r *endpointRecord) removeSubnets(ids []string) {
	for _, id := range ids {
		if i := slices.Index(r.SubnetIds, id); i >= 0 {
			r.SubnetIds = slices.Delete(r.SubnetIds, i, i+1)
			r.NetworkInterfaceIds = slices.Delete(r.NetworkInterfaceIds, i, i+1)
		}
	}
}

func (r *endpointRecord) addGroups(ids []string) error {
	for _, id := range ids {
		if !validID(id, "sg-") {
			return ErrGroupIDMalformed.Newf("Invalid id: \"%s\" (expecting \"sg-...\")", id)
		}
		if !slices.ContainsFunc(r.Groups, func(g SecurityGroupIdentifier) bool { return g.GroupId == id }) {
			r.Groups = append(r.Groups, SecurityGroupIdentifier{GroupId: id, GroupName: id})
		}
	}
	return nil
}

func (r *endpointRecord) addRouteTables(ids []string) error {
	for _, id := range ids {
		if !validID(id, "rtb-") {
			return ErrRouteTableIDMalformed.Newf("Invalid id: \"%s\"", id)
		}
		if !slices.Contains(r.RouteTableIds, id) {
			r.RouteTableIds = append(r.RouteTableIds, id)
		}
	}
	return nil
}

// tagsOf reads the tags of TagSpecifications for a vpc-endpoint.
func tagsOf(specs []TagSpecification) ([]Tag, error) { return tagsFor(specs, "vpc-endpoint") }

// requestHash fingerprints what a create asked for, so that a retry with
// the same ClientToken can be told from a different request reusing it.
func requestHash(in *CreateVpcEndpointInput) string {
	c := *in
	c.ClientToken, c.DryRun = nil, nil
	sum := sha256.Sum256(store.JSON(&c))
	return hex.EncodeToString(sum[:])
}

// validID checks an EC2 id's shape: the prefix and 8 or 17 hex digits.
func validID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	for _, ch := range rest {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f') {
			return false
		}
	}
	return true
}

// defaultSecurityGroup is a VPC's default group, the same id every time.
func defaultSecurityGroup(vpcID string) string {
	sum := sha256.Sum256([]byte("default-sg/" + vpcID))
	return "sg-" + hex.EncodeToString(sum[:])[:17]
}

// zoneOf is a subnet's availability zone: its own for a subnet Portolan
// keeps; for an id that names none (endpoints take subnet ids on trust),
// always the same zone, picked by a hash of the id.
func (c *Control) zoneOf(ctx context.Context, subnetID string) string {
	if s, _, err := c.subnet(ctx, subnetID); err == nil && s != nil {
		return s.AvailabilityZone
	}
	sum := sha256.Sum256([]byte(subnetID))
	zones := availabilityZones(c.cfg.Region)
	return zones[int(sum[0])%len(zones)]
}

// dnsEntries are an Interface endpoint's DNS names as AWS builds them:
// the regional name, one per zone of its subnets, then with private DNS
// the service's own name.
func (c *Control) dnsEntries(ctx context.Context, r *endpointRecord) []DnsEntry {
	if r.VpcEndpointType != TypeInterface {
		return []DnsEntry{}
	}
	svc, _ := lookupService(c.cfg.Region, r.ServiceName)
	base, own := svc.baseDNSName(c.cfg.Region), r.VpcEndpointId+"-"+r.DNSLabel
	if svc.suffix == "s3" {
		own = "*." + own // S3's endpoint names take a bucket label in front
	}
	entries := []DnsEntry{{DnsName: own + "." + base, HostedZoneId: vpceHostedZone}}
	var zones []string
	for _, s := range r.SubnetIds {
		if z := c.zoneOf(ctx, s); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	for _, z := range zones {
		entries = append(entries, DnsEntry{DnsName: own + "-" + z + "." + base, HostedZoneId: vpceHostedZone})
	}
	if r.PrivateDnsEnabled {
		entries = append(entries, DnsEntry{DnsName: svc.privateDNSName(c.cfg.Region), HostedZoneId: r.PrivateZoneID})
	}
	return entries
}

// describePager pages DescribeVpcEndpoints and DescribeVpcEndpointServices:
// everything when MaxResults is absent, at most 1,000 a page.
var describePager = awsapi.Pager{
	Max: 1000, Default: 0,
	BadSize:  invalidValue("MaxResults must be between 1 and 1000"),
	BadToken: ErrInvalidNextToken.Newf("The token is not valid"),
}

// maxResults converts MaxResults; EC2 answers at most 1,000 items even
// when asked for more.
func maxResults(n *int32) *int {
	if n == nil {
		return nil
	}
	m := min(int(*n), 1000)
	return &m
}

// endpointFilters are DescribeVpcEndpoints' filter names.
var endpointFilters = []string{"vpc-id", "service-name", "vpc-endpoint-id", "vpc-endpoint-state", "vpc-endpoint-type", "ip-address-type", "tag-key", "tag:"}

func endpointFilterValues(e *VpcEndpoint, name string) []string {
	switch name {
	case "vpc-id":
		return []string{e.VpcId}
	case "service-name":
		return []string{e.ServiceName}
	case "vpc-endpoint-id":
		return []string{e.VpcEndpointId}
	case "vpc-endpoint-state":
		return []string{e.State}
	case "vpc-endpoint-type":
		return []string{e.VpcEndpointType}
	case "ip-address-type":
		return []string{e.IpAddressType}
	}
	return tagFilterValues(e.Tags, name)
}

// DescribeVpcEndpoints lists endpoints by id, filtered, a page at a time.
// An id that names no endpoint fails the whole call, as on AWS.
func (c *Control) DescribeVpcEndpoints(ctx context.Context, in *DescribeVpcEndpointsInput) (*DescribeVpcEndpointsOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(in.Filters, endpointFilters)
	if err != nil {
		return nil, err
	}
	records, err := c.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range in.VpcEndpointIds {
		if !slices.ContainsFunc(records, func(r *endpointRecord) bool { return r.VpcEndpointId == id }) {
			return nil, endpointNotFound(id)
		}
	}
	var found []VpcEndpoint
	for _, r := range records {
		if len(in.VpcEndpointIds) > 0 && !slices.Contains(in.VpcEndpointIds, r.VpcEndpointId) {
			continue
		}
		if match(func(name string) []string { return endpointFilterValues(&r.VpcEndpoint, name) }) {
			found = append(found, r.VpcEndpoint)
		}
	}
	key := func(e VpcEndpoint) string { return e.VpcEndpointId }
	page, next, err := awsapi.Paginate(describePager, found, key, deref(in.NextToken), maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []VpcEndpoint{}
	}
	return &DescribeVpcEndpointsOutput{VpcEndpoints: page, NextToken: awsapi.StringPtr(next)}, nil
}

// endpoints reads every endpoint record, by id.
func (c *Control) endpoints(ctx context.Context) ([]*endpointRecord, error) {
	kvs, _, err := c.st.List(ctx, endpointPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]*endpointRecord, 0, len(kvs))
	for _, kv := range kvs {
		if r := store.DecodeJSON[endpointRecord](kv.Value); r != nil {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *endpointRecord) int { return strings.Compare(a.VpcEndpointId, b.VpcEndpointId) })
	return out, nil
}

// ModifyVpcEndpoint changes an endpoint's subnets, security groups, route
// tables, policy or private DNS; its DNS names follow.
func (c *Control) ModifyVpcEndpoint(ctx context.Context, in *ModifyVpcEndpointInput) (*ModifyVpcEndpointOutput, error) {
	if in.VpcEndpointId == nil {
		return nil, missing("VpcEndpointId")
	}
	if isTrue(in.ResetPolicy) && in.PolicyDocument != nil {
		return nil, ErrInvalidParameterCombination.Newf("ResetPolicy and PolicyDocument cannot be given together")
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.endpoint(ctx, *in.VpcEndpointId)
		if err != nil {
			return store.Txn{}, err
		}
		if r == nil {
			return store.Txn{}, endpointNotFound(*in.VpcEndpointId)
		}
		hadPrivateDNS := r.PrivateDnsEnabled
		if err := r.modify(in); err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		r.DnsEntries = c.dnsEntries(ctx, r)
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}
		if hadPrivateDNS && !r.PrivateDnsEnabled {
			txn.Then = append(txn.Then, store.Delete(privateDNSKey(r.VpcId, r.ServiceName)))
		}
		if err := c.claimPrivateDNS(ctx, &txn, r); err != nil {
			return store.Txn{}, err
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyVpcEndpointOutput{Return: true}, nil
}

// modify applies a ModifyVpcEndpoint to the record, refusing what its
// type does not take.
func (r *endpointRecord) modify(in *ModifyVpcEndpointInput) error {
	gateway := r.VpcEndpointType == TypeGateway
	if gateway && (len(in.AddSubnetIds)+len(in.RemoveSubnetIds)+len(in.AddSecurityGroupIds)+len(in.RemoveSecurityGroupIds) > 0 || in.PrivateDnsEnabled != nil) {
		return ErrInvalidParameter.Newf("Subnets, security groups and private DNS are not supported for Gateway endpoints")
	}
	if !gateway && len(in.AddRouteTableIds)+len(in.RemoveRouteTableIds) > 0 {
		return ErrInvalidParameter.Newf("Route tables are only supported for Gateway endpoints")
	}
	if in.PrivateDnsEnabled != nil && r.VpcEndpointType != TypeInterface {
		return ErrInvalidParameter.Newf("Private DNS is only supported for Interface endpoints")
	}
	if err := r.setPolicy(in.PolicyDocument, isTrue(in.ResetPolicy)); err != nil {
		return err
	}
	r.removeSubnets(in.RemoveSubnetIds)
	if err := r.addSubnets(in.AddSubnetIds); err != nil {
		return err
	}
	r.Groups = slices.DeleteFunc(r.Groups, func(g SecurityGroupIdentifier) bool { return slices.Contains(in.RemoveSecurityGroupIds, g.GroupId) })
	if err := r.addGroups(in.AddSecurityGroupIds); err != nil {
		return err
	}
	r.RouteTableIds = slices.DeleteFunc(r.RouteTableIds, func(id string) bool { return slices.Contains(in.RemoveRouteTableIds, id) })
	if err := r.addRouteTables(in.AddRouteTableIds); err != nil {
		return err
	}
	if t := deref(in.IpAddressType); t != "" && t != "ipv4" {
		return invalidValue("The IP address type '%s' is not supported: ipv4", t)
	}
	if in.PrivateDnsEnabled != nil {
		r.PrivateDnsEnabled = *in.PrivateDnsEnabled
	}
	return nil
}

// DeleteVpcEndpoints deletes endpoints at once. An id that names none is
// reported in Unsuccessful, as EC2 does, and does not fail the others.
func (c *Control) DeleteVpcEndpoints(ctx context.Context, in *DeleteVpcEndpointsInput) (*DeleteVpcEndpointsOutput, error) {
	if len(in.VpcEndpointIds) == 0 {
		return nil, missing("VpcEndpointId")
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	var failed []UnsuccessfulItem
	err := c.commit(ctx, func() (store.Txn, error) {
		failed = []UnsuccessfulItem{}
		var txn store.Txn
		for _, id := range in.VpcEndpointIds {
			r, kv, err := c.endpoint(ctx, id)
			if err != nil {
				return store.Txn{}, err
			}
			if r == nil || slices.ContainsFunc(txn.If, func(cmp store.Cmp) bool { return cmp.Key == kv.Key }) {
				if r == nil {
					failed = append(failed, UnsuccessfulItem{ResourceId: &id, Error: &UnsuccessfulItemError{
						Code: notFoundCode, Message: "The VPC Endpoint Id '" + id + "' does not exist"}})
				}
				continue
			}
			txn.If = append(txn.If, store.Unchanged(kv))
			txn.Then = append(txn.Then, store.Delete(kv.Key))
			if r.ClientToken != "" {
				txn.Then = append(txn.Then, store.Delete(clientTokenKey(r.ClientToken)))
			}
			if r.PrivateDnsEnabled {
				txn.Then = append(txn.Then, store.Delete(privateDNSKey(r.VpcId, r.ServiceName)))
			}
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteVpcEndpointsOutput{Unsuccessful: failed}, nil
}
