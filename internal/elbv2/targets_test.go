package elbv2_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

func health(t *testing.T, c *elb.Client, tgArn *string, targets ...types.TargetDescription) map[string]types.TargetHealth {
	t.Helper()
	out := must[*elb.DescribeTargetHealthOutput](t)(c.DescribeTargetHealth(ctxT(t), &elb.DescribeTargetHealthInput{TargetGroupArn: tgArn, Targets: targets}))
	m := map[string]types.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		m[aws.ToString(d.Target.Id)] = *d.TargetHealth
	}
	return m
}

func TestTargetHealthLifecycle(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	ctx := ctxT(t)
	tg := createTCPGroup(t, c, "tg", types.TargetTypeEnumIp)
	must[*elb.ModifyTargetGroupAttributesOutput](t)(c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: tg.TargetGroupArn, Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("1")}},
	}))
	must[*elb.RegisterTargetsOutput](t)(c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1")}, {Id: aws.String("127.0.0.2"), Port: aws.Int32(9000)}}}))

	// No load balancer uses the group: unused.
	if h := health(t, c, tg.TargetGroupArn)["127.0.0.1"]; h.State != types.TargetHealthStateEnumUnused || h.Reason != types.TargetHealthReasonEnumNotInUse {
		t.Errorf("unused group: %+v", h)
	}
	lb := createNLB(t, c, "lb")
	forwardTo(t, e, aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	if h := health(t, c, tg.TargetGroupArn)["127.0.0.1"]; h.State != types.TargetHealthStateEnumInitial || h.Reason != types.TargetHealthReasonEnumRegistrationInProgress {
		t.Errorf("new target: %+v", h)
	}
	// The view has the targets with their ports, for the health checker.
	view := e.Control.View().Snapshot().TargetGroups[aws.ToString(tg.TargetGroupArn)]
	if view == nil || len(view.Targets) != 2 || view.Targets[0].Port != 8080 || view.Targets[1].Port != 9000 || view.DeregistrationDelay != time.Second ||
		view.HealthCheck.Protocol != "TCP" || view.HealthCheck.Interval != 30*time.Second || len(view.LoadBalancerArns) != 1 {
		t.Fatalf("view: %+v", view)
	}
	// The checker's word is what DescribeTargetHealth reports.
	unhealthy := elbv2.TargetHealth{State: elbv2.HealthUnhealthy, Reason: aws.String(elbv2.ReasonTimeout), Description: aws.String("Request timed out")}
	if err := e.Control.SetTargetHealth(ctx, aws.ToString(tg.TargetGroupArn), view.Targets[0].Description(), unhealthy); err != nil {
		t.Fatal(err)
	}
	rev := e.Store.Revision()
	if err := e.Control.SetTargetHealth(ctx, aws.ToString(tg.TargetGroupArn), view.Targets[0].Description(), unhealthy); err != nil || e.Store.Revision() != rev {
		t.Errorf("unchanged health written again: %v", err)
	}
	if h := health(t, c, tg.TargetGroupArn)["127.0.0.1"]; h.State != types.TargetHealthStateEnumUnhealthy || h.Reason != types.TargetHealthReasonEnumTimeout {
		t.Errorf("unhealthy: %+v", h)
	}
	if v := e.Control.View().Snapshot().TargetGroups[aws.ToString(tg.TargetGroupArn)]; !v.Targets[0].HealthKnown || v.Targets[0].Health.State != elbv2.HealthUnhealthy {
		t.Errorf("view health: %+v", v.Targets[0])
	}
	// Asked for by name: one not registered says so.
	h := health(t, c, tg.TargetGroupArn, types.TargetDescription{Id: aws.String("127.0.0.9")})["127.0.0.9"]
	if h.State != types.TargetHealthStateEnumUnused || h.Reason != types.TargetHealthReasonEnumNotRegistered {
		t.Errorf("not registered: %+v", h)
	}
	// Deregistered: draining for the delay (1s), then gone from the record.
	must[*elb.DeregisterTargetsOutput](t)(c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1")}}}))
	if h := health(t, c, tg.TargetGroupArn)["127.0.0.1"]; h.State != types.TargetHealthStateEnumDraining || h.Reason != types.TargetHealthReasonEnumDeregistrationInProgress {
		t.Errorf("draining: %+v", h)
	}
	if v := e.Control.View().Snapshot().TargetGroups[aws.ToString(tg.TargetGroupArn)]; !v.Targets[0].Draining || v.Targets[0].DrainingUntil.IsZero() {
		t.Errorf("view draining: %+v", v.Targets[0])
	}
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		v := e.Control.View().Snapshot().TargetGroups[aws.ToString(tg.TargetGroupArn)]
		if len(v.Targets) == 1 && v.Targets[0].ID == "127.0.0.2" {
			break
		}
		if waitCtx.Err() != nil {
			t.Fatalf("drained target still in the group: %+v", v.Targets[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, ok := health(t, c, tg.TargetGroupArn)["127.0.0.1"]; ok {
		t.Error("drained target still described")
	}
	// Deregistering what is not registered, and bad targets.
	_, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1")}}})
	wantCode(t, err, "InvalidTarget")
	for _, bad := range []types.TargetDescription{{Id: aws.String("i-123")}, {Id: aws.String("::1")}, {Id: aws.String("10.0.0.1"), Port: aws.Int32(70000)}} {
		_, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{bad}})
		wantCode(t, err, "InvalidTarget")
	}
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0123456789abcdef"), Targets: []types.TargetDescription{{Id: aws.String("i-1")}}})
	wantCode(t, err, "TargetGroupNotFound")
}

func TestTagsOnEveryResource(t *testing.T) {
	e := elbv2test.Start(t)
	c := e.Client()
	ctx := ctxT(t)
	lb := createNLB(t, c, "lb")
	tg := createTCPGroup(t, c, "tg", types.TargetTypeEnumInstance)
	forwardTo(t, e, aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	listener := e.Control.View().Snapshot().LoadBalancers[aws.ToString(lb.LoadBalancerArn)].Listeners[0].ARN
	arns := []string{aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), listener}
	must[*elb.AddTagsOutput](t)(c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b")}}}))
	must[*elb.AddTagsOutput](t)(c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns[:1], Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("2")}}}))
	must[*elb.RemoveTagsOutput](t)(c.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: arns[1:2], TagKeys: []string{"b", "missing"}}))
	out := must[*elb.DescribeTagsOutput](t)(c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns}))
	want := []string{"a=2 b=", "a=1", "a=1 b="}
	for i, d := range out.TagDescriptions {
		got := ""
		for _, tag := range d.Tags {
			got += " " + aws.ToString(tag.Key) + "=" + aws.ToString(tag.Value)
		}
		if aws.ToString(d.ResourceArn) != arns[i] || got[min(1, len(got)):] != want[i] {
			t.Errorf("%s: %q, want %q", aws.ToString(d.ResourceArn), got, want[i])
		}
	}
	_, err := c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns[:1], Tags: []types.Tag{{Key: aws.String("k")}, {Key: aws.String("k")}}})
	wantCode(t, err, "DuplicateTagKeys")
	var many []types.Tag
	for i := range 49 {
		many = append(many, types.Tag{Key: aws.String(string(rune('A'+i%26)) + string(rune('a'+i/26)))})
	}
	_, err = c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns[:1], Tags: many})
	wantCode(t, err, "TooManyTags")
	for arn, code := range map[string]string{
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/x/0123456789abcdef": "LoadBalancerNotFound",
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0123456789abcdef":      "TargetGroupNotFound",
		listener + "0": "ListenerNotFound",
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/net/x/0123456789abcdef/0123/4567": "RuleNotFound",
		"nonsense": "ValidationError",
	} {
		_, err := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
		wantCode(t, err, code)
	}
}
