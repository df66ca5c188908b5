package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/portolan/portolan/internal/ec2"
)

// AWS::EC2::{NatGateway,EIP,VPCPeeringConnection}.

// ---- NatGateway ----

type natGatewayProps struct {
	SubnetId         string
	AllocationId     *string
	ConnectivityType *string
	PrivateIpAddress *string
	Tags             []ec2.Tag
}

type ec2NatGateway struct{ c *ec2.Control }

// Create makes the gateway and, as CloudFormation does, waits until it is
// available.
func (h ec2NatGateway) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p natGatewayProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: &p.SubnetId, AllocationId: p.AllocationId, ConnectivityType: p.ConnectivityType,
		PrivateIpAddress: p.PrivateIpAddress, ClientToken: ptrTo(creatorRequestID(r)), TagSpecifications: tagSpec("natgateway", p.Tags)})
	if err != nil {
		return "", nil, err
	}
	id := out.NatGateway.NatGatewayId
	attrs := map[string]any{"NatGatewayId": id}
	if err := r.Exists(id, attrs); err != nil {
		return "", nil, err
	}
	for {
		got, err := h.c.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
		if err != nil {
			return "", nil, err
		}
		switch got.NatGateways[0].State {
		case "available":
			return id, attrs, nil
		case "pending":
		default:
			return "", nil, fmt.Errorf("NAT gateway %s is %s", id, got.NatGateways[0].State)
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (h ec2NatGateway) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was natGatewayProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.SubnetId != was.SubnetId || deref(p.AllocationId) != deref(was.AllocationId) || deref(p.ConnectivityType) != deref(was.ConnectivityType) ||
		deref(p.PrivateIpAddress) != deref(was.PrivateIpAddress) {
		return nil, ErrReplace
	}
	return retagged(ctx, h.c, r, old)
}

func (h ec2NatGateway) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: &r.PhysicalID})
	return gone(err)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ---- EIP ----

type eipProps struct {
	Domain string
	Tags   []ec2.Tag
}

// ec2EIP is an Elastic IP. Its Ref (the physical id) is the address, as
// in CloudFormation; AllocationId is an attribute.
type ec2EIP struct{ c *ec2.Control }

func (h ec2EIP) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p eipProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	in := &ec2.AllocateAddressInput{TagSpecifications: tagSpec("elastic-ip", p.Tags)}
	if p.Domain != "" {
		in.Domain = &p.Domain
	}
	out, err := h.c.AllocateAddress(ctx, in)
	if err != nil {
		return "", nil, err
	}
	return out.PublicIp, map[string]any{"AllocationId": out.AllocationId, "PublicIp": out.PublicIp}, nil
}

func (h ec2EIP) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was eipProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.Domain != was.Domain {
		return nil, ErrReplace
	}
	if err := syncTags(ctx, h.c, str(r.Attrs, "AllocationId"), p.Tags, was.Tags); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

func (h ec2EIP) Delete(ctx context.Context, r *Resource) error {
	in := &ec2.ReleaseAddressInput{PublicIp: &r.PhysicalID}
	if id := str(r.Attrs, "AllocationId"); id != "" {
		in = &ec2.ReleaseAddressInput{AllocationId: &id}
	}
	_, err := h.c.ReleaseAddress(ctx, in)
	return gone(err)
}

// ---- VPCPeeringConnection ----

type peeringProps struct {
	VpcId       string
	PeerVpcId   string
	PeerOwnerId *string
	PeerRegion  *string
	Tags        []ec2.Tag
}

// ec2Peering peers two VPCs; within one account, as CloudFormation does,
// it accepts the connection itself.
type ec2Peering struct{ c *ec2.Control }

func (h ec2Peering) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p peeringProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: &p.VpcId, PeerVpcId: &p.PeerVpcId,
		PeerOwnerId: p.PeerOwnerId, PeerRegion: p.PeerRegion, TagSpecifications: tagSpec("vpc-peering-connection", p.Tags)})
	if err != nil {
		return "", nil, err
	}
	pcx := out.VpcPeeringConnection
	if err := r.Exists(pcx.VpcPeeringConnectionId, nil); err != nil {
		return "", nil, err
	}
	if pcx.Status.Code != "pending-acceptance" {
		return "", nil, fmt.Errorf("VPC peering connection %s: %s", pcx.VpcPeeringConnectionId, pcx.Status.Message)
	}
	if _, err := h.c.AcceptVpcPeeringConnection(ctx, &ec2.VpcPeeringConnectionIdInput{VpcPeeringConnectionId: &pcx.VpcPeeringConnectionId}); err != nil {
		return "", nil, err
	}
	return pcx.VpcPeeringConnectionId, map[string]any{"Id": pcx.VpcPeeringConnectionId}, nil
}

func (h ec2Peering) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was peeringProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.VpcId != was.VpcId || p.PeerVpcId != was.PeerVpcId || deref(p.PeerOwnerId) != deref(was.PeerOwnerId) || deref(p.PeerRegion) != deref(was.PeerRegion) {
		return nil, ErrReplace
	}
	return retagged(ctx, h.c, r, old)
}

func (h ec2Peering) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteVpcPeeringConnection(ctx, &ec2.VpcPeeringConnectionIdInput{VpcPeeringConnectionId: &r.PhysicalID})
	if errors.Is(err, ec2.ErrInvalidStateTransition) {
		return nil // already deleted (or rejected)
	}
	return gone(err)
}
