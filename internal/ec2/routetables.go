package ec2

import (
	"context"
	"net/netip"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// RouteTable is a route table as DescribeRouteTables reports it.
type RouteTable struct {
	RouteTableId    string
	VpcId           string
	OwnerId         string
	Routes          []Route                 `ec2:"routeSet"`
	Associations    []RouteTableAssociation `ec2:"associationSet"`
	PropagatingVgws []PropagatingVgw        `ec2:"propagatingVgwSet"`
	Tags            []Tag                   `ec2:"tagSet"`
}

// Route is one route: a destination and its target.
type Route struct {
	DestinationCidrBlock   string
	GatewayId              string
	NatGatewayId           string
	VpcPeeringConnectionId string
	NetworkInterfaceId     string
	State                  string
	Origin                 string
}

// target is the one thing a route sends to.
func (r Route) target() string {
	return firstNonEmpty(r.GatewayId, r.NatGatewayId, r.VpcPeeringConnectionId, r.NetworkInterfaceId)
}

// RouteTableAssociation ties a table to a subnet, or marks it the VPC's main.
type RouteTableAssociation struct {
	RouteTableAssociationId string
	RouteTableId            string
	SubnetId                string
	GatewayId               string
	Main                    bool
	AssociationState        *AssociationState
}

type AssociationState struct{ State string }

// PropagatingVgw is a virtual private gateway propagating routes (none here).
type PropagatingVgw struct{ GatewayId string }

type routeTableRecord struct{ RouteTable }

type CreateRouteTableInput struct {
	DryRun            *bool
	VpcId             *string
	TagSpecifications []TagSpecification `ec2:"TagSpecification"`
}

type CreateRouteTableOutput struct{ RouteTable *RouteTable }

type DescribeRouteTablesInput struct {
	DryRun        *bool
	RouteTableIds []string `ec2:"RouteTableId"`
	Filters       []Filter `ec2:"Filter"`
	MaxResults    *int32
	NextToken     *string
}

type DescribeRouteTablesOutput struct {
	RouteTables []RouteTable `ec2:"routeTableSet"`
	NextToken   *string
}

type DeleteRouteTableInput struct {
	DryRun       *bool
	RouteTableId *string
}

type RouteInput struct {
	DryRun                   *bool
	RouteTableId             *string
	DestinationCidrBlock     *string
	DestinationIpv6CidrBlock *string
	DestinationPrefixListId  *string
	GatewayId                *string
	NatGatewayId             *string
	VpcPeeringConnectionId   *string
	NetworkInterfaceId       *string
	VpcEndpointId            *string
	TransitGatewayId         *string
	InstanceId               *string
}

type AssociateRouteTableInput struct {
	DryRun       *bool
	RouteTableId *string
	SubnetId     *string
	GatewayId    *string
}

type AssociateRouteTableOutput struct {
	AssociationId    string
	AssociationState *AssociationState
}

type DisassociateRouteTableInput struct {
	DryRun        *bool
	AssociationId *string
}

type DisassociateRouteTableOutput struct{}

type ReplaceRouteTableAssociationInput struct {
	DryRun        *bool
	AssociationId *string
	RouteTableId  *string
}

type ReplaceRouteTableAssociationOutput struct {
	NewAssociationId string
	AssociationState *AssociationState
}

func rtbNotFound(id string) error {
	return ErrRouteTableNotFound.Newf("The routeTable ID '%s' does not exist", id)
}

// CreateRouteTable makes a table in a VPC with the VPC's local route.
func (c *Control) CreateRouteTable(ctx context.Context, in *CreateRouteTableInput) (*CreateRouteTableOutput, error) {
	if in.VpcId == nil {
		return nil, missing("VpcId")
	}
	tags, err := tagsFor(in.TagSpecifications, "route-table")
	if err != nil {
		return nil, err
	}
	var made *routeTableRecord
	err = c.write(ctx, func() (store.Txn, error) {
		vpc, vkv, err := c.existingVpc(ctx, *in.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		made = &routeTableRecord{RouteTable{RouteTableId: newID("rtb-"), VpcId: vpc.VpcId, OwnerId: c.cfg.AccountID, Tags: tags,
			Routes:       []Route{{DestinationCidrBlock: vpc.CidrBlock, GatewayId: "local", State: "active", Origin: "CreateRouteTable"}},
			Associations: []RouteTableAssociation{}, PropagatingVgws: []PropagatingVgw{}}}
		txn := store.Txn{If: []store.Cmp{store.Absent(rtbKey(made.RouteTableId))}, Then: []store.Op{store.Put(rtbKey(made.RouteTableId), store.JSON(made))}}
		touch(&txn, vkv)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateRouteTableOutput{RouteTable: &made.RouteTable}, nil
}

func (c *Control) existingRouteTable(ctx context.Context, id *string) (*routeTableRecord, store.KV, error) {
	if id == nil {
		return nil, store.KV{}, missing("RouteTableId")
	}
	if !validID(*id, "rtb-") {
		return nil, store.KV{}, malformed(ErrRouteTableIDMalformed, *id)
	}
	r, kv, err := getRecord[routeTableRecord](ctx, c.st, rtbKey(*id))
	if err == nil && r == nil {
		err = rtbNotFound(*id)
	}
	return r, kv, err
}

// DeleteRouteTable deletes a table no subnet uses that is not its VPC's main.
func (c *Control) DeleteRouteTable(ctx context.Context, in *DeleteRouteTableInput) (*ReturnOutput, error) {
	err := c.write(ctx, func() (store.Txn, error) {
		t, kv, err := c.existingRouteTable(ctx, in.RouteTableId)
		if err != nil {
			return store.Txn{}, err
		}
		if len(t.Associations) > 0 {
			return store.Txn{}, ErrDependencyViolation.Newf("The routeTable '%s' has dependencies and cannot be deleted.", t.RouteTableId)
		}
		_, vkv, err := c.vpc(ctx, t.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		deleteIfUnchanged(&txn, kv)
		if vkv.ModRevision != 0 {
			touch(&txn, vkv)
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// CreateRoute adds a route; ReplaceRoute changes the target of one.
func (c *Control) CreateRoute(ctx context.Context, in *RouteInput) (*ReturnOutput, error) {
	return c.setRoute(ctx, in, false)
}

func (c *Control) ReplaceRoute(ctx context.Context, in *RouteInput) (*ReturnOutput, error) {
	return c.setRoute(ctx, in, true)
}

func (c *Control) setRoute(ctx context.Context, in *RouteInput, replace bool) (*ReturnOutput, error) {
	dest, err := routeDestination(in)
	if err != nil {
		return nil, err
	}
	err = c.write(ctx, func() (store.Txn, error) {
		t, kv, err := c.existingRouteTable(ctx, in.RouteTableId)
		if err != nil {
			return store.Txn{}, err
		}
		route := Route{DestinationCidrBlock: dest, GatewayId: deref(in.GatewayId), NatGatewayId: deref(in.NatGatewayId),
			VpcPeeringConnectionId: deref(in.VpcPeeringConnectionId), NetworkInterfaceId: deref(in.NetworkInterfaceId), State: "active", Origin: "CreateRoute"}
		if route.GatewayId == "" {
			route.GatewayId = deref(in.VpcEndpointId)
		}
		if err := c.checkTarget(ctx, t, route); err != nil {
			return store.Txn{}, err
		}
		i := slices.IndexFunc(t.Routes, func(r Route) bool { return r.DestinationCidrBlock == dest })
		switch {
		case i >= 0 && t.Routes[i].GatewayId == "local":
			return store.Txn{}, invalidValue("cannot replace or add a route to the local route %s in route table %s", dest, t.RouteTableId)
		case !replace && i >= 0:
			return store.Txn{}, ErrRouteAlreadyExists.Newf("The route identified by %s already exists.", dest)
		case replace && i < 0:
			return store.Txn{}, ErrRouteNotFound.Newf("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest)
		case replace:
			route.Origin = t.Routes[i].Origin
			t.Routes[i] = route
		default:
			t.Routes = append(t.Routes, route)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		var txn store.Txn
		putIfUnchanged(&txn, kv, t)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

func routeDestination(in *RouteInput) (string, error) {
	switch {
	case in.DestinationIpv6CidrBlock != nil:
		return "", notEmulated("IPv6 routes")
	case in.DestinationPrefixListId != nil:
		return "", notEmulated("prefix list routes")
	case in.TransitGatewayId != nil || in.InstanceId != nil:
		return "", notEmulated("routes to transit gateways and instances")
	case in.DestinationCidrBlock == nil:
		return "", missing("DestinationCidrBlock")
	}
	p, ok, _ := parseCIDR(*in.DestinationCidrBlock, 0, 32)
	if !ok {
		return "", invalidValue("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", *in.DestinationCidrBlock)
	}
	n := 0
	for _, t := range []*string{in.GatewayId, in.NatGatewayId, in.VpcPeeringConnectionId, in.NetworkInterfaceId, in.VpcEndpointId} {
		if deref(t) != "" {
			n++
		}
	}
	if n != 1 {
		return "", ErrInvalidParameterCombination.Newf("The request must contain exactly one of gatewayId, natGatewayId, vpcPeeringConnectionId, networkInterfaceId or vpcEndpointId")
	}
	return p.String(), nil
}

// checkTarget checks that a route's target exists and is in the table's
// VPC: an internet gateway attached to it, a NAT gateway in it, an active
// peering connection of it.
func (c *Control) checkTarget(ctx context.Context, t *routeTableRecord, r Route) error {
	switch {
	case r.GatewayId == "local":
		return invalidValue("cannot create a route to local: the local route of %s is made with it", t.RouteTableId)
	case validID(r.GatewayId, "igw-"):
		g, _, err := c.existingIGW(ctx, &r.GatewayId)
		if err != nil {
			return err
		}
		if !g.attachedTo(t.VpcId) {
			return invalidValue("route table %s and network gateway %s belong to different networks", t.RouteTableId, r.GatewayId)
		}
	case r.NatGatewayId != "":
		n, err := c.existingNat(ctx, r.NatGatewayId)
		if err != nil {
			return err
		}
		if n.VpcId != t.VpcId {
			return invalidValue("route table %s and NAT gateway %s belong to different networks", t.RouteTableId, r.NatGatewayId)
		}
	case r.VpcPeeringConnectionId != "":
		p, _, err := c.existingPeering(ctx, &r.VpcPeeringConnectionId)
		if err != nil {
			return err
		}
		if p.Status.Code != "active" && p.Status.Code != "pending-acceptance" || !p.involves(t.VpcId) {
			return invalidValue("route table %s and VPC peering connection %s belong to different networks or the connection is not active", t.RouteTableId, r.VpcPeeringConnectionId)
		}
	case r.NetworkInterfaceId != "" && !validID(r.NetworkInterfaceId, "eni-"):
		return ErrNetworkInterfaceNotFound.Newf("The networkInterface ID '%s' does not exist", r.NetworkInterfaceId)
	case r.GatewayId != "" && !validID(r.GatewayId, "vpce-") && !validID(r.GatewayId, "vgw-"):
		return igwNotFound(r.GatewayId)
	}
	return nil
}

// DeleteRoute removes a route (not the local one).
func (c *Control) DeleteRoute(ctx context.Context, in *RouteInput) (*ReturnOutput, error) {
	if in.DestinationCidrBlock == nil {
		return nil, missing("DestinationCidrBlock")
	}
	err := c.write(ctx, func() (store.Txn, error) {
		t, kv, err := c.existingRouteTable(ctx, in.RouteTableId)
		if err != nil {
			return store.Txn{}, err
		}
		dest := *in.DestinationCidrBlock
		if p, err := netip.ParsePrefix(dest); err == nil {
			dest = p.Masked().String()
		}
		i := slices.IndexFunc(t.Routes, func(r Route) bool { return r.DestinationCidrBlock == dest })
		switch {
		case i < 0:
			return store.Txn{}, ErrRouteNotFound.Newf("no route with destination-cidr-block %s in route table %s", dest, t.RouteTableId)
		case t.Routes[i].GatewayId == "local":
			return store.Txn{}, invalidValue("cannot remove local route %s in route table %s", dest, t.RouteTableId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		t.Routes = slices.Delete(t.Routes, i, i+1)
		var txn store.Txn
		putIfUnchanged(&txn, kv, t)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}
