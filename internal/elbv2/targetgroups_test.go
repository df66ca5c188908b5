package elbv2_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

func TestCreateTargetGroupDefaults(t *testing.T) {
	c := elbv2test.Start(t).Client()
	ctx := ctxT(t)
	type hc struct {
		protocol, port, path, matcher         string
		interval, timeout, healthy, unhealthy int32
		enabled                               bool
	}
	for _, tc := range []struct {
		in   elb.CreateTargetGroupInput
		want hc
	}{
		{elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80)},
			hc{"TCP", "traffic-port", "", "", 30, 10, 5, 2, true}},
		{elb.CreateTargetGroupInput{Name: aws.String("http"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), TargetType: types.TargetTypeEnumIp},
			hc{"HTTP", "traffic-port", "/", "200", 30, 5, 5, 2, true}},
		{elb.CreateTargetGroupInput{Name: aws.String("tcp-http"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80), HealthCheckProtocol: types.ProtocolEnumHttp, HealthCheckPath: aws.String("/health")},
			hc{"HTTP", "traffic-port", "/health", "200-399", 30, 6, 5, 2, true}},
		{elb.CreateTargetGroupInput{Name: aws.String("lambda"), TargetType: types.TargetTypeEnumLambda},
			hc{"", "", "/", "200", 35, 30, 5, 2, false}},
	} {
		tg := must[*elb.CreateTargetGroupOutput](t)(c.CreateTargetGroup(ctx, &tc.in)).TargetGroups[0]
		got := hc{string(tg.HealthCheckProtocol), aws.ToString(tg.HealthCheckPort), aws.ToString(tg.HealthCheckPath), "",
			aws.ToInt32(tg.HealthCheckIntervalSeconds), aws.ToInt32(tg.HealthCheckTimeoutSeconds), aws.ToInt32(tg.HealthyThresholdCount), aws.ToInt32(tg.UnhealthyThresholdCount), aws.ToBool(tg.HealthCheckEnabled)}
		if tg.Matcher != nil {
			got.matcher = aws.ToString(tg.Matcher.HttpCode)
		}
		if got != tc.want {
			t.Errorf("%s: health check %+v, want %+v", aws.ToString(tc.in.Name), got, tc.want)
		}
		wantType := tc.in.TargetType
		if wantType == "" {
			wantType = types.TargetTypeEnumInstance
		}
		if tg.TargetType != wantType || tg.LoadBalancerArns == nil || len(tg.LoadBalancerArns) != 0 {
			t.Errorf("%s: type %s, load balancers %v", aws.ToString(tc.in.Name), tg.TargetType, tg.LoadBalancerArns)
		}
	}
	// The same settings again: the same group; different ones: refused.
	again := must[*elb.CreateTargetGroupOutput](t)(c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80)}))
	tcp := must[*elb.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"tcp"}}))
	if aws.ToString(again.TargetGroups[0].TargetGroupArn) != aws.ToString(tcp.TargetGroups[0].TargetGroupArn) {
		t.Errorf("idempotent create made a second group")
	}
	for _, in := range []elb.CreateTargetGroupInput{
		{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(81)},
	} {
		_, err := c.CreateTargetGroup(ctx, &in)
		wantCode(t, err, "DuplicateTargetGroupName")
	}
	for _, in := range []elb.CreateTargetGroupInput{
		{Name: aws.String("noport"), Protocol: types.ProtocolEnumTcp},
		{Name: aws.String("noproto"), Port: aws.Int32(80)},
		{Name: aws.String("bad-"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80)},
		{Name: aws.String("interval"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80), HealthCheckIntervalSeconds: aws.Int32(4)},
		{Name: aws.String("timeout"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(5)},
		{Name: aws.String("healthy"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80), HealthyThresholdCount: aws.Int32(11)},
		{Name: aws.String("tcpcheck"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), HealthCheckProtocol: types.ProtocolEnumTcp},
		{Name: aws.String("path"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), HealthCheckPath: aws.String("health")},
		{Name: aws.String("matcher"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), Matcher: &types.Matcher{HttpCode: aws.String("600")}},
	} {
		_, err := c.CreateTargetGroup(ctx, &in)
		wantCode(t, err, "ValidationError")
	}
}

