package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// NatGateway is a NAT gateway as DescribeNatGateways reports it.
type NatGateway struct {
	NatGatewayId        string
	SubnetId            string
	VpcId               string
	State               string
	ConnectivityType    string
	CreateTime          time.Time
	DeleteTime          *time.Time
	NatGatewayAddresses []NatGatewayAddress `ec2:"natGatewayAddressSet"`
	Tags                []Tag               `ec2:"tagSet"`
}

// NatGatewayAddress is a NAT gateway's address: its private IP in the
// subnet, and for a public one its Elastic IP.
type NatGatewayAddress struct {
	AllocationId       string
	NetworkInterfaceId string
	PrivateIp          string
	PublicIp           string
	AssociationId      string
	IsPrimary          bool
	Status             string
}

type natGatewayRecord struct {
	NatGateway
	ClientToken string `json:",omitempty"`
}

// natSettle is how long a NAT gateway stays pending after creation and
// deleting after deletion: long enough that a client sees the states
// AWS's waiters wait through, short enough that they pass at once.
const natSettle = time.Second

// natHidden is how long a deleted gateway stays listed, as on AWS.
const natHidden = time.Hour

// state is the gateway's state now: pending, available, deleting, deleted.
func (n *natGatewayRecord) state(now time.Time) string {
	switch {
	case n.DeleteTime != nil && now.Sub(*n.DeleteTime) < natSettle:
		return "deleting"
	case n.DeleteTime != nil:
		return "deleted"
	case now.Sub(n.CreateTime) < natSettle:
		return "pending"
	}
	return "available"
}

func (n *natGatewayRecord) render() NatGateway {
	out := n.NatGateway
	out.State = n.state(time.Now())
	return out
}

