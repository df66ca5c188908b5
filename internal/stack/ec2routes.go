package stack

import (
	"context"
	"strings"

	"github.com/portolan/portolan/internal/ec2"
)

// AWS::EC2::{RouteTable,Route,SubnetRouteTableAssociation}.

// ---- RouteTable ----

type routeTableProps struct {
	VpcId string
	Tags  []ec2.Tag
}

type ec2RouteTable struct{ c *ec2.Control }

func (h ec2RouteTable) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p routeTableProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &p.VpcId, TagSpecifications: tagSpec("route-table", p.Tags)})
	if err != nil {
		return "", nil, err
	}
	id := out.RouteTable.RouteTableId
	return id, map[string]any{"RouteTableId": id}, nil
}

func (h ec2RouteTable) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "VpcId") != str(old, "VpcId") {
		return nil, ErrReplace
	}
	return retagged(ctx, h.c, r, old)
}

func (h ec2RouteTable) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &r.PhysicalID})
	return gone(err)
}

// ---- Route ----

type routeProps struct {
	RouteTableId             string
	DestinationCidrBlock     string
	DestinationIpv6CidrBlock *string
	GatewayId                *string
	NatGatewayId             *string
	VpcPeeringConnectionId   *string
	NetworkInterfaceId       *string
	VpcEndpointId            *string
	TransitGatewayId         *string
	InstanceId               *string
}

func (p *routeProps) input() *ec2.RouteInput {
	return &ec2.RouteInput{RouteTableId: &p.RouteTableId, DestinationCidrBlock: &p.DestinationCidrBlock, DestinationIpv6CidrBlock: p.DestinationIpv6CidrBlock,
		GatewayId: p.GatewayId, NatGatewayId: p.NatGatewayId, VpcPeeringConnectionId: p.VpcPeeringConnectionId,
		NetworkInterfaceId: p.NetworkInterfaceId, VpcEndpointId: p.VpcEndpointId, TransitGatewayId: p.TransitGatewayId, InstanceId: p.InstanceId}
}

type ec2Route struct{ c *ec2.Control }

// Create adds the route; its physical id is CloudFormation's
// "rtb-…|destination".
func (h ec2Route) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p routeProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	if _, err := h.c.CreateRoute(ctx, p.input()); err != nil {
		return "", nil, err
	}
	return p.RouteTableId + "|" + p.DestinationCidrBlock, map[string]any{"CidrBlock": p.DestinationCidrBlock}, nil
}

// Update: a new target replaces the route's (ReplaceRoute); a new table
// or destination is a new route.
func (h ec2Route) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was routeProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.RouteTableId != was.RouteTableId || p.DestinationCidrBlock != was.DestinationCidrBlock {
		return nil, ErrReplace
	}
	if _, err := h.c.ReplaceRoute(ctx, p.input()); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

func (h ec2Route) Delete(ctx context.Context, r *Resource) error {
	table, dest, ok := strings.Cut(r.PhysicalID, "|")
	if !ok {
		return nil
	}
	_, err := h.c.DeleteRoute(ctx, &ec2.RouteInput{RouteTableId: &table, DestinationCidrBlock: &dest})
	return gone(err)
}

// ---- SubnetRouteTableAssociation ----

type ec2RouteTableAssociation struct{ c *ec2.Control }

func (h ec2RouteTableAssociation) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	rtb, subnet := str(r.Props, "RouteTableId"), str(r.Props, "SubnetId")
	out, err := h.c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &rtb, SubnetId: &subnet})
	if err != nil {
		return "", nil, err
	}
	return out.AssociationId, map[string]any{"Id": out.AssociationId}, nil
}

func (h ec2RouteTableAssociation) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h ec2RouteTableAssociation) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &r.PhysicalID})
	return gone(err)
}