func TestTargetGroupsInUse(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	ctx := ctxT(t)
	lb := createNLB(t, c, "lb")
	var arns []string
	for i := range 3 {
		arns = append(arns, aws.ToString(createTCPGroup(t, c, fmt.Sprintf("tg-%d", i), types.TargetTypeEnumIp).TargetGroupArn))
	}
	forwardTo(t, e, aws.ToString(lb.LoadBalancerArn), arns[1], 80)

	out := must[*elb.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if len(out.TargetGroups) != 1 || aws.ToString(out.TargetGroups[0].TargetGroupArn) != arns[1] ||
		fmt.Sprint(out.TargetGroups[0].LoadBalancerArns) != fmt.Sprint([]string{aws.ToString(lb.LoadBalancerArn)}) {
		t.Errorf("groups of the load balancer: %+v", out.TargetGroups)
	}
	_, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns[1])})
	wantCode(t, err, "ResourceInUse")
	must[*elb.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns[0])}))
	must[*elb.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns[0])}))
	_, err = c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: arns[:1]})
	wantCode(t, err, "TargetGroupNotFound")

	// Pagination over what is left, one a page.
	var names []string
	p := elb.NewDescribeTargetGroupsPaginator(c, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(1)})
	for p.HasMorePages() {
		for _, tg := range must[*elb.DescribeTargetGroupsOutput](t)(p.NextPage(ctx)).TargetGroups {
			names = append(names, aws.ToString(tg.TargetGroupName))
		}
	}
	if fmt.Sprint(names) != "[tg-1 tg-2]" {
		t.Errorf("pages: %v", names)
	}
	// Deleting the load balancer (with its listener) frees the group.
	must[*elb.DeleteLoadBalancerOutput](t)(c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}))
	must[*elb.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns[1])}))
}

func TestModifyTargetGroupAndAttributes(t *testing.T) {
	c := elbv2test.Start(t).Client()
	ctx := ctxT(t)
	tcp := createTCPGroup(t, c, "tcp", types.TargetTypeEnumInstance)
	http := must[*elb.CreateTargetGroupOutput](t)(c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("http"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80)})).TargetGroups[0]
	mod := must[*elb.ModifyTargetGroupOutput](t)(c.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
		TargetGroupArn: http.TargetGroupArn, HealthCheckPath: aws.String("/ping"), HealthCheckIntervalSeconds: aws.Int32(10), Matcher: &types.Matcher{HttpCode: aws.String("200-299")},
	})).TargetGroups[0]
	if aws.ToString(mod.HealthCheckPath) != "/ping" || aws.ToInt32(mod.HealthCheckIntervalSeconds) != 10 || aws.ToString(mod.Matcher.HttpCode) != "200-299" {
		t.Errorf("modified: %+v", mod)
	}
	_, err := c.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: http.TargetGroupArn, HealthCheckTimeoutSeconds: aws.Int32(10)})
	wantCode(t, err, "ValidationError")

	for _, tc := range []struct {
		arn        *string
		key, value string
	}{
		{tcp.TargetGroupArn, "deregistration_delay.timeout_seconds", "300"},
		{tcp.TargetGroupArn, "stickiness.enabled", "false"},
		{tcp.TargetGroupArn, "stickiness.type", "source_ip"},
		{tcp.TargetGroupArn, "preserve_client_ip.enabled", "true"},
		{http.TargetGroupArn, "stickiness.type", "lb_cookie"},
		{http.TargetGroupArn, "load_balancing.algorithm.type", "round_robin"},
	} {
		out := must[*elb.DescribeTargetGroupAttributesOutput](t)(c.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tc.arn}))
		if got := attr(out.Attributes, tc.key); got != tc.value {
			t.Errorf("%s = %s, want %s", tc.key, got, tc.value)
		}
	}
	out := must[*elb.ModifyTargetGroupAttributesOutput](t)(c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: tcp.TargetGroupArn, Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("5")}},
	}))
	if attr(out.Attributes, "deregistration_delay.timeout_seconds") != "5" {
		t.Errorf("after modify: %v", out.Attributes)
	}
	for _, a := range []types.TargetGroupAttribute{
		{Key: aws.String("no.such"), Value: aws.String("1")},
		{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("3601")},
		{Key: aws.String("stickiness.type"), Value: aws.String("lb_cookie")},
	} {
		_, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tcp.TargetGroupArn, Attributes: []types.TargetGroupAttribute{a}})
		wantCode(t, err, "ValidationError")
	}
}
