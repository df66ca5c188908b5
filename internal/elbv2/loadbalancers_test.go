package elbv2_test

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

func TestCreateLoadBalancerShapes(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	for _, tc := range []struct {
		name   string
		typ    types.LoadBalancerTypeEnum
		scheme types.LoadBalancerSchemeEnum
		arn    string
		dns    string
		zone   string
	}{
		{"net-int", types.LoadBalancerTypeEnumNetwork, types.LoadBalancerSchemeEnumInternal,
			`^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/net-int/([0-9a-f]{16})$`, `^net-int-%s\.elb\.us-east-1\.amazonaws\.com$`, "Z26RNL4JYFTOTI"},
		{"app-pub", types.LoadBalancerTypeEnumApplication, "",
			`^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/app-pub/([0-9a-f]{16})$`, `^app-pub-[0-9]{9,10}\.us-east-1\.elb\.amazonaws\.com$`, "Z35SXDOTRQ7X7K"},
		{"app-int", "", types.LoadBalancerSchemeEnumInternal,
			`^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/app-int/([0-9a-f]{16})$`, `^internal-app-int-[0-9]{9,10}\.us-east-1\.elb\.amazonaws\.com$`, "Z35SXDOTRQ7X7K"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.CreateLoadBalancer(ctxT(t), &elb.CreateLoadBalancerInput{
				Name: aws.String(tc.name), Type: tc.typ, Scheme: tc.scheme, Subnets: []string{"subnet-a", "subnet-b"},
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("x")}},
			})
			if err != nil {
				t.Fatal(err)
			}
			lb := out.LoadBalancers[0]
			m := regexp.MustCompile(tc.arn).FindStringSubmatch(aws.ToString(lb.LoadBalancerArn))
			if m == nil {
				t.Fatalf("ARN %s", aws.ToString(lb.LoadBalancerArn))
			}
			if !regexp.MustCompile(strings.Replace(tc.dns, "%s", m[1], 1)).MatchString(aws.ToString(lb.DNSName)) {
				t.Errorf("DNSName %s", aws.ToString(lb.DNSName))
			}
			if aws.ToString(lb.CanonicalHostedZoneId) != tc.zone || lb.State.Code != types.LoadBalancerStateEnumActive || lb.IpAddressType != types.IpAddressTypeIpv4 {
				t.Errorf("zone %s state %s ip %s", aws.ToString(lb.CanonicalHostedZoneId), lb.State.Code, lb.IpAddressType)
			}
			if len(lb.AvailabilityZones) != 2 || aws.ToString(lb.AvailabilityZones[0].ZoneName) != "us-east-1a" || aws.ToString(lb.AvailabilityZones[1].SubnetId) != "subnet-b" {
				t.Errorf("zones %+v", lb.AvailabilityZones)
			}
			if lb.CreatedTime == nil || aws.ToString(lb.VpcId) == "" {
				t.Errorf("created %v vpc %v", lb.CreatedTime, lb.VpcId)
			}
		})
	}
	// Each has its own address, in the order created, and the view has them.
	snap := e.Control.View().Snapshot()
	seen := map[string]bool{}
	for _, lb := range snap.LoadBalancers {
		if _, err := netip.ParseAddr(lb.Address); err != nil || seen[lb.Address] {
			t.Errorf("address %q", lb.Address)
		}
		seen[lb.Address] = true
	}
	if len(seen) != 3 || !seen["127.0.100.1"] || !seen["127.0.100.3"] {
		t.Errorf("addresses %v", seen)
	}
}

