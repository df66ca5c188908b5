package ec2

import (
	"context"
	"net/netip"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// VpcPeeringConnection is a peering connection as
// DescribeVpcPeeringConnections reports it.
type VpcPeeringConnection struct {
	VpcPeeringConnectionId string
	RequesterVpcInfo       *VpcPeeringConnectionVpcInfo
	AccepterVpcInfo        *VpcPeeringConnectionVpcInfo
	Status                 *VpcPeeringConnectionStateReason
	ExpirationTime         *time.Time
	Tags                   []Tag `ec2:"tagSet"`
}

// VpcPeeringConnectionVpcInfo is one side of a connection.
type VpcPeeringConnectionVpcInfo struct {
	VpcId          string
	CidrBlock      string
	CidrBlockSet   []CidrBlock `ec2:"cidrBlockSet"`
	OwnerId        string
	Region         string
	PeeringOptions *VpcPeeringConnectionOptionsDescription
}

type CidrBlock struct{ CidrBlock string }

// VpcPeeringConnectionOptionsDescription are a side's DNS options (off).
type VpcPeeringConnectionOptionsDescription struct {
	AllowDnsResolutionFromRemoteVpc bool
}

type VpcPeeringConnectionStateReason struct {
	Code    string
	Message string
}

type peeringRecord struct{ VpcPeeringConnection }

func (p *peeringRecord) involves(vpcID string) bool {
	return p.RequesterVpcInfo.VpcId == vpcID || p.AccepterVpcInfo.VpcId == vpcID
}

type CreateVpcPeeringConnectionInput struct {
	DryRun            *bool
	VpcId             *string
	PeerVpcId         *string
	PeerOwnerId       *string
	PeerRegion        *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type VpcPeeringConnectionOutput struct {
	VpcPeeringConnection *VpcPeeringConnection
}

type VpcPeeringConnectionIdInput struct {
	DryRun                 *bool
	VpcPeeringConnectionId *string
}

type DescribeVpcPeeringConnectionsInput struct {
	DryRun                  *bool
	VpcPeeringConnectionIds []string `ec2:"VpcPeeringConnectionId"`
	Filters                 []Filter `ec2:"Filter"`
	MaxResults              *int32
	NextToken               *string
}

type DescribeVpcPeeringConnectionsOutput struct {
	VpcPeeringConnections []VpcPeeringConnection `ec2:"vpcPeeringConnectionSet"`
	NextToken             *string
}

func peeringNotFound(id string) error {
	return ErrPeeringNotFound.Newf("The vpcPeeringConnection ID '%s' does not exist", id)
}

// peeringHidden is how long a deleted, rejected or failed connection stays
// listed (AWS: about two hours).
const peeringHidden = 2 * time.Hour

// CreateVpcPeeringConnection asks to peer two VPCs of this account and
// region; the connection waits for AcceptVpcPeeringConnection. VPCs with
// overlapping blocks cannot peer: the connection fails, as on AWS.
func (c *Control) CreateVpcPeeringConnection(ctx context.Context, in *CreateVpcPeeringConnectionInput) (*VpcPeeringConnectionOutput, error) {
	switch {
	case in.VpcId == nil:
		return nil, missing("VpcId")
	case in.PeerVpcId == nil:
		return nil, missing("PeerVpcId")
	case deref(in.PeerOwnerId) != "" && *in.PeerOwnerId != c.cfg.AccountID:
		return nil, notEmulated("peering with another account")
	case deref(in.PeerRegion) != "" && *in.PeerRegion != c.cfg.Region:
		return nil, notEmulated("peering with another region")
	}
	tags, err := tagsFor(in.TagSpecifications, "vpc-peering-connection")
	if err != nil {
		return nil, err
	}
	var made *peeringRecord
	err = c.write(ctx, func() (store.Txn, error) {
		req, _, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		acc, _, err := c.existingVpc(ctx, *in.PeerVpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		expires := time.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Second)
		made = &peeringRecord{VpcPeeringConnection{VpcPeeringConnectionId: newID("pcx-"), Tags: tags, ExpirationTime: &expires,
			RequesterVpcInfo: c.peerInfo(req), AccepterVpcInfo: c.peerInfo(acc),
			Status: &VpcPeeringConnectionStateReason{Code: "pending-acceptance", Message: "Pending Acceptance by " + c.cfg.AccountID}}}
		if req.VpcId == acc.VpcId || netip.MustParsePrefix(req.CidrBlock).Overlaps(netip.MustParsePrefix(acc.CidrBlock)) {
			made.Status = &VpcPeeringConnectionStateReason{Code: "failed", Message: "overlapping IPv4 CIDR"}
			now := time.Now().UTC().Truncate(time.Second)
			made.ExpirationTime = &now
		}
		return store.Txn{If: []store.Cmp{store.Absent(peeringKey(made.VpcPeeringConnectionId))},
			Then: []store.Op{store.Put(peeringKey(made.VpcPeeringConnectionId), store.JSON(made))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &VpcPeeringConnectionOutput{VpcPeeringConnection: &made.VpcPeeringConnection}, nil
}

func (c *Control) peerInfo(v *vpcRecord) *VpcPeeringConnectionVpcInfo {
	return &VpcPeeringConnectionVpcInfo{VpcId: v.VpcId, CidrBlock: v.CidrBlock, CidrBlockSet: []CidrBlock{{v.CidrBlock}}, OwnerId: v.OwnerId,
		Region: c.cfg.Region, PeeringOptions: &VpcPeeringConnectionOptionsDescription{}}
}

func (c *Control) existingPeering(ctx context.Context, id *string) (*peeringRecord, store.KV, error) {
	if id == nil {
		return nil, store.KV{}, missing("VpcPeeringConnectionId")
	}
	if !validID(*id, "pcx-") {
		return nil, store.KV{}, malformed(ErrPeeringIDMalformed, *id)
	}
	p, kv, err := getRecord[peeringRecord](ctx, c.st, peeringKey(*id))
	if err == nil && p == nil {
		err = peeringNotFound(*id)
	}
	return p, kv, err
}

// transition moves a connection from one of the states from to state to.
func (c *Control) transition(ctx context.Context, in *VpcPeeringConnectionIdInput, to, message string, from ...string) (*peeringRecord, error) {
	var out *peeringRecord
	err := c.write(ctx, func() (store.Txn, error) {
		p, kv, err := c.existingPeering(ctx, in.VpcPeeringConnectionId)
		if err != nil {
			return store.Txn{}, err
		}
		ok := false
		for _, f := range from {
			ok = ok || p.Status.Code == f
		}
		if !ok {
			return store.Txn{}, ErrInvalidStateTransition.Newf("Invalid state transition for %s, attempted to transition from %s to %s", p.VpcPeeringConnectionId, p.Status.Code, to)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		p.Status = &VpcPeeringConnectionStateReason{Code: to, Message: message}
		if to != "pending-acceptance" {
			now := time.Now().UTC().Truncate(time.Second)
			p.ExpirationTime = &now
			if to == "active" {
				p.ExpirationTime = nil
			}
		}
		out = p
		var txn store.Txn
		putIfUnchanged(&txn, kv, p)
		return txn, nil
	})
	return out, err
}

// AcceptVpcPeeringConnection makes a pending connection active: routes
// through it leave blackhole.
func (c *Control) AcceptVpcPeeringConnection(ctx context.Context, in *VpcPeeringConnectionIdInput) (*VpcPeeringConnectionOutput, error) {
	p, err := c.transition(ctx, in, "active", "Active", "pending-acceptance")
	if err != nil {
		return nil, err
	}
	return &VpcPeeringConnectionOutput{VpcPeeringConnection: &p.VpcPeeringConnection}, nil
}

func (c *Control) RejectVpcPeeringConnection(ctx context.Context, in *VpcPeeringConnectionIdInput) (*ReturnOutput, error) {
	if _, err := c.transition(ctx, in, "rejected", "Rejected by "+c.cfg.AccountID, "pending-acceptance"); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// DeleteVpcPeeringConnection deletes a connection; it stays listed as
// deleted for a while, as on AWS.
func (c *Control) DeleteVpcPeeringConnection(ctx context.Context, in *VpcPeeringConnectionIdInput) (*ReturnOutput, error) {
	if _, err := c.transition(ctx, in, "deleted", "Deleted by "+c.cfg.AccountID, "pending-acceptance", "active", "failed"); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

var peeringFilters = []string{"vpc-peering-connection-id", "status-code", "status-message", "requester-vpc-info.vpc-id", "requester-vpc-info.cidr-block",
	"requester-vpc-info.owner-id", "accepter-vpc-info.vpc-id", "accepter-vpc-info.cidr-block", "accepter-vpc-info.owner-id", "expiration-time", "tag-key", "tag:"}

func peeringFilterValues(p *peeringRecord, name string) []string {
	switch name {
	case "vpc-peering-connection-id":
		return []string{p.VpcPeeringConnectionId}
	case "status-code":
		return []string{p.Status.Code}
	case "status-message":
		return []string{p.Status.Message}
	case "expiration-time":
		if p.ExpirationTime != nil {
			return []string{p.ExpirationTime.Format(time.RFC3339)}
		}
		return nil
	}
	for _, side := range []struct {
		prefix string
		info   *VpcPeeringConnectionVpcInfo
	}{{"requester-vpc-info.", p.RequesterVpcInfo}, {"accepter-vpc-info.", p.AccepterVpcInfo}} {
		switch name {
		case side.prefix + "vpc-id":
			return []string{side.info.VpcId}
		case side.prefix + "cidr-block":
			return []string{side.info.CidrBlock}
		case side.prefix + "owner-id":
			return []string{side.info.OwnerId}
		}
	}
	return tagFilterValues(p.Tags, name)
}

// DescribeVpcPeeringConnections lists connections by id, filtered, a page
// at a time.
func (c *Control) DescribeVpcPeeringConnections(ctx context.Context, in *DescribeVpcPeeringConnectionsInput) (*DescribeVpcPeeringConnectionsOutput, error) {
	pcxs, next, err := describe(ctx, c, describer[peeringRecord, VpcPeeringConnection]{
		prefix: peeringPrefix, filters: peeringFilters, values: peeringFilterValues, notFound: peeringNotFound,
		id:     func(r *peeringRecord) string { return r.VpcPeeringConnectionId },
		render: func(r *peeringRecord) VpcPeeringConnection { return r.VpcPeeringConnection },
		hidden: func(r *peeringRecord) bool {
			ended := r.Status.Code == "deleted" || r.Status.Code == "rejected" || r.Status.Code == "failed"
			return ended && r.ExpirationTime != nil && time.Since(*r.ExpirationTime) > peeringHidden
		},
	}, describeQuery{in.DryRun, in.VpcPeeringConnectionIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeVpcPeeringConnectionsOutput{VpcPeeringConnections: pcxs, NextToken: next}, nil
}
