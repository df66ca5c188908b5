package ec2

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/portolan/portolan/internal/store"
)

// Address is an Elastic IP as DescribeAddresses reports it.
type Address struct {
	AllocationId            string
	PublicIp                string
	Domain                  string
	PublicIpv4Pool          string
	NetworkBorderGroup      string
	AssociationId           string
	NetworkInterfaceId      string
	NetworkInterfaceOwnerId string
	PrivateIpAddress        string
	Tags                    []Tag `ec2:"tagSet"`
}

type addressRecord struct{ Address }

type AllocateAddressInput struct {
	DryRun            *bool
	Domain            *string
	Address           *string
	PublicIpv4Pool    *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type AllocateAddressOutput struct {
	AllocationId       string
	PublicIp           string
	Domain             string
	PublicIpv4Pool     string
	NetworkBorderGroup string
}

type ReleaseAddressInput struct {
	DryRun       *bool
	AllocationId *string
	PublicIp     *string
}

type DescribeAddressesInput struct {
	DryRun        *bool
	AllocationIds []string `ec2:"AllocationId"`
	PublicIps     []string `ec2:"PublicIp"`
	Filters       []Filter `ec2:"Filter"`
}

type DescribeAddressesOutput struct {
	Addresses []Address `ec2:"addressesSet"`
}

// elasticIPs is where Portolan's Elastic IPs come from: 198.18.0.0/15,
// set aside for benchmarks and routed nowhere, so an address handed out
// here is never someone's real one.
var elasticIPs = netip.MustParsePrefix("198.18.0.0/15")

func allocationNotFound(id string) error {
	return ErrAllocationNotFound.Newf("The allocation ID '%s' does not exist", id)
}

// AllocateAddress allocates an Elastic IP in the VPC domain.
func (c *Control) AllocateAddress(ctx context.Context, in *AllocateAddressInput) (*AllocateAddressOutput, error) {
	if d := deref(in.Domain); d != "" && d != "vpc" {
		return nil, invalidValue("Value (%s) for parameter domain is invalid. Valid values: vpc", d)
	}
	switch {
	case in.Address != nil:
		return nil, notEmulated("allocating a given address")
	case deref(in.PublicIpv4Pool) != "" && *in.PublicIpv4Pool != "amazon":
		return nil, notEmulated("BYOIP address pools")
	}
	tags, err := tagsFor(in.TagSpecifications, "elastic-ip")
	if err != nil {
		return nil, err
	}
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	a := &addressRecord{Address{AllocationId: newID("eipalloc-"), Domain: "vpc", PublicIpv4Pool: "amazon", NetworkBorderGroup: c.cfg.Region, Tags: tags}}
	err = c.write(ctx, func() (store.Txn, error) {
		a.PublicIp = randomElasticIP()
		return store.Txn{
			If:   []store.Cmp{store.Absent(publicIPKey(a.PublicIp)), store.Absent(eipKey(a.AllocationId))},
			Then: []store.Op{store.Put(publicIPKey(a.PublicIp), []byte(a.AllocationId)), store.Put(eipKey(a.AllocationId), store.JSON(a))},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &AllocateAddressOutput{AllocationId: a.AllocationId, PublicIp: a.PublicIp, Domain: a.Domain, PublicIpv4Pool: a.PublicIpv4Pool, NetworkBorderGroup: a.NetworkBorderGroup}, nil
}

func randomElasticIP() string {
	var b [4]byte
	rand.Read(b[:])
	base := binary.BigEndian.Uint32(elasticIPs.Addr().AsSlice())
	binary.BigEndian.PutUint32(b[:], base+1+binary.BigEndian.Uint32(b[:])%(1<<(32-elasticIPs.Bits())-2))
	return netip.AddrFrom4(b).String()
}

func (c *Control) existingAddress(ctx context.Context, id string) (*addressRecord, store.KV, error) {
	if !validID(id, "eipalloc-") {
		return nil, store.KV{}, malformed(ErrAllocationIDMalformed, id)
	}
	a, kv, err := getRecord[addressRecord](ctx, c.st, eipKey(id))
	if err == nil && a == nil {
		err = allocationNotFound(id)
	}
	return a, kv, err
}

// ReleaseAddress releases an Elastic IP no NAT gateway uses.
func (c *Control) ReleaseAddress(ctx context.Context, in *ReleaseAddressInput) (*ReturnOutput, error) {
	err := c.write(ctx, func() (store.Txn, error) {
		id := deref(in.AllocationId)
		if id == "" && in.PublicIp != nil {
			kv, err := c.st.Get(ctx, publicIPKey(*in.PublicIp))
			if errors.Is(err, store.ErrNotFound) {
				return store.Txn{}, ErrAddressNotFound.Newf("Address '%s' not found.", *in.PublicIp)
			} else if err != nil {
				return store.Txn{}, err
			}
			id = string(kv.Value)
		}
		if id == "" {
			return store.Txn{}, missing("AllocationId")
		}
		a, kv, err := c.existingAddress(ctx, id)
		if err != nil {
			return store.Txn{}, err
		}
		if a.AssociationId != "" {
			return store.Txn{}, ErrAddressInUse.Newf("Address %s is in use.", a.PublicIp)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		txn.Then = append(txn.Then, store.Delete(publicIPKey(a.PublicIp)))
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

var addressFilters = []string{"allocation-id", "public-ip", "domain", "association-id", "network-interface-id", "network-interface-owner-id",
	"private-ip-address", "network-border-group", "tag-key", "tag:"}

func addressFilterValues(a *addressRecord, name string) []string {
	switch name {
	case "allocation-id":
		return []string{a.AllocationId}
	case "public-ip":
		return []string{a.PublicIp}
	case "domain":
		return []string{a.Domain}
	case "association-id":
		return []string{a.AssociationId}
	case "network-interface-id":
		return []string{a.NetworkInterfaceId}
	case "network-interface-owner-id":
		return []string{a.NetworkInterfaceOwnerId}
	case "private-ip-address":
		return []string{a.PrivateIpAddress}
	case "network-border-group":
		return []string{a.NetworkBorderGroup}
	}
	return tagFilterValues(a.Tags, name)
}

// DescribeAddresses lists Elastic IPs by allocation id or address, filtered.
func (c *Control) DescribeAddresses(ctx context.Context, in *DescribeAddressesInput) (*DescribeAddressesOutput, error) {
	d := describer[addressRecord, Address]{
		prefix: eipPrefix, filters: addressFilters, values: addressFilterValues, notFound: allocationNotFound,
		id: func(r *addressRecord) string { return r.AllocationId }, render: func(r *addressRecord) Address { return r.Address },
	}
	filters := in.Filters
	if len(in.PublicIps) > 0 {
		all, _, err := describe(ctx, c, d, describeQuery{DryRun: in.DryRun})
		if err != nil {
			return nil, err
		}
		for _, ip := range in.PublicIps {
			found := false
			for _, a := range all {
				found = found || a.PublicIp == ip
			}
			if !found {
				return nil, ErrAddressNotFound.Newf("Address '%s' not found.", ip)
			}
		}
		filters = append(filters[:len(filters):len(filters)], Filter{Name: ptr("public-ip"), Values: in.PublicIps})
	}
	addrs, _, err := describe(ctx, c, d, describeQuery{DryRun: in.DryRun, Ids: in.AllocationIds, Filters: filters})
	if err != nil {
		return nil, err
	}
	return &DescribeAddressesOutput{Addresses: addrs}, nil
}
