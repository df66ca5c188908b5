package ec2_test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// createInternetGateway: CreateInternetGateway, DescribeInternetGateways
// until found, AttachInternetGateway, then DescribeInternetGateways until
// the attachment is available, and the read.
func (tf *tf) createInternetGateway(vpc string) string {
	tf.t.Helper()
	out, err := tf.c.CreateInternetGateway(tf.ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: nameTag(types.ResourceTypeInternetGateway, "tf-igw")})
	must(tf.t, err)
	id := *out.InternetGateway.InternetGatewayId
	must(tf.t, ec2.NewInternetGatewayExistsWaiter(tf.c).Wait(tf.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}}, time.Minute))
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.AttachInternetGateway(tf.ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &id, VpcId: &vpc})
		return err
	}, "InvalidInternetGatewayID.NotFound"))
	g := stable(tf, "aws_internet_gateway", func() types.InternetGateway { return tf.readInternetGateway(id) })
	if len(g.Attachments) != 1 || *g.Attachments[0].VpcId != vpc || g.Attachments[0].State != "available" || *g.OwnerId != "000000000000" {
		tf.t.Fatalf("aws_internet_gateway read: %+v", g)
	}
	return id
}

func (tf *tf) readInternetGateway(id string) types.InternetGateway {
	tf.t.Helper()
	out, err := tf.c.DescribeInternetGateways(tf.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	must(tf.t, err)
	return out.InternetGateways[0]
}

// deleteInternetGateway: DetachInternetGateway (retried on
// DependencyViolation), wait for no attachment, DeleteInternetGateway,
// then DescribeInternetGateways until NotFound.
func (tf *tf) deleteInternetGateway(id, vpc string) {
	tf.t.Helper()
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.DetachInternetGateway(tf.ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &id, VpcId: &vpc})
		return err
	}, "DependencyViolation"))
	if g := tf.readInternetGateway(id); len(g.Attachments) != 0 {
		tf.t.Fatalf("still attached: %+v", g.Attachments)
	}
	must(tf.t, retryOn(tf, func() error {
		_, err := tf.c.DeleteInternetGateway(tf.ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &id})
		return err
	}, "DependencyViolation"))
	untilNotFound(tf, "aws_internet_gateway", "InvalidInternetGatewayID.NotFound", func() error {
		_, err := tf.c.DescribeInternetGateways(tf.ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
		return err
	})
}

// createRouteTable: CreateRouteTable, DescribeRouteTables until found,
// CreateRoute for route { cidr_block = "0.0.0.0/0", gateway_id = igw },
// DescribeRouteTables until the route is active, then the read (which
// leaves out the local route).
func (tf *tf) createRouteTable(vpc, igw string) string {
	tf.t.Helper()
	out, err := tf.c.CreateRouteTable(tf.ctx, &ec2.CreateRouteTableInput{VpcId: &vpc, TagSpecifications: nameTag(types.ResourceTypeRouteTable, "tf-rtb")})
	must(tf.t, err)
	id := *out.RouteTable.RouteTableId
	tf.readRouteTable(id)
	_, err = tf.c.CreateRoute(tf.ctx, &ec2.CreateRouteInput{RouteTableId: &id, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw})
	must(tf.t, err)
	r := stable(tf, "aws_route_table", func() types.RouteTable { return tf.readRouteTable(id) })
	var routes []types.Route
	for _, route := range r.Routes {
		if aws.ToString(route.GatewayId) != "local" {
			routes = append(routes, route)
		}
	}
	if len(routes) != 1 || *routes[0].GatewayId != igw || routes[0].State != types.RouteStateActive || *routes[0].DestinationCidrBlock != "0.0.0.0/0" {
		tf.t.Fatalf("aws_route_table routes: %+v", r.Routes)
	}
	return id
}

func (tf *tf) readRouteTable(id string) types.RouteTable {
	tf.t.Helper()
	out, err := tf.c.DescribeRouteTables(tf.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	must(tf.t, err)
	return out.RouteTables[0]
}

// deleteRouteTable: read the table, disassociate what is not main,
// DeleteRouteTable, then DescribeRouteTables until NotFound.
func (tf *tf) deleteRouteTable(id string) {
	tf.t.Helper()
	for _, a := range tf.readRouteTable(id).Associations {
		if !aws.ToBool(a.Main) {
			_, err := tf.c.DisassociateRouteTable(tf.ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})
			must(tf.t, err)
		}
	}
	_, err := tf.c.DeleteRouteTable(tf.ctx, &ec2.DeleteRouteTableInput{RouteTableId: &id})
	must(tf.t, err)
	untilNotFound(tf, "aws_route_table", "InvalidRouteTableID.NotFound", func() error {
		_, err := tf.c.DescribeRouteTables(tf.ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
		return err
	})
}

// createRouteTableAssociation: AssociateRouteTable (retried on
// InvalidRouteTableID.NotFound), then the association found by the
// association.route-table-association-id filter in state associated.
func (tf *tf) createRouteTableAssociation(rtb, subnet string) string {
	tf.t.Helper()
	var id string
	must(tf.t, retryOn(tf, func() error {
		out, err := tf.c.AssociateRouteTable(tf.ctx, &ec2.AssociateRouteTableInput{RouteTableId: &rtb, SubnetId: &subnet})
		if err == nil {
			id = *out.AssociationId
		}
		return err
	}, "InvalidRouteTableID.NotFound"))
	a := stable(tf, "aws_route_table_association", func() []types.RouteTableAssociation { return tf.readAssociation(id) })
	if len(a) != 1 || *a[0].SubnetId != subnet || *a[0].RouteTableId != rtb || a[0].AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		tf.t.Fatalf("aws_route_table_association read: %+v", a)
	}
	return id
}

func (tf *tf) readAssociation(id string) []types.RouteTableAssociation {
	tf.t.Helper()
	out, err := tf.c.DescribeRouteTables(tf.ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.route-table-association-id", id)}})
	must(tf.t, err)
	var found []types.RouteTableAssociation
	for _, t := range out.RouteTables {
		for _, a := range t.Associations {
			if *a.RouteTableAssociationId == id {
				found = append(found, a)
			}
		}
	}
	return found
}

// deleteRouteTableAssociation: DisassociateRouteTable, then wait until the
// association is gone.
func (tf *tf) deleteRouteTableAssociation(id string) {
	tf.t.Helper()
	_, err := tf.c.DisassociateRouteTable(tf.ctx, &ec2.DisassociateRouteTableInput{AssociationId: &id})
	must(tf.t, err)
	if a := tf.readAssociation(id); len(a) != 0 {
		tf.t.Fatalf("association still there: %+v", a)
	}
}
