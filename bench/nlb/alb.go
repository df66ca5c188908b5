package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/portolan/portolan/internal/elbv2"
)

// configureALB makes what bench/alb.sh measures: an internal Application
// Load Balancer, an HTTP target group of type ip with the backend
// registered (health-checked over HTTP), and an HTTP listener whose rule
// at priority 1 forwards path-pattern /pets/* to the group, its default
// action a fixed-response 404. It waits until the target is healthy and
// returns the listener's address and the load balancer's DNS name.
func configureALB(ctx context.Context, c *elbv2.Control, target netip.AddrPort, port int32) (string, error) {
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: "bench", Type: ptr(elbv2.TypeApplication),
		Scheme: ptr(elbv2.SchemeInternal), Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		return "", err
	}
	tgArn, err := targetGroup(ctx, c, elbv2.ProtocolHTTP, target, elbv2.HealthCheckSettings{HealthCheckPath: ptr("/health")})
	if err != nil {
		return "", err
	}
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	l, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: ptr(elbv2.ProtocolHTTP), Port: &port,
		DefaultActions: []elbv2.Action{{Type: elbv2.ActionFixedResponse,
			FixedResponseConfig: &elbv2.FixedResponseActionConfig{StatusCode: "404", ContentType: ptr("text/plain"), MessageBody: ptr("not found")}}}})
	if err != nil {
		return "", err
	}
	if _, err := c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.Listeners[0].ListenerArn, Priority: ptr(int32(1)),
		Conditions: []elbv2.RuleCondition{{Field: ptr("path-pattern"), PathPatternConfig: &elbv2.ValuesConfig{Values: []string{"/pets/*"}}}},
		Actions:    []elbv2.Action{{Type: elbv2.ActionForward, TargetGroupArn: &tgArn}}}); err != nil {
		return "", err
	}
	if err := awaitHealthy(ctx, c, tgArn); err != nil {
		return "", err
	}
	addr := net.JoinHostPort(c.View().Snapshot().LoadBalancers[lbArn].Address, fmt.Sprint(port))
	return addr + " " + lb.LoadBalancers[0].DNSName, nil
}
