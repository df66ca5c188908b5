package elbv2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// TestRestartKeepsEverything reopens the store: load balancers (and their
// addresses), groups, targets, attributes and tags are all still there.
func TestRestartKeepsEverything(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	ctx := ctxT(t)
	lb := createNLB(t, c, "keep")
	tg := createTCPGroup(t, c, "keep", types.TargetTypeEnumIp)
	must[*elb.RegisterTargetsOutput](t)(c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1")}}}))
	must[*elb.AddTagsOutput](t)(c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{aws.ToString(lb.LoadBalancerArn)}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	must[*elb.ModifyLoadBalancerAttributesOutput](t)(c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("load_balancing.cross_zone.enabled"), Value: aws.String("true")}}}))
	addr := e.Control.View().Snapshot().LoadBalancers[aws.ToString(lb.LoadBalancerArn)].Address
	e.Stop()

	e = elbv2test.Start(t, elbv2test.InDir(e.Dir))
	c = e.Client()
	ctx = ctxT(t)
	got := must[*elb.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"keep"}})).LoadBalancers[0]
	if aws.ToString(got.DNSName) != aws.ToString(lb.DNSName) || e.Control.View().Snapshot().LoadBalancers[aws.ToString(lb.LoadBalancerArn)].Address != addr {
		t.Errorf("after restart: %+v", got)
	}
	if h := health(t, c, tg.TargetGroupArn); len(h) != 1 {
		t.Errorf("targets after restart: %v", h)
	}
	tags := must[*elb.DescribeTagsOutput](t)(c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{aws.ToString(lb.LoadBalancerArn)}}))
	if len(tags.TagDescriptions[0].Tags) != 1 {
		t.Errorf("tags after restart: %+v", tags)
	}
	attrs := must[*elb.DescribeLoadBalancerAttributesOutput](t)(c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if attr(attrs.Attributes, "load_balancing.cross_zone.enabled") != "true" {
		t.Errorf("attributes after restart: %v", attrs.Attributes)
	}
	// A new load balancer does not take the address the first one kept.
	second := createNLB(t, c, "second")
	if e.Control.View().Snapshot().LoadBalancers[aws.ToString(second.LoadBalancerArn)].Address == addr {
		t.Error("address reused")
	}
}