func TestCreateLoadBalancerErrors(t *testing.T) {
	c := elbv2test.Start(t).Client()
	ctx := ctxT(t)
	first := createNLB(t, c, "dup")
	// The same name and settings: the same load balancer.
	again := createNLB(t, c, "dup")
	if aws.ToString(again.LoadBalancerArn) != aws.ToString(first.LoadBalancerArn) {
		t.Errorf("idempotent create made %s, then %s", aws.ToString(first.LoadBalancerArn), aws.ToString(again.LoadBalancerArn))
	}
	for _, tc := range []struct {
		in   elb.CreateLoadBalancerInput
		code string
	}{
		{elb.CreateLoadBalancerInput{Name: aws.String("dup"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-1"}}, "DuplicateLoadBalancerName"},
		{elb.CreateLoadBalancerInput{Name: aws.String("-bad"), Subnets: []string{"a", "b"}}, "ValidationError"},
		{elb.CreateLoadBalancerInput{Name: aws.String("internal-x"), Subnets: []string{"a", "b"}}, "ValidationError"},
		{elb.CreateLoadBalancerInput{Name: aws.String("a23456789012345678901234567890123"), Subnets: []string{"a", "b"}}, "ValidationError"},
		{elb.CreateLoadBalancerInput{Name: aws.String("one-subnet"), Subnets: []string{"a"}}, "ValidationError"},
		{elb.CreateLoadBalancerInput{Name: aws.String("tags"), Subnets: []string{"a", "b"}, Tags: []types.Tag{{Key: aws.String("k")}, {Key: aws.String("k")}}}, "DuplicateTagKeys"},
	} {
		_, err := c.CreateLoadBalancer(ctx, &tc.in)
		wantCode(t, err, tc.code)
	}
}

func TestLoadBalancerAddressesRunOut(t *testing.T) {
	c := elbv2test.Start(t, elbv2test.WithAddresses(netip.MustParsePrefix("127.0.101.0/30"))).Client()
	// A /30 has three hosts after its network address.
	var arns []string
	for i := range 3 {
		arns = append(arns, aws.ToString(createNLB(t, c, fmt.Sprintf("lb%d", i)).LoadBalancerArn))
	}
	_, err := c.CreateLoadBalancer(ctxT(t), &elb.CreateLoadBalancerInput{Name: aws.String("lb3"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"s"}})
	wantCode(t, err, "TooManyLoadBalancers")
	// Deleting one frees its address.
	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctxT(t), &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arns[1])}))
	createNLB(t, c, "lb3")
}

func TestDescribeAndDeleteLoadBalancers(t *testing.T) {
	c := elbv2test.Start(t).Client()
	ctx := ctxT(t)
	var arns []string
	for i := range 5 {
		arns = append(arns, aws.ToString(createNLB(t, c, fmt.Sprintf("page-%d", i)).LoadBalancerArn))
	}
	// Pages of two, in name order, every one seen once.
	var names []string
	p := elb.NewDescribeLoadBalancersPaginator(c, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out := must[*elb.DescribeLoadBalancersOutput](t)(p.NextPage(ctx))
		pages++
		for _, lb := range out.LoadBalancers {
			names = append(names, aws.ToString(lb.LoadBalancerName))
		}
	}
	if pages != 3 || fmt.Sprint(names) != "[page-0 page-1 page-2 page-3 page-4]" {
		t.Errorf("%d pages: %v", pages, names)
	}
	_, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
	wantCode(t, err, "ValidationError")
	out := must[*elb.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"page-3"}}))
	if len(out.LoadBalancers) != 1 || aws.ToString(out.LoadBalancers[0].LoadBalancerArn) != arns[3] {
		t.Errorf("by name: %+v", out.LoadBalancers)
	}
	out = must[*elb.DescribeLoadBalancersOutput](t)(c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: arns[:2]}))
	if len(out.LoadBalancers) != 2 {
		t.Errorf("by ARN: %+v", out.LoadBalancers)
	}
	_, err = c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"page-0", "nope"}})
	wantCode(t, err, "LoadBalancerNotFound")

	// Deletion protection refuses a delete; a missing ARN deletes fine.
	attrs := must[*elb.ModifyLoadBalancerAttributesOutput](t)(c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(arns[0]), Attributes: []types.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}},
	}))
	if attr(attrs.Attributes, "deletion_protection.enabled") != "true" {
		t.Errorf("modify answered %v", attrs.Attributes)
	}
	_, err = c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arns[0])})
	wantCode(t, err, "OperationNotPermitted")
	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arns[4])}))
	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arns[4])}))
	_, err = c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String("not-an-arn")})
	wantCode(t, err, "ValidationError")
	_, err = c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: arns[4:]})
	wantCode(t, err, "LoadBalancerNotFound")
}

