package dataplane

import "github.com/portolan/portolan/internal/elbv2/alb"

// RequestCounts are the application load balancers' request counters, per
// listener and target group (what RequestCountPerTarget is made from).
func (d *Dataplane) RequestCounts() []alb.RequestCount { return d.alb.RequestCounts() }
