package elbv2

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2015-12-01).
const Version = "2015-12-01"

// Namespace is the xmlns of every answer.
const Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

// Register serves every Elastic Load Balancing v2 operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewQueryService(Version, Namespace)
	// Load balancers (loadbalancers.go)
	s.Handle("CreateLoadBalancer", awsapi.QueryOp(c.CreateLoadBalancer))
	s.Handle("DescribeLoadBalancers", awsapi.QueryOp(c.DescribeLoadBalancers))
	s.Handle("DeleteLoadBalancer", awsapi.QueryOp(c.DeleteLoadBalancer))
	s.Handle("DescribeLoadBalancerAttributes", awsapi.QueryOp(c.DescribeLoadBalancerAttributes))
	s.Handle("ModifyLoadBalancerAttributes", awsapi.QueryOp(c.ModifyLoadBalancerAttributes))
	// Target groups and targets (targetgroups.go, targets.go)
	s.Handle("CreateTargetGroup", awsapi.QueryOp(c.CreateTargetGroup))
	s.Handle("DescribeTargetGroups", awsapi.QueryOp(c.DescribeTargetGroups))
	s.Handle("ModifyTargetGroup", awsapi.QueryOp(c.ModifyTargetGroup))
	s.Handle("DeleteTargetGroup", awsapi.QueryOp(c.DeleteTargetGroup))
	s.Handle("DescribeTargetGroupAttributes", awsapi.QueryOp(c.DescribeTargetGroupAttributes))
	s.Handle("ModifyTargetGroupAttributes", awsapi.QueryOp(c.ModifyTargetGroupAttributes))
	s.Handle("RegisterTargets", awsapi.QueryOp(c.RegisterTargets))
	s.Handle("DeregisterTargets", awsapi.QueryOp(c.DeregisterTargets))
	s.Handle("DescribeTargetHealth", awsapi.QueryOp(c.DescribeTargetHealth))
	// Listeners and rules (listeners.go, rules.go)
	s.Handle("CreateListener", awsapi.QueryOp(c.CreateListener))
	s.Handle("DescribeListeners", awsapi.QueryOp(c.DescribeListeners))
	s.Handle("ModifyListener", awsapi.QueryOp(c.ModifyListener))
	s.Handle("DeleteListener", awsapi.QueryOp(c.DeleteListener))
	s.Handle("DescribeListenerAttributes", awsapi.QueryOp(c.DescribeListenerAttributes))
	s.Handle("ModifyListenerAttributes", awsapi.QueryOp(c.ModifyListenerAttributes))
	s.Handle("CreateRule", awsapi.QueryOp(c.CreateRule))
	s.Handle("DescribeRules", awsapi.QueryOp(c.DescribeRules))
	s.Handle("ModifyRule", awsapi.QueryOp(c.ModifyRule))
	s.Handle("DeleteRule", awsapi.QueryOp(c.DeleteRule))
	s.Handle("SetRulePriorities", awsapi.QueryOp(c.SetRulePriorities))
	// Tags (tags.go)
	s.Handle("AddTags", awsapi.QueryOp(c.AddTags))
	s.Handle("RemoveTags", awsapi.QueryOp(c.RemoveTags))
	s.Handle("DescribeTags", awsapi.QueryOp(c.DescribeTags))
	mux.AddQuery(s)
}
