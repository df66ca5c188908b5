package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/portolan/portolan/internal/store"
)

// defaultVPCCIDR is every default VPC's block; each zone's default subnet
// is a /20 of it, in zone order.
var defaultVPCCIDR = netip.MustParsePrefix("172.31.0.0/16")

// EnsureDefaultVPC makes the default VPC every AWS account has in every
// region, once: a VPC with DNS host names on, an internet gateway routed
// from its main route table, and a public default subnet per zone. Its
// ids are derived from the account and region, so two nodes making it at
// once make the same one and the guard lets one of them through.
func (c *Control) EnsureDefaultVPC(ctx context.Context) error {
	if _, err := c.st.Get(ctx, defaultVPCMadeKey); err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	seed := c.cfg.AccountID + "/" + c.cfg.Region + "/default-vpc/"
	r := c.newVpc(stableID("vpc-", seed), defaultVPCCIDR, "default", []Tag{})
	r.IsDefault, r.EnableDnsHostnames = true, true
	txn := store.Txn{If: []store.Cmp{store.Absent(defaultVPCMadeKey)}, Then: []store.Op{store.Put(defaultVPCMadeKey, []byte(r.VpcId))}}
	rtbID := stableID("rtb-", seed+"rtb")
	c.addVpcObjects(&txn, r, stableID("sg-", seed+"sg"), rtbID, stableID("acl-", seed+"acl"))
	// addVpcObjects put the main route table with its local route only;
	// the default VPC's also routes everything else to the gateway.
	igwID := stableID("igw-", seed+"igw")
	igw := &internetGatewayRecord{InternetGateway: InternetGateway{InternetGatewayId: igwID, OwnerId: c.cfg.AccountID, Tags: []Tag{},
		Attachments: []InternetGatewayAttachment{{VpcId: r.VpcId, State: "available"}}}}
	for i, op := range txn.Then {
		if op.Key == rtbKey(rtbID) {
			rtb := store.DecodeJSON[routeTableRecord](op.Value)
			rtb.Routes = append(rtb.Routes, Route{DestinationCidrBlock: "0.0.0.0/0", GatewayId: igwID, State: "active", Origin: "CreateRoute"})
			txn.Then[i] = store.Put(op.Key, store.JSON(rtb))
		}
	}
	txn.Then = append(txn.Then, store.Put(igwKey(igwID), store.JSON(igw)))
	base := defaultVPCCIDR.Addr().As4()
	for i, zone := range availabilityZones(c.cfg.Region) {
		b := base
		b[2] = byte(16 * i)
		cidr := netip.PrefixFrom(netip.AddrFrom4(b), 20)
		s := c.newSubnet(stableID("subnet-", seed+zone), r.VpcId, cidr, zone, []Tag{})
		s.DefaultForAz, s.MapPublicIpOnLaunch = true, true
		txn.Then = append(txn.Then, store.Put(subnetKey(s.SubnetId), store.JSON(s)))
	}
	_, err := c.st.Commit(ctx, txn)
	if errors.Is(err, store.ErrConflict) {
		return nil // another node made it
	}
	if err != nil {
		return fmt.Errorf("default VPC: %w", err)
	}
	return nil
}