func attr[A types.LoadBalancerAttribute | types.TargetGroupAttribute](attrs []A, key string) string {
	for _, a := range attrs {
		switch a := any(a).(type) {
		case types.LoadBalancerAttribute:
			if aws.ToString(a.Key) == key {
				return aws.ToString(a.Value)
			}
		case types.TargetGroupAttribute:
			if aws.ToString(a.Key) == key {
				return aws.ToString(a.Value)
			}
		}
	}
	return "<unset>"
}

func TestLoadBalancerAttributes(t *testing.T) {
	c := elbv2test.Start(t).Client()
	ctx := ctxT(t)
	nlb := createNLB(t, c, "nlb")
	alb := must[*elb.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: []string{"a", "b"}})).LoadBalancers[0]
	for _, tc := range []struct {
		arn        *string
		key, value string
	}{
		{nlb.LoadBalancerArn, "deletion_protection.enabled", "false"},
		{nlb.LoadBalancerArn, "load_balancing.cross_zone.enabled", "false"},
		{nlb.LoadBalancerArn, "idle_timeout.timeout_seconds", "<unset>"},
		{alb.LoadBalancerArn, "load_balancing.cross_zone.enabled", "true"},
		{alb.LoadBalancerArn, "idle_timeout.timeout_seconds", "60"},
		{alb.LoadBalancerArn, "routing.http2.enabled", "true"},
	} {
		out := must[*elb.DescribeLoadBalancerAttributesOutput](t)(c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: tc.arn}))
		if got := attr(out.Attributes, tc.key); got != tc.value {
			t.Errorf("%s %s = %s, want %s", aws.ToString(tc.arn), tc.key, got, tc.value)
		}
	}
	for _, a := range []types.LoadBalancerAttribute{
		{Key: aws.String("no.such.key"), Value: aws.String("1")},
		{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("0")},
		{Key: aws.String("deletion_protection.enabled"), Value: aws.String("yes")},
	} {
		_, err := c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: alb.LoadBalancerArn, Attributes: []types.LoadBalancerAttribute{a}})
		wantCode(t, err, "ValidationError")
	}
	_, err := c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0123456789abcdef")})
	wantCode(t, err, "LoadBalancerNotFound")
}

// A target group belongs to one load balancer at a time; deleting the load
// balancer frees it for another.
func TestDeletedLoadBalancerFreesItsTargetGroups(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	first, second := createNLB(t, c, "first"), createNLB(t, c, "second")
	tg := aws.ToString(createTCPGroup(t, c, "shared", types.TargetTypeEnumIp).TargetGroupArn)
	forwardTo(t, e, aws.ToString(first.LoadBalancerArn), tg, 80)
	_, err := c.CreateListener(ctxT(t), &elb.CreateListenerInput{
		LoadBalancerArn: second.LoadBalancerArn, Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}},
	})
	wantCode(t, err, "TargetGroupAssociationLimit")
	if _, err := c.DeleteTargetGroup(ctxT(t), &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tg)}); err == nil {
		t.Fatal("a target group in use was deleted")
	} else {
		wantCode(t, err, "ResourceInUse")
	}
	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctxT(t), &elb.DeleteLoadBalancerInput{LoadBalancerArn: first.LoadBalancerArn}))
	forwardTo(t, e, aws.ToString(second.LoadBalancerArn), tg, 80)
	out := must[*elb.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctxT(t), &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}}))
	if got := out.TargetGroups[0].LoadBalancerArns; len(got) != 1 || got[0] != aws.ToString(second.LoadBalancerArn) {
		t.Fatalf("LoadBalancerArns %v", got)
	}
}
