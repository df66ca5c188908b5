package ec2

import (
	"context"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// AssociateRouteTable makes a table a subnet's: a subnet has at most one
// explicit association, and without one it uses its VPC's main table.
func (c *Control) AssociateRouteTable(ctx context.Context, in *AssociateRouteTableInput) (*AssociateRouteTableOutput, error) {
	if in.GatewayId != nil {
		return nil, notEmulated("gateway route table associations")
	}
	if in.SubnetId == nil {
		return nil, missing("SubnetId")
	}
	var id string
	err := c.write(ctx, func() (store.Txn, error) {
		t, kv, err := c.existingRouteTable(ctx, in.RouteTableId)
		if err != nil {
			return store.Txn{}, err
		}
		s, _, err := c.existingSubnet(ctx, *in.SubnetId)
		if err != nil {
			return store.Txn{}, err
		}
		if s.VpcId != t.VpcId {
			return store.Txn{}, invalidValue("Route table %s and subnet %s belong to different networks", t.RouteTableId, s.SubnetId)
		}
		_, vkv, err := c.vpc(ctx, t.VpcId)
		if err != nil {
			return store.Txn{}, err
		}
		tables, err := listRecords[routeTableRecord](ctx, c.st, rtbPrefix)
		if err != nil {
			return store.Txn{}, err
		}
		for _, o := range tables {
			if i := slices.IndexFunc(o.Associations, func(a RouteTableAssociation) bool { return a.SubnetId == s.SubnetId }); i >= 0 {
				return store.Txn{}, ErrAlreadyAssociated.Newf("the specified association for route table %s conflicts with an existing association", t.RouteTableId)
			}
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		id = newID("rtbassoc-")
		t.Associations = append(t.Associations, RouteTableAssociation{RouteTableAssociationId: id, RouteTableId: t.RouteTableId,
			SubnetId: s.SubnetId, AssociationState: &AssociationState{State: "associated"}})
		var txn store.Txn
		putIfUnchanged(&txn, kv, t)
		touch(&txn, vkv) // one association a subnet: serialised per VPC
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &AssociateRouteTableOutput{AssociationId: id, AssociationState: &AssociationState{State: "associated"}}, nil
}

// association finds the table holding an association.
func (c *Control) association(ctx context.Context, id *string) (*routeTableRecord, store.KV, int, error) {
	if id == nil {
		return nil, store.KV{}, 0, missing("AssociationId")
	}
	tables, err := listRecords[routeTableRecord](ctx, c.st, rtbPrefix)
	if err != nil {
		return nil, store.KV{}, 0, err
	}
	for _, t := range tables {
		if i := slices.IndexFunc(t.Associations, func(a RouteTableAssociation) bool { return a.RouteTableAssociationId == *id }); i >= 0 {
			r, kv, err := getRecord[routeTableRecord](ctx, c.st, rtbKey(t.RouteTableId))
			if err == nil && r == nil {
				break
			}
			return r, kv, i, err
		}
	}
	return nil, store.KV{}, 0, ErrAssociationNotFound.Newf("The association ID '%s' does not exist", *id)
}

// DisassociateRouteTable ends a subnet's association (not a main one).
func (c *Control) DisassociateRouteTable(ctx context.Context, in *DisassociateRouteTableInput) (*DisassociateRouteTableOutput, error) {
	err := c.write(ctx, func() (store.Txn, error) {
		t, kv, i, err := c.association(ctx, in.AssociationId)
		if err != nil {
			return store.Txn{}, err
		}
		if t.Associations[i].Main {
			return store.Txn{}, invalidValue("cannot disassociate the main route table association %s", *in.AssociationId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		t.Associations = slices.Delete(t.Associations, i, i+1)
		var txn store.Txn
		putIfUnchanged(&txn, kv, t)
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DisassociateRouteTableOutput{}, nil
}

// ReplaceRouteTableAssociation moves an association (a subnet's, or the
// VPC's main one) to another table of the VPC.
func (c *Control) ReplaceRouteTableAssociation(ctx context.Context, in *ReplaceRouteTableAssociationInput) (*ReplaceRouteTableAssociationOutput, error) {
	var id string
	err := c.write(ctx, func() (store.Txn, error) {
		from, fkv, i, err := c.association(ctx, in.AssociationId)
		if err != nil {
			return store.Txn{}, err
		}
		to, tkv, err := c.existingRouteTable(ctx, in.RouteTableId)
		if err != nil {
			return store.Txn{}, err
		}
		if to.VpcId != from.VpcId {
			return store.Txn{}, invalidValue("Route table %s is not in the VPC of association %s", to.RouteTableId, *in.AssociationId)
		}
		if isTrue(in.DryRun) {
			return store.Txn{}, errDryRun
		}
		a := from.Associations[i]
		from.Associations = slices.Delete(from.Associations, i, i+1)
		if to.RouteTableId == from.RouteTableId {
			to = from
		}
		id = newID("rtbassoc-")
		a.RouteTableAssociationId, a.RouteTableId = id, to.RouteTableId
		to.Associations = append(to.Associations, a)
		var txn store.Txn
		putIfUnchanged(&txn, fkv, from)
		if to != from {
			putIfUnchanged(&txn, tkv, to)
		}
		if a.Main {
			v, vkv, err := c.vpc(ctx, to.VpcId)
			if err != nil || v == nil {
				return store.Txn{}, err
			}
			v.MainRouteTableId = to.RouteTableId
			putIfUnchanged(&txn, vkv, v)
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &ReplaceRouteTableAssociationOutput{NewAssociationId: id, AssociationState: &AssociationState{State: "associated"}}, nil
}

// dropAssociations adds to txn the removal of the associations drop picks.
func (c *Control) dropAssociations(ctx context.Context, txn *store.Txn, drop func(RouteTableAssociation) bool) error {
	kvs, _, err := c.st.List(ctx, rtbPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		t := store.DecodeJSON[routeTableRecord](kv.Value)
		if t == nil || !slices.ContainsFunc(t.Associations, drop) {
			continue
		}
		t.Associations = slices.DeleteFunc(t.Associations, drop)
		putIfUnchanged(txn, kv, t)
	}
	return nil
}

var rtbFilters = []string{"route-table-id", "vpc-id", "owner-id", "association.main", "association.route-table-association-id",
	"association.route-table-id", "association.subnet-id", "association.gateway-id", "route.destination-cidr-block", "route.gateway-id",
	"route.nat-gateway-id", "route.vpc-peering-connection-id", "route.state", "route.origin", "tag-key", "tag:"}

func rtbFilterValues(t *RouteTable, name string) []string {
	var out []string
	switch name {
	case "route-table-id":
		return []string{t.RouteTableId}
	case "vpc-id":
		return []string{t.VpcId}
	case "owner-id":
		return []string{t.OwnerId}
	}
	for _, a := range t.Associations {
		switch name {
		case "association.main":
			out = append(out, boolValues(a.Main)...)
		case "association.route-table-association-id":
			out = append(out, a.RouteTableAssociationId)
		case "association.route-table-id":
			out = append(out, a.RouteTableId)
		case "association.subnet-id":
			out = append(out, a.SubnetId)
		}
	}
	for _, r := range t.Routes {
		switch name {
		case "route.destination-cidr-block":
			out = append(out, r.DestinationCidrBlock)
		case "route.gateway-id":
			out = append(out, r.GatewayId)
		case "route.nat-gateway-id":
			out = append(out, r.NatGatewayId)
		case "route.vpc-peering-connection-id":
			out = append(out, r.VpcPeeringConnectionId)
		case "route.state":
			out = append(out, r.State)
		case "route.origin":
			out = append(out, r.Origin)
		}
	}
	return append(out, tagFilterValues(t.Tags, name)...)
}

// DescribeRouteTables lists tables by id, filtered, a page at a time. A
// route whose target is gone (a detached gateway, a deleted NAT gateway or
// peering connection) is a blackhole, as on AWS.
func (c *Control) DescribeRouteTables(ctx context.Context, in *DescribeRouteTablesInput) (*DescribeRouteTablesOutput, error) {
	live, err := c.liveTargets(ctx)
	if err != nil {
		return nil, err
	}
	render := func(r *routeTableRecord) RouteTable {
		t := r.RouteTable
		t.Routes = slices.Clone(t.Routes)
		for i, route := range t.Routes {
			if route.GatewayId != "local" && !validID(route.GatewayId, "vpce-") && !validID(route.GatewayId, "vgw-") &&
				!validID(route.NetworkInterfaceId, "eni-") && !live[t.VpcId+"/"+route.target()] {
				t.Routes[i].State = "blackhole"
			}
		}
		return t
	}
	tables, next, err := describe(ctx, c, describer[routeTableRecord, RouteTable]{
		prefix: rtbPrefix, filters: rtbFilters, notFound: rtbNotFound, render: render,
		values: func(r *routeTableRecord, name string) []string { t := render(r); return rtbFilterValues(&t, name) },
		id:     func(r *routeTableRecord) string { return r.RouteTableId },
	}, describeQuery{in.DryRun, in.RouteTableIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeRouteTablesOutput{RouteTables: tables, NextToken: next}, nil
}

// liveTargets are the targets routes of each VPC can use, as "vpc/target":
// its attached internet gateway, its NAT gateways not deleted, its active
// peering connections.
func (c *Control) liveTargets(ctx context.Context) (map[string]bool, error) {
	live := map[string]bool{}
	igws, err := listRecords[internetGatewayRecord](ctx, c.st, igwPrefix)
	if err != nil {
		return nil, err
	}
	for _, g := range igws {
		for _, a := range g.Attachments {
			live[a.VpcId+"/"+g.InternetGatewayId] = true
		}
	}
	nats, err := listRecords[natGatewayRecord](ctx, c.st, natPrefix)
	if err != nil {
		return nil, err
	}
	for _, n := range nats {
		live[n.VpcId+"/"+n.NatGatewayId] = n.DeleteTime == nil
	}
	peerings, err := listRecords[peeringRecord](ctx, c.st, peeringPrefix)
	if err != nil {
		return nil, err
	}
	for _, p := range peerings {
		active := p.Status.Code == "active"
		live[p.RequesterVpcInfo.VpcId+"/"+p.VpcPeeringConnectionId] = active
		live[p.AccepterVpcInfo.VpcId+"/"+p.VpcPeeringConnectionId] = active
	}
	return live, nil
}
