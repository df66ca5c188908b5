package ec2

import (
	"context"
	"fmt"
	"net/netip"
)

// SubnetNetwork is what a runtime needs of a subnet to give a task an
// address in it (the docker runtime's network per VPC): the subnet's
// block, and its VPC with the VPC's block that holds it.
type SubnetNetwork struct {
	SubnetId     string
	VpcId        string
	CidrBlock    netip.Prefix
	VpcCidrBlock netip.Prefix
}

// SubnetNetwork describes the subnet with that id for a task launched in
// it. ok is false when no subnet has that id: tasks and examples name
// made-up subnets ("subnet-1"), which launch as before, so that is not an
// error here.
func (c *Control) SubnetNetwork(ctx context.Context, id string) (SubnetNetwork, bool, error) {
	if !validID(id, "subnet-") {
		return SubnetNetwork{}, false, nil
	}
	s, _, err := c.subnet(ctx, id)
	if err != nil || s == nil {
		return SubnetNetwork{}, false, err
	}
	v, _, err := c.vpc(ctx, s.VpcId)
	if err != nil || v == nil {
		return SubnetNetwork{}, false, err
	}
	out := SubnetNetwork{SubnetId: s.SubnetId, VpcId: v.VpcId}
	if out.CidrBlock, err = netip.ParsePrefix(s.CidrBlock); err != nil {
		return SubnetNetwork{}, false, fmt.Errorf("subnet %s: %w", id, err)
	}
	// The VPC's block that holds the subnet: its primary one, unless the
	// subnet lies in another block associated with the VPC.
	if out.VpcCidrBlock, err = netip.ParsePrefix(v.CidrBlock); err != nil {
		return SubnetNetwork{}, false, fmt.Errorf("vpc %s: %w", v.VpcId, err)
	}
	for _, a := range v.CidrBlockAssociationSet {
		if b, err := netip.ParsePrefix(a.CidrBlock); err == nil && b.Bits() <= out.CidrBlock.Bits() && b.Contains(out.CidrBlock.Addr()) {
			out.VpcCidrBlock = b
		}
	}
	return out, true, nil
}
