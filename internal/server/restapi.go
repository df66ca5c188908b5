package server

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/restapi"
)

// vpcLinkTargets answers the REST API VPC links' question, whether their
// target is a load balancer and of which type, from ELBv2's own API (the
// store, not its view, so a link created right after its NLB finds it).
type vpcLinkTargets struct{ elbv2 *elbv2.Control }

func (v vpcLinkTargets) LoadBalancerType(ctx context.Context, arn string) (string, bool, error) {
	out, err := v.elbv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if errors.Is(err, elbv2.ErrLoadBalancerNotFound) {
		return "", false, nil
	}
	if err != nil || len(out.LoadBalancers) == 0 {
		return "", false, err
	}
	return out.LoadBalancers[0].Type, true, nil
}

// restAPIIDs lists the REST APIs for the VPC endpoints' DNS names: the
// DNS table has no wildcards, so each API gets its own names.
type restAPIIDs struct{ *restapi.View }

func (r restAPIIDs) RestAPIIDs() ([]string, int64) {
	snap := r.Snapshot()
	if snap == nil {
		return nil, 0
	}
	apis := snap.APIs()
	ids := make([]string, len(apis))
	for i, a := range apis {
		ids[i] = a.Id
	}
	return ids, snap.Revision
}
