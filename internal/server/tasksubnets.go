package server

import (
	"context"

	"github.com/portolan/portolan/internal/ecs"
)

// taskSubnets describes, for ECS's launches, the subnet an awsvpc task is
// in, through EC2's own read API. It holds the cell because ECS is made
// before EC2 (which lists ECS's task interfaces).
type taskSubnets struct{ c *cell }

func (t taskSubnets) TaskSubnet(ctx context.Context, id string) (ecs.TaskSubnet, bool, error) {
	n, ok, err := t.c.EC2.SubnetNetwork(ctx, id)
	if err != nil || !ok {
		return ecs.TaskSubnet{}, false, err
	}
	return ecs.TaskSubnet{SubnetId: n.SubnetId, VpcId: n.VpcId, CidrBlock: n.CidrBlock, VpcCidrBlock: n.VpcCidrBlock}, true, nil
}

var _ ecs.Subnets = taskSubnets{}
