package route53resolver

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Endpoint limits: AWS wants at least two addresses (two zones) and takes
// up to 20 (without a quota increase), and up to 10 security groups.
const (
	minEndpointIPs    = 2
	maxEndpointIPs    = 20
	maxSecurityGroups = 10
	maxCreatorID      = 255
)

type CreateResolverEndpointInput struct {
	CreatorRequestId     string
	Name                 string
	SecurityGroupIds     []string
	Direction            string
	IpAddresses          []IpAddressRequest
	Tags                 []Tag
	ResolverEndpointType string
	Protocols            []string
}

type ResolverEndpointOutput struct{ ResolverEndpoint ResolverEndpoint }

func (c *Control) CreateResolverEndpoint(ctx context.Context, in *CreateResolverEndpointInput) (*ResolverEndpointOutput, error) {
	if err := checkEndpointInput(in); err != nil {
		return nil, err
	}
	now := timestamp(time.Now())
	prefix := "rslvr-in-"
	if in.Direction == DirectionOutbound {
		prefix = "rslvr-out-"
	}
	id := prefix + awsapi.RandomHex(17)
	rec := endpointRecord{ResolverEndpoint: ResolverEndpoint{
		Id: id, CreatorRequestId: in.CreatorRequestId, Arn: c.arn("resolver-endpoint/" + id), Name: in.Name,
		SecurityGroupIds: in.SecurityGroupIds, Direction: in.Direction, IpAddressCount: len(in.IpAddresses),
		Status: statusOperational, StatusMessage: "Successfully created Resolver Endpoint", CreationTime: now, ModificationTime: now,
		ResolverEndpointType: "IPV4", Protocols: []string{"Do53"},
	}, Tags: in.Tags}
	err := c.commit(ctx, func() (store.Txn, error) {
		if _, err := c.st.Get(ctx, requestKey("endpoint", in.CreatorRequestId)); err == nil {
			return store.Txn{}, ErrResourceExists.Newf("Resolver endpoint with creator request ID '%s' already exists", in.CreatorRequestId)
		}
		ips, err := c.pickAddresses(ctx, in.IpAddresses, now)
		if err != nil {
			return store.Txn{}, err
		}
		rec.IpAddresses = ips
		cmps := []store.Cmp{store.Absent(requestKey("endpoint", in.CreatorRequestId))}
		ops := []store.Op{store.Put(endpointKey(id), store.JSON(rec)), store.Put(requestKey("endpoint", in.CreatorRequestId), store.JSON(id))}
		for _, ip := range ips {
			cmps = append(cmps, store.Absent(ipKey(ip.Ip)))
			ops = append(ops, store.Put(ipKey(ip.Ip), store.JSON(id)))
		}
		return store.Txn{If: cmps, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverEndpointOutput{rec.ResolverEndpoint}, nil
}

func checkEndpointInput(in *CreateResolverEndpointInput) error {
	switch {
	case in.CreatorRequestId == "":
		return required("creatorRequestId")
	case len(in.CreatorRequestId) > maxCreatorID:
		return invalidParameter("CreatorRequestId", "CreatorRequestId must be at most %d characters", maxCreatorID)
	case in.Direction != DirectionInbound && in.Direction != DirectionOutbound:
		return invalidParameter("Direction", "Direction must be INBOUND or OUTBOUND (Portolan does not serve INBOUND_DELEGATION)")
	case len(in.SecurityGroupIds) == 0:
		return required("securityGroupIds")
	case len(in.SecurityGroupIds) > maxSecurityGroups:
		return invalidParameter("SecurityGroupIds", "Maximum of %d security groups are allowed", maxSecurityGroups)
	case len(in.IpAddresses) < minEndpointIPs:
		return invalidRequest("Resolver endpoint needs to have at least %d IP addresses", minEndpointIPs)
	case len(in.IpAddresses) > maxEndpointIPs:
		return invalidRequest("Resolver endpoint can have at most %d IP addresses", maxEndpointIPs)
	case in.ResolverEndpointType != "" && in.ResolverEndpointType != "IPV4":
		return invalidParameter("ResolverEndpointType", "Portolan serves IPV4 endpoints only")
	case slices.ContainsFunc(in.Protocols, func(p string) bool { return p != "Do53" }):
		return invalidParameter("Protocols", "Portolan serves the Do53 protocol only")
	}
	for _, g := range in.SecurityGroupIds {
		if !strings.HasPrefix(g, "sg-") {
			return invalidParameter("SecurityGroupIds", "Malformed security group ID: Invalid id: '%s' (expecting 'sg-...')", g)
		}
	}
	for _, a := range in.IpAddresses {
		if !strings.HasPrefix(a.SubnetId, "subnet-") {
			return invalidParameter("IpAddresses", "The subnet ID '%s' does not exist", a.SubnetId)
		}
		if a.Ipv6 != "" {
			return invalidParameter("IpAddresses", "Portolan serves IPv4 addresses only")
		}
	}
	return nil
}

// pickAddresses gives each request its address: the one it names (an
// IPv4 address no endpoint has), or the first free one of Config.Addresses.
func (c *Control) pickAddresses(ctx context.Context, reqs []IpAddressRequest, now string) ([]IpAddressResponse, error) {
	taken := func(ip string, out []IpAddressResponse) (bool, error) {
		if slices.ContainsFunc(out, func(r IpAddressResponse) bool { return r.Ip == ip }) {
			return true, nil
		}
		_, err := c.st.Get(ctx, ipKey(ip))
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	var out []IpAddressResponse
	next := c.cfg.Addresses.Addr().Next()
	for _, r := range reqs {
		ip := r.Ip
		if ip != "" {
			a, err := netip.ParseAddr(ip)
			if err != nil || !a.Is4() {
				return nil, invalidParameter("IpAddresses", "Invalid IP address: '%s'", ip)
			}
			if used, err := taken(a.String(), out); err != nil || used {
				if err == nil {
					err = ErrResourceExists.Newf("The IP address '%s' in subnet '%s' is already in use", ip, r.SubnetId)
				}
				return nil, err
			}
			ip = a.String()
		} else {
			for ; c.cfg.Addresses.Contains(next); next = next.Next() {
				used, err := taken(next.String(), out)
				if err != nil {
					return nil, err
				}
				if !used {
					break
				}
			}
			if !c.cfg.Addresses.Contains(next) {
				return nil, ErrLimitExceeded.Newf("No free IP address is left in %s for subnet '%s'", c.cfg.Addresses, r.SubnetId)
			}
			ip = next.String()
		}
		out = append(out, IpAddressResponse{IpId: "rni-" + awsapi.RandomHex(17), SubnetId: r.SubnetId, Ip: ip, Status: statusAttached,
			StatusMessage: "This IP address is operational.", CreationTime: now, ModificationTime: now})
	}
	return out, nil
}

type ResolverEndpointIdInput struct{ ResolverEndpointId string }

func (c *Control) GetResolverEndpoint(ctx context.Context, in *ResolverEndpointIdInput) (*ResolverEndpointOutput, error) {
	e, err := c.findEndpoint(in.ResolverEndpointId)
	if err != nil {
		return nil, err
	}
	return &ResolverEndpointOutput{e.ResolverEndpoint}, nil
}

func (c *Control) findEndpoint(id string) (*endpointRecord, error) {
	if id == "" {
		return nil, required("resolverEndpointId")
	}
	if e := c.snapshot().endpoint(id); e != nil {
		return e, nil
	}
	return nil, notFound("ResolverEndpoint", "Resolver endpoint with ID '%s' does not exist", id)
}

type UpdateResolverEndpointInput struct {
	ResolverEndpointId string
	Name               *string
}

func (c *Control) UpdateResolverEndpoint(ctx context.Context, in *UpdateResolverEndpointInput) (*ResolverEndpointOutput, error) {
	if in.ResolverEndpointId == "" {
		return nil, required("resolverEndpointId")
	}
	var out ResolverEndpoint
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[endpointRecord](ctx, c.st, endpointKey(in.ResolverEndpointId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverEndpoint", "Resolver endpoint with ID '%s' does not exist", in.ResolverEndpointId)
		}
		if err != nil {
			return store.Txn{}, err
		}
		if in.Name != nil {
			rec.Name = *in.Name
		}
		rec.ModificationTime = timestamp(time.Now())
		out = rec.ResolverEndpoint
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(endpointKey(rec.Id), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverEndpointOutput{out}, nil
}

// DeleteResolverEndpoint deletes an endpoint no rule uses; its addresses
// stop being served.
func (c *Control) DeleteResolverEndpoint(ctx context.Context, in *ResolverEndpointIdInput) (*ResolverEndpointOutput, error) {
	if in.ResolverEndpointId == "" {
		return nil, required("resolverEndpointId")
	}
	var out ResolverEndpoint
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[endpointRecord](ctx, c.st, endpointKey(in.ResolverEndpointId))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("ResolverEndpoint", "Resolver endpoint with ID '%s' does not exist", in.ResolverEndpointId)
		}
		if err != nil {
			return store.Txn{}, err
		}
		rules, _, err := c.st.List(ctx, rulePrefix)
		if err != nil {
			return store.Txn{}, err
		}
		var using []string
		cmps := []store.Cmp{store.Unchanged(kv)}
		for _, kv := range rules {
			cmps = append(cmps, store.Unchanged(kv))
			if r := store.DecodeJSON[ruleRecord](kv.Value); r != nil && r.ResolverEndpointId == rec.Id {
				using = append(using, r.Id)
			}
		}
		if len(using) > 0 {
			return store.Txn{}, invalidRequest("Cannot delete resolver endpoint unless its related resolver rules are deleted. The following rules still exist for this resolver endpoint: %s", strings.Join(using, ","))
		}
		ops := []store.Op{store.Delete(endpointKey(rec.Id))}
		for _, ip := range rec.IpAddresses {
			ops = append(ops, store.Delete(ipKey(ip.Ip)))
		}
		out = rec.ResolverEndpoint
		out.Status, out.StatusMessage = statusDeleting, "Deleting Resolver Endpoint"
		return store.Txn{If: cmps, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResolverEndpointOutput{out}, nil
}

// ListInput is the input of the listings.
type ListInput struct {
	MaxResults *int
	NextToken  string
	Filters    []Filter
}

type ListResolverEndpointsOutput struct {
	MaxResults        int
	NextToken         *string
	ResolverEndpoints []ResolverEndpoint
}

var pager = awsapi.Pager{Max: 100, Default: 100,
	BadSize:  ErrInvalidParameter.Newf("MaxResults must be from 1 to 100"),
	BadToken: ErrInvalidNextToken.Newf("Invalid value passed for the NextToken parameter")}

func (c *Control) ListResolverEndpoints(ctx context.Context, in *ListInput) (*ListResolverEndpointsOutput, error) {
	var all []ResolverEndpoint
	for _, e := range c.snapshot().Endpoints {
		ok, err := matches(in.Filters, map[string]string{"Name": e.Name, "Direction": e.Direction, "HostVPCId": e.HostVPCId,
			"Status": e.Status, "CreatorRequestId": e.CreatorRequestId, "ResolverEndpointType": e.ResolverEndpointType})
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, e.ResolverEndpoint)
		}
	}
	page, next, err := awsapi.Paginate(pager, all, func(e ResolverEndpoint) string { return e.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListResolverEndpointsOutput{MaxResults: len(page), NextToken: awsapi.StringPtr(next), ResolverEndpoints: orEmpty(page)}, nil
}

type ListResolverEndpointIpAddressesInput struct {
	ResolverEndpointId string
	MaxResults         *int
	NextToken          string
}

type ListResolverEndpointIpAddressesOutput struct {
	MaxResults  int
	NextToken   *string
	IpAddresses []IpAddressResponse
}

func (c *Control) ListResolverEndpointIpAddresses(ctx context.Context, in *ListResolverEndpointIpAddressesInput) (*ListResolverEndpointIpAddressesOutput, error) {
	e, err := c.findEndpoint(in.ResolverEndpointId)
	if err != nil {
		return nil, err
	}
	page, next, err := awsapi.PaginateByPosition(pager, e.IpAddresses, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListResolverEndpointIpAddressesOutput{MaxResults: len(page), NextToken: awsapi.StringPtr(next), IpAddresses: orEmpty(page)}, nil
}

// matches reports whether a resource's members pass every filter; a
// filter on a member the listing does not have is refused.
func matches(filters []Filter, members map[string]string) (bool, error) {
	for _, f := range filters {
		v, ok := members[f.Name]
		if !ok {
			return false, invalidParameter("Filters", "The filter '%s' is not supported", f.Name)
		}
		if !slices.Contains(f.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