type CreateNatGatewayInput struct {
	DryRun            *bool
	SubnetId          *string
	AllocationId      *string
	ConnectivityType  *string
	PrivateIpAddress  *string
	ClientToken       *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type CreateNatGatewayOutput struct {
	NatGateway  *NatGateway
	ClientToken *string
}

type DescribeNatGatewaysInput struct {
	DryRun        *bool
	NatGatewayIds []string `ec2:"NatGatewayId"`
	Filters       []Filter `ec2:"Filter"`
	MaxResults    *int32
	NextToken     *string
}

type DescribeNatGatewaysOutput struct {
	NatGateways []NatGateway `ec2:"natGatewaySet"`
	NextToken   *string
}

type DeleteNatGatewayInput struct {
	DryRun       *bool
	NatGatewayId *string
}

type DeleteNatGatewayOutput struct{ NatGatewayId string }

func natNotFound(id string) error {
	return ErrNatGatewayNotFound.Newf("The Nat Gateway %s was not found", id)
}

// CreateNatGateway makes a NAT gateway in a subnet, pending for a moment
// and then available. A public one takes an Elastic IP not in use and
// needs its VPC to have an internet gateway.
func (c *Control) CreateNatGateway(ctx context.Context, in *CreateNatGatewayInput) (*CreateNatGatewayOutput, error) {
	if in.SubnetId == nil {
		return nil, missing("SubnetId")
	}
	kind := deref(in.ConnectivityType)
	if kind == "" {
		kind = "public"
	}
	switch {
	case kind != "public" && kind != "private":
		return nil, invalidValue("Value (%s) for parameter connectivityType is invalid. Valid values: public, private", kind)
	case kind == "public" && in.AllocationId == nil:
		return nil, missing("AllocationId")
	case kind == "private" && in.AllocationId != nil:
		return nil, ErrInvalidParameterCombination.Newf("An Elastic IP cannot be given to a private NAT gateway")
	}
	tags, err := tagsFor(in.TagSpecifications, "natgateway")
	if err != nil {
		return nil, err
	}
	var made *natGatewayRecord
	err = c.write(ctx, func() (store.Txn, error) {
		var txn store.Txn
		id := newID("nat-")
		if prior, err := c.natByToken(ctx, &txn, deref(in.ClientToken), id); err != nil || prior != nil {
			made = prior
			return store.Txn{}, err
		}
		s, _, err := c.existingSubnet(ctx, *in.SubnetId)
		if err != nil {
			return store.Txn{}, err
		}
		_, vkv, err := c.vpc(ctx, s.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		n := &natGatewayRecord{NatGateway: NatGateway{NatGatewayId: id, SubnetId: s.SubnetId, VpcId: s.VpcId, ConnectivityType: kind,
			CreateTime: time.Now().UTC().Truncate(time.Millisecond), Tags: tags}, ClientToken: deref(in.ClientToken)}
		addr := NatGatewayAddress{NetworkInterfaceId: newID("eni-"), PrivateIp: deref(in.PrivateIpAddress), IsPrimary: true, Status: "succeeded"}
		if addr.PrivateIp == "" {
			addr.PrivateIp = hostIn(netip.MustParsePrefix(s.CidrBlock))
		}
		if kind == "public" {
			if err := c.attachAddress(ctx, &txn, n, &addr, *in.AllocationId); err != nil {
				return store.Txn{}, err
			}
		}
		n.NatGatewayAddresses = []NatGatewayAddress{addr}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		txn.If = append(txn.If, store.Absent(natKey(n.NatGatewayId)))
		txn.Then = append(txn.Then, store.Put(natKey(n.NatGatewayId), store.JSON(n)))
		touch(&txn, vkv)
		made = n
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	out := made.render()
	return &CreateNatGatewayOutput{NatGateway: &out, ClientToken: in.ClientToken}, nil
}

// natByToken finds the gateway an earlier call with the token made; else
// it adds to txn the guard that claims the token for id.
func (c *Control) natByToken(ctx context.Context, txn *store.Txn, token, id string) (*natGatewayRecord, error) {
	if token == "" {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(token))
	key := natTokenKey(hex.EncodeToString(sum[:]))
	kv, err := c.st.Get(ctx, key)
	if err == nil {
		n, _, err := getRecord[natGatewayRecord](ctx, c.st, natKey(string(kv.Value)))
		return n, err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	txn.If = append(txn.If, store.Absent(key))
	txn.Then = append(txn.Then, store.Put(key, []byte(id)))
	return nil, nil
}

// attachAddress gives a public NAT gateway its Elastic IP: the address
// must not be in use, and the VPC must have an internet gateway.
func (c *Control) attachAddress(ctx context.Context, txn *store.Txn, n *natGatewayRecord, addr *NatGatewayAddress, allocationID string) error {
	eip, ekv, err := c.existingAddress(ctx, allocationID)
	if err != nil {
		return err
	}
	if eip.AssociationId != "" {
		return ErrAlreadyAssociated.Newf("Elastic IP address [%s] is already associated", allocationID)
	}
	igws, err := listRecords[internetGatewayRecord](ctx, c.st, igwPrefix)
	if err != nil {
		return err
	}
	attached := false
	for _, g := range igws {
		attached = attached || g.attachedTo(n.VpcId)
	}
	if !attached {
		return ErrGatewayNotAttached.Newf("Network %s has no Internet gateway attached", n.VpcId)
	}
	addr.AllocationId, addr.PublicIp, addr.AssociationId = allocationID, eip.PublicIp, newID("eipassoc-")
	eip.AssociationId, eip.NetworkInterfaceId, eip.PrivateIpAddress = addr.AssociationId, addr.NetworkInterfaceId, addr.PrivateIp
	eip.NetworkInterfaceOwnerId = c.cfg.AccountID
	putIfUnchanged(txn, ekv, eip)
	return nil
}

func (c *Control) existingNat(ctx context.Context, id string) (*natGatewayRecord, error) {
	if !validID(id, "nat-") {
		return nil, malformed(ErrNatGatewayIDMalformed, id)
	}
	n, _, err := getRecord[natGatewayRecord](ctx, c.st, natKey(id))
	if err == nil && (n == nil || n.DeleteTime != nil) {
		err = natNotFound(id)
	}
	return n, err
}

var natFilters = []string{"nat-gateway-id", "subnet-id", "vpc-id", "state", "tag-key", "tag:"}

func natFilterValues(n *natGatewayRecord, name string) []string {
	switch name {
	case "nat-gateway-id":
		return []string{n.NatGatewayId}
	case "subnet-id":
		return []string{n.SubnetId}
	case "vpc-id":
		return []string{n.VpcId}
	case "state":
		return []string{n.state(time.Now())}
	}
	return tagFilterValues(n.Tags, name)
}

// DescribeNatGateways lists gateways by id, filtered, a page at a time;
// deleted ones stay listed for an hour.
func (c *Control) DescribeNatGateways(ctx context.Context, in *DescribeNatGatewaysInput) (*DescribeNatGatewaysOutput, error) {
	nats, next, err := describe(ctx, c, describer[natGatewayRecord, NatGateway]{
		prefix: natPrefix, filters: natFilters, values: natFilterValues, notFound: natNotFound,
		id: func(r *natGatewayRecord) string { return r.NatGatewayId }, render: (*natGatewayRecord).render,
		hidden: func(r *natGatewayRecord) bool { return r.DeleteTime != nil && time.Since(*r.DeleteTime) > natHidden },
	}, describeQuery{in.DryRun, in.NatGatewayIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeNatGatewaysOutput{NatGateways: nats, NextToken: next}, nil
}

// DeleteNatGateway deletes a gateway (deleting, then deleted) and frees
// its Elastic IP.
func (c *Control) DeleteNatGateway(ctx context.Context, in *DeleteNatGatewayInput) (*DeleteNatGatewayOutput, error) {
	if in.NatGatewayId == nil {
		return nil, missing("NatGatewayId")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		if _, err := c.existingNat(ctx, *in.NatGatewayId); err != nil {
			return store.Txn{}, err
		}
		n, kv, err := getRecord[natGatewayRecord](ctx, c.st, natKey(*in.NatGatewayId))
		if err != nil || n == nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		for i, a := range n.NatGatewayAddresses {
			if a.AllocationId == "" {
				continue
			}
			eip, ekv, err := getRecord[addressRecord](ctx, c.st, eipKey(a.AllocationId))
			if err != nil {
				return store.Txn{}, err
			}
			if eip != nil && eip.AssociationId == a.AssociationId {
				eip.AssociationId, eip.NetworkInterfaceId, eip.PrivateIpAddress, eip.NetworkInterfaceOwnerId = "", "", "", ""
				putIfUnchanged(&txn, ekv, eip)
			}
			n.NatGatewayAddresses[i].Status = "succeeded"
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		n.DeleteTime = &now
		putIfUnchanged(&txn, kv, n)
		if _, vkv, err := c.vpc(ctx, n.VpcId); err == nil && vkv.ModRevision != 0 {
			touch(&txn, vkv)
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteNatGatewayOutput{NatGatewayId: *in.NatGatewayId}, nil
}
