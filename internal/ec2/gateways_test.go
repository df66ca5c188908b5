package ec2_test

import (
	"bytes"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

// TestNatGatewayAndAddress: a public NAT gateway needs an Elastic IP and
// an internet gateway, goes pending → available, holds its address until
// deleted, and a route to it turns blackhole once it is.
func TestNatGatewayAndAddress(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpc := newVPC(t, c, "10.4.0.0/16")
	subnet := newSubnet(t, c, vpc, "10.4.1.0/24")
	eip, err := c.AllocateAddress(ctxT(t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc, TagSpecifications: nameTag(types.ResourceTypeElasticIp, "nat")})
	must(t, err)
	if !netip.MustParsePrefix("198.18.0.0/15").Contains(netip.MustParseAddr(*eip.PublicIp)) {
		t.Fatalf("Elastic IP %s", *eip.PublicIp)
	}
	in := &ec2.CreateNatGatewayInput{SubnetId: &subnet, AllocationId: eip.AllocationId}
	_, err = c.CreateNatGateway(ctxT(t), in)
	wantCode(t, err, "Gateway.NotAttached")
	igw, err := c.CreateInternetGateway(ctxT(t), &ec2.CreateInternetGatewayInput{})
	must(t, err)
	_, err = c.AttachInternetGateway(ctxT(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpc})
	must(t, err)
	in.ClientToken = aws.String("once")
	nat, err := c.CreateNatGateway(ctxT(t), in)
	must(t, err)
	again, err := c.CreateNatGateway(ctxT(t), in) // a retry with the token: the same gateway
	must(t, err)
	if *again.NatGateway.NatGatewayId != *nat.NatGateway.NatGatewayId {
		t.Fatalf("a retry with the same ClientToken made %s, then %s", *nat.NatGateway.NatGatewayId, *again.NatGateway.NatGatewayId)
	}
	if nat.NatGateway.State != types.NatGatewayStatePending || *nat.NatGateway.NatGatewayAddresses[0].PublicIp != *eip.PublicIp {
		t.Fatalf("CreateNatGateway: %+v", nat.NatGateway)
	}
	id := *nat.NatGateway.NatGatewayId
	must(t, ec2.NewNatGatewayAvailableWaiter(c, func(o *ec2.NatGatewayAvailableWaiterOptions) { o.MinDelay = 100 * time.Millisecond }).
		Wait(ctxT(t), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}}, time.Minute))
	_, err = c.ReleaseAddress(ctxT(t), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})
	wantCode(t, err, "InvalidIPAddress.InUse")
	_, err = c.DetachInternetGateway(ctxT(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteSubnet(ctxT(t), &ec2.DeleteSubnetInput{SubnetId: &subnet})
	wantCode(t, err, "DependencyViolation")

	rtb, err := c.CreateRouteTable(ctxT(t), &ec2.CreateRouteTableInput{VpcId: &vpc})
	must(t, err)
	_, err = c.CreateRoute(ctxT(t), &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: &id})
	must(t, err)
	_, err = c.CreateRoute(ctxT(t), &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: &id})
	wantCode(t, err, "RouteAlreadyExists")

	_, err = c.DeleteNatGateway(ctxT(t), &ec2.DeleteNatGatewayInput{NatGatewayId: &id})
	must(t, err)
	must(t, ec2.NewNatGatewayDeletedWaiter(c, func(o *ec2.NatGatewayDeletedWaiterOptions) { o.MinDelay = 100 * time.Millisecond }).
		Wait(ctxT(t), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}}, time.Minute))
	routes, err := c.DescribeRouteTables(ctxT(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.nat-gateway-id", id)}})
	must(t, err)
	if len(routes.RouteTables) != 1 || routes.RouteTables[0].Routes[1].State != types.RouteStateBlackhole {
		t.Fatalf("route to a deleted NAT gateway: %+v", routes.RouteTables)
	}
	addrs, err := c.DescribeAddresses(ctxT(t), &ec2.DescribeAddressesInput{PublicIps: []string{*eip.PublicIp}})
	must(t, err)
	if len(addrs.Addresses) != 1 || addrs.Addresses[0].AssociationId != nil || *addrs.Addresses[0].Tags[0].Value != "nat" {
		t.Fatalf("address after its NAT gateway went: %+v", addrs.Addresses)
	}
	_, err = c.ReleaseAddress(ctxT(t), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})
	must(t, err)
	_, err = c.DescribeAddresses(ctxT(t), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
}

// TestPeering: a connection between two VPCs waits for acceptance, routes
// through it are active once it is, blackhole once it is deleted; VPCs
// whose blocks overlap cannot peer.
func TestPeering(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	a, b := newVPC(t, c, "10.5.0.0/16"), newVPC(t, c, "10.6.0.0/16")
	pcx, err := c.CreateVpcPeeringConnection(ctxT(t), &ec2.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &b})
	must(t, err)
	id := pcx.VpcPeeringConnection.VpcPeeringConnectionId
	if pcx.VpcPeeringConnection.Status.Code != types.VpcPeeringConnectionStateReasonCodePendingAcceptance || *pcx.VpcPeeringConnection.AccepterVpcInfo.CidrBlock != "10.6.0.0/16" {
		t.Fatalf("CreateVpcPeeringConnection: %+v", pcx.VpcPeeringConnection)
	}
	_, err = c.AcceptVpcPeeringConnection(ctxT(t), &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: id})
	must(t, err)
	_, err = c.AcceptVpcPeeringConnection(ctxT(t), &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: id})
	wantCode(t, err, "InvalidStateTransition")
	main, err := c.DescribeRouteTables(ctxT(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", a), filter("association.main", "true")}})
	must(t, err)
	rtb := main.RouteTables[0].RouteTableId
	_, err = c.CreateRoute(ctxT(t), &ec2.CreateRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("10.6.0.0/16"), VpcPeeringConnectionId: id})
	must(t, err)
	state := func() types.RouteState {
		out, err := c.DescribeRouteTables(ctxT(t), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rtb}})
		must(t, err)
		return out.RouteTables[0].Routes[1].State
	}
	if s := state(); s != types.RouteStateActive {
		t.Fatalf("route through an active connection: %s", s)
	}
	_, err = c.DeleteVpcPeeringConnection(ctxT(t), &ec2.DeleteVpcPeeringConnectionInput{VpcPeeringConnectionId: id})
	must(t, err)
	if s := state(); s != types.RouteStateBlackhole {
		t.Fatalf("route through a deleted connection: %s", s)
	}
	overlap := newVPC(t, c, "10.5.128.0/17")
	failed, err := c.CreateVpcPeeringConnection(ctxT(t), &ec2.CreateVpcPeeringConnectionInput{VpcId: &a, PeerVpcId: &overlap})
	must(t, err)
	if failed.VpcPeeringConnection.Status.Code != types.VpcPeeringConnectionStateReasonCodeFailed {
		t.Fatalf("overlapping peering: %+v", failed.VpcPeeringConnection.Status)
	}
	list, err := c.DescribeVpcPeeringConnections(ctxT(t), &ec2.DescribeVpcPeeringConnectionsInput{Filters: []types.Filter{filter("status-code", "deleted")}})
	must(t, err)
	if len(list.VpcPeeringConnections) != 1 || *list.VpcPeeringConnections[0].VpcPeeringConnectionId != *id {
		t.Fatalf("deleted connections: %+v", list.VpcPeeringConnections)
	}
}

