package admin

import (
	"context"
	"net/netip"
	"sort"
	"strconv"

	"github.com/portolan/portolan/internal/elbv2"
)

// The status view's load balancers: each with its listeners, the target
// groups they forward to (default actions and rules) and the groups'
// targets with their health, read through the ELBv2 API.

// ELB is the Elastic Load Balancing read API the status view lists.
type ELB interface {
	DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeListeners(ctx context.Context, in *elbv2.DescribeListenersInput) (*elbv2.DescribeListenersOutput, error)
	DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput) (*elbv2.DescribeRulesOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error)
}

// ListenerAddresses says where a listener takes traffic: the address the
// load balancers' request counters are labelled with.
type ListenerAddresses interface {
	ListenerAddress(arn string) (netip.AddrPort, bool)
}

// StatusLoadBalancer is an Elastic Load Balancing v2 load balancer.
type StatusLoadBalancer struct {
	ARN       string           `json:"arn"`
	Name      string           `json:"name"`
	Type      string           `json:"type"`  // application, network
	State     string           `json:"state"` // active, provisioning, failed
	DNSName   string           `json:"dnsName"`
	Listeners []StatusListener `json:"listeners"`
}

// StatusListener is a listener and the target groups it forwards to.
type StatusListener struct {
	ARN      string `json:"arn"`
	Protocol string `json:"protocol"`
	Port     int32  `json:"port"`
	// Address is where the listener takes traffic ("ip:port").
	Address      string              `json:"address,omitempty"`
	TargetGroups []StatusTargetGroup `json:"targetGroups"`
}

// StatusTargetGroup is a target group and its targets.
type StatusTargetGroup struct {
	ARN        string         `json:"arn"`
	Name       string         `json:"name"`
	TargetType string         `json:"targetType"`
	Targets    []StatusTarget `json:"targets"`
}

// StatusTarget is a registered target and its health state.
type StatusTarget struct {
	ID     string `json:"id"` // an IP address, for ECS tasks in awsvpc mode
	Port   int32  `json:"port"`
	Health string `json:"health"` // healthy, unhealthy, initial, draining, unused
}

func (a *Admin) loadBalancerStatus(ctx context.Context, out *Status) error {
	if a.elb == nil {
		return nil
	}
	var lbs []elbv2.LoadBalancer
	for marker := (*string)(nil); ; {
		page, err := a.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Marker: marker})
		if err != nil {
			return err
		}
		lbs = append(lbs, page.LoadBalancers...)
		if marker = page.NextMarker; marker == nil {
			break
		}
	}
	groups := map[string]*StatusTargetGroup{} // by ARN, each described once
	for _, lb := range lbs {
		slb := StatusLoadBalancer{ARN: lb.LoadBalancerArn, Name: lb.LoadBalancerName, Type: lb.Type, State: lb.State.Code, DNSName: lb.DNSName,
			Listeners: []StatusListener{}}
		ls, err := a.elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: &lb.LoadBalancerArn})
		if err != nil {
			return err
		}
		for _, l := range ls.Listeners {
			sl, err := a.listenerStatus(ctx, l, groups)
			if err != nil {
				return err
			}
			slb.Listeners = append(slb.Listeners, sl)
		}
		sort.Slice(slb.Listeners, func(i, j int) bool { return slb.Listeners[i].Port < slb.Listeners[j].Port })
		out.LoadBalancers = append(out.LoadBalancers, slb)
	}
	sort.Slice(out.LoadBalancers, func(i, j int) bool { return out.LoadBalancers[i].Name < out.LoadBalancers[j].Name })
	return nil
}

// listenerStatus lists the groups a listener's default actions and rules
// forward to, in the order they first appear.
func (a *Admin) listenerStatus(ctx context.Context, l elbv2.Listener, groups map[string]*StatusTargetGroup) (StatusListener, error) {
	sl := StatusListener{ARN: l.ListenerArn, TargetGroups: []StatusTargetGroup{}}
	if l.Protocol != nil {
		sl.Protocol = *l.Protocol
	}
	if l.Port != nil {
		sl.Port = *l.Port
	}
	if a.listenerAddrs != nil {
		if ap, ok := a.listenerAddrs.ListenerAddress(l.ListenerArn); ok {
			sl.Address = ap.String()
		}
	}
	actions := append([]elbv2.Action(nil), l.DefaultActions...)
	if rules, err := a.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: &l.ListenerArn}); err == nil {
		for _, r := range rules.Rules {
			actions = append(actions, r.Actions...)
		}
	}
	seen := map[string]bool{}
	for _, act := range actions {
		var arns []string
		if act.TargetGroupArn != nil {
			arns = append(arns, *act.TargetGroupArn)
		}
		if act.ForwardConfig != nil {
			for _, t := range act.ForwardConfig.TargetGroups {
				arns = append(arns, t.TargetGroupArn)
			}
		}
		for _, arn := range arns {
			if seen[arn] {
				continue
			}
			seen[arn] = true
			g, err := a.targetGroup(ctx, arn, groups)
			if err != nil {
				return sl, err
			}
			sl.TargetGroups = append(sl.TargetGroups, *g)
		}
	}
	return sl, nil
}

func (a *Admin) targetGroup(ctx context.Context, arn string, groups map[string]*StatusTargetGroup) (*StatusTargetGroup, error) {
	if g := groups[arn]; g != nil {
		return g, nil
	}
	g := &StatusTargetGroup{ARN: arn, Targets: []StatusTarget{}}
	tgs, err := a.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		return nil, err
	}
	if len(tgs.TargetGroups) == 1 {
		g.Name, g.TargetType = tgs.TargetGroups[0].TargetGroupName, tgs.TargetGroups[0].TargetType
	}
	th, err := a.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: arn})
	if err != nil {
		return nil, err
	}
	for _, d := range th.TargetHealthDescriptions {
		t := StatusTarget{ID: d.Target.Id, Health: d.TargetHealth.State}
		if d.Target.Port != nil {
			t.Port = *d.Target.Port
		}
		g.Targets = append(g.Targets, t)
	}
	sort.Slice(g.Targets, func(i, j int) bool {
		return g.Targets[i].ID+":"+strconv.Itoa(int(g.Targets[i].Port)) < g.Targets[j].ID+":"+strconv.Itoa(int(g.Targets[j].Port))
	})
	groups[arn] = g
	return g, nil
}
