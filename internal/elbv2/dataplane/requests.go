package dataplane

import (
	"github.com/portolan/portolan/internal/elbv2/alb"
	"github.com/portolan/portolan/internal/elbv2/proxy"
)

// RequestCounts are the application load balancers' request counters, per
// listener and target group (what RequestCountPerTarget is made from).
func (d *Dataplane) RequestCounts() []alb.RequestCount { return d.alb.RequestCounts() }

// TargetRequestCounts are the application load balancers' request
// counters per listener, target group and target.
func (d *Dataplane) TargetRequestCounts() []alb.TargetRequestCount {
	return d.alb.TargetRequestCounts()
}

// FlowCounts are the network load balancers' connection counters per
// listener, target group and target (NewFlowCount, ActiveFlowCount).
func (d *Dataplane) FlowCounts() []proxy.FlowCount { return d.proxy.FlowCounts() }