// TestTagsOfEveryKind: CreateTags, DescribeTags and DeleteTags across kinds.
func TestTagsOfEveryKind(t *testing.T) {
	e := ec2test.Start(t)
	c := e.Client()
	vpc := newVPC(t, c, "10.7.0.0/16")
	subnet := newSubnet(t, c, vpc, "10.7.0.0/24")
	tag := []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}
	_, err := c.CreateTags(ctxT(t), &ec2.CreateTagsInput{Resources: []string{vpc, subnet}, Tags: tag})
	must(t, err)
	out, err := c.DescribeTags(ctxT(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("key", "team")}})
	must(t, err)
	if len(out.Tags) != 2 || out.Tags[0].ResourceType == out.Tags[1].ResourceType {
		t.Fatalf("DescribeTags: %+v", out.Tags)
	}
	_, err = c.DeleteTags(ctxT(t), &ec2.DeleteTagsInput{Resources: []string{subnet}, Tags: tag})
	must(t, err)
	out, err = c.DescribeTags(ctxT(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "subnet", "vpc")}})
	must(t, err)
	if len(out.Tags) != 1 || *out.Tags[0].ResourceId != vpc {
		t.Fatalf("DescribeTags after DeleteTags: %+v", out.Tags)
	}
	vpcs, err := c.DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:team", "co*")}})
	must(t, err)
	if len(vpcs.Vpcs) != 1 || *vpcs.Vpcs[0].VpcId != vpc {
		t.Fatalf("tag filter: %+v", vpcs.Vpcs)
	}
	_, err = c.DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("colour", "red")}})
	wantCode(t, err, "InvalidFilter")
}

// TestUnknownAction: an action Portolan does not emulate answers in EC2's
// error shape, naming it.
func TestUnknownAction(t *testing.T) {
	e := ec2test.Start(t)
	resp, err := http.Post(e.Endpoint, "application/x-www-form-urlencoded", strings.NewReader("Action=RunInstances&Version=2016-11-15"))
	must(t, err)
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(body.String(), "<Response><Errors><Error><Code>InvalidAction</Code>") || !strings.Contains(body.String(), "The action RunInstances is not valid for this web service: Portolan does not emulate it.") {
		t.Fatalf("%d %s", resp.StatusCode, body.String())
	}
}
