package elbv2

import (
	"errors"
	"regexp"
	"testing"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
)

func pathRule(path string) []RuleCondition {
	return []RuleCondition{{Field: ptr(FieldPathPattern), PathPatternConfig: &ValuesConfig{Values: []string{path}}}}
}

func TestRules(t *testing.T) {
	f := newFixture(t)
	alb := f.loadBalancer(TypeApplication, "app")
	web := f.targetGroup("web", ProtocolHTTP, TargetTypeIP)
	api := f.targetGroup("api", ProtocolHTTP, TargetTypeIP)
	listener := f.listener(alb, ProtocolHTTP, 80, forward(web))

	create := func(priority int32, path string, actions []Action) (string, error) {
		out, err := f.c.CreateRule(f.ctx, &CreateRuleInput{ListenerArn: listener, Priority: &priority, Conditions: pathRule(path), Actions: actions})
		if err != nil {
			return "", err
		}
		return out.Rules[0].RuleArn, nil
	}
	r10, err := create(10, "/api/*", forward(api))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/app/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(r10) {
		t.Errorf("RuleArn = %s", r10)
	}
	r5, err := create(5, "/health", []Action{{Type: ActionFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: "200", ContentType: ptr("text/plain"), MessageBody: ptr("ok")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = create(10, "/other", forward(api))
	wantCode(t, err, "PriorityInUse")
	_, err = create(50001, "/other", forward(api))
	wantCode(t, err, "ValidationError")

	out, err := f.c.DescribeRules(f.ctx, &DescribeRulesInput{ListenerArn: &listener})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Rules {
		got = append(got, r.Priority)
	}
	if len(got) != 3 || got[0] != "5" || got[1] != "10" || got[2] != "default" || !out.Rules[2].IsDefault {
		t.Fatalf("priorities = %v", got)
	}
	def := out.Rules[2].RuleArn
	page, err := f.c.DescribeRules(f.ctx, &DescribeRulesInput{RuleArns: []string{def, r10}, PageSize: ptr[int32](1)})
	if err != nil || len(page.Rules) != 1 || !page.Rules[0].IsDefault || page.NextMarker == nil {
		t.Fatalf("by ARN, page 1 = %+v, %v", page, err)
	}

	// Swap 5 and 10 at once; then clash with a rule left as it is.
	sp, err := f.c.SetRulePriorities(f.ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleArn: &r5, Priority: ptr[int32](10)}, {RuleArn: &r10, Priority: ptr[int32](5)}}})
	if err != nil || len(sp.Rules) != 2 || sp.Rules[0].RuleArn != r10 || sp.Rules[0].Priority != "5" {
		t.Fatalf("SetRulePriorities = %+v, %v", sp, err)
	}
	_, err = f.c.SetRulePriorities(f.ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleArn: &r5, Priority: ptr[int32](5)}}})
	wantCode(t, err, "PriorityInUse")
	_, err = f.c.SetRulePriorities(f.ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleArn: &def, Priority: ptr[int32](7)}}})
	wantCode(t, err, "OperationNotPermitted")

	// The default rule: its actions are the listener's default actions.
	if _, err := f.c.ModifyRule(f.ctx, &ModifyRuleInput{RuleArn: def, Actions: forward(api)}); err != nil {
		t.Fatal(err)
	}
	ls, _ := f.c.DescribeListeners(f.ctx, &DescribeListenersInput{ListenerArns: []string{listener}})
	if *ls.Listeners[0].DefaultActions[0].TargetGroupArn != api {
		t.Errorf("default actions = %+v", ls.Listeners[0].DefaultActions)
	}
	_, err = f.c.ModifyRule(f.ctx, &ModifyRuleInput{RuleArn: def, Conditions: pathRule("/x")})
	wantCode(t, err, "OperationNotPermitted")
	_, err = f.c.DeleteRule(f.ctx, &DeleteRuleInput{RuleArn: def})
	wantCode(t, err, "OperationNotPermitted")

	m, err := f.c.ModifyRule(f.ctx, &ModifyRuleInput{RuleArn: r10, Conditions: pathRule("/v2/*")})
	if err != nil || m.Rules[0].Conditions[0].PathPatternConfig.Values[0] != "/v2/*" || m.Rules[0].Priority != "5" {
		t.Fatalf("ModifyRule = %+v, %v", m, err)
	}
	if _, err := f.c.DeleteRule(f.ctx, &DeleteRuleInput{RuleArn: r10}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.DeleteRule(f.ctx, &DeleteRuleInput{RuleArn: r10})
	wantCode(t, err, "RuleNotFound")
	_, err = f.c.DescribeRules(f.ctx, &DescribeRulesInput{RuleArns: []string{r10}})
	wantCode(t, err, "RuleNotFound")

	// Deleting the listener takes its rules with it.
	if _, err := f.c.DeleteListener(f.ctx, &DeleteListenerInput{ListenerArn: listener}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.DescribeRules(f.ctx, &DescribeRulesInput{RuleArns: []string{r5}})
	wantCode(t, err, "RuleNotFound")
	if got := f.tgRecord(api).LoadBalancerArns; len(got) != 0 {
		t.Errorf("api's LoadBalancerArns after DeleteListener = %v", got)
	}
}

func TestRulesOnNetworkListener(t *testing.T) {
	f := newFixture(t)
	nlb := f.loadBalancer(TypeNetwork, "net")
	tcp := f.targetGroup("tcp", ProtocolTCP, TargetTypeIP)
	listener := f.listener(nlb, ProtocolTCP, 80, forward(tcp))
	_, err := f.c.CreateRule(f.ctx, &CreateRuleInput{ListenerArn: listener, Priority: ptr[int32](1), Conditions: pathRule("/"), Actions: forward(tcp)})
	wantCode(t, err, "IncompatibleProtocols")
	out, err := f.c.DescribeRules(f.ctx, &DescribeRulesInput{ListenerArn: &listener})
	if err != nil || len(out.Rules) != 1 || !out.Rules[0].IsDefault {
		t.Fatalf("rules = %+v, %v", out, err)
	}
}

func TestRuleForwardChecks(t *testing.T) {
	f := newFixture(t)
	alb := f.loadBalancer(TypeApplication, "app")
	other := f.loadBalancer(TypeApplication, "other")
	web := f.targetGroup("web", ProtocolHTTP, TargetTypeIP)
	taken := f.targetGroup("taken", ProtocolHTTP, TargetTypeIP)
	tcp := f.targetGroup("tcp", ProtocolTCP, TargetTypeIP)
	fn := f.targetGroup("fn", "", TargetTypeLambda)
	f.listener(other, ProtocolHTTP, 80, forward(taken))
	listener := f.listener(alb, ProtocolHTTP, 80, forward(web))
	for _, tc := range []struct {
		name    string
		actions []Action
		code    string
	}{
		{"group of another load balancer", forward(taken), "TargetGroupAssociationLimit"},
		{"TCP group", forward(tcp), "IncompatibleProtocols"},
		{"weighted with a missing group", []Action{{Type: ActionForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{
			{TargetGroupArn: web, Weight: ptr[int32](1)}, {TargetGroupArn: f.c.arn("targetgroup/x/0123456789abcdef"), Weight: ptr[int32](1)}}}}}, "TargetGroupNotFound"},
		{"lambda group", forward(fn), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.CreateRule(f.ctx, &CreateRuleInput{ListenerArn: listener, Priority: ptr[int32](int32(len(tc.name))), Conditions: pathRule("/" + tc.name[:3]), Actions: tc.actions})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code)
		})
	}
}

// TestListenersAndRulesOverTheWire drives the operations with the AWS SDK
// over awsQuery on a loopback server.
func TestListenersAndRulesOverTheWire(t *testing.T) {
	f := newFixture(t)
	alb := f.loadBalancer(TypeApplication, "app")
	web := f.targetGroup("web", ProtocolHTTP, TargetTypeIP)
	mux := awsapi.NewMux(nil)
	f.c.Register(mux)
	srv := awstest.Serve(t, mux)
	t.Cleanup(srv.Stop)
	client := elb.NewFromConfig(awstest.Config(srv.Endpoint, "AKID", "SECRET"))
	ctx := f.ctx

	cl, err := client.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: &alb, Protocol: elbtypes.ProtocolEnumHttp, Port: ptr[int32](80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &web}}})
	if err != nil {
		t.Fatal(err)
	}
	listener := *cl.Listeners[0].ListenerArn
	if *cl.Listeners[0].Port != 80 || *cl.Listeners[0].DefaultActions[0].TargetGroupArn != web {
		t.Errorf("CreateListener = %+v", cl.Listeners[0])
	}
	_, err = client.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: &alb, Protocol: elbtypes.ProtocolEnumHttp, Port: ptr[int32](80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &web}}})
	var dup *elbtypes.DuplicateListenerException
	if !errors.As(err, &dup) {
		t.Fatalf("second listener on port 80: %v", err)
	}

	cr, err := client.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: &listener, Priority: ptr[int32](10),
		Conditions: []elbtypes.RuleCondition{
			{Field: ptr(FieldPathPattern), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/api/*"}}},
			{Field: ptr(FieldHTTPHeader), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: ptr("X-Env"), Values: []string{"dev"}}},
		},
		Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: ptr("503"), ContentType: ptr("application/json"), MessageBody: ptr(`{"down":true}`)}}}})
	if err != nil {
		t.Fatal(err)
	}
	rule := *cr.Rules[0].RuleArn
	_, err = client.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: &listener, Priority: ptr[int32](10),
		Conditions: []elbtypes.RuleCondition{{Field: ptr(FieldPathPattern), Values: []string{"/x"}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &web}}})
	var inUse *elbtypes.PriorityInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("priority 10 again: %v", err)
	}

	dr, err := client.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: &listener})
	if err != nil {
		t.Fatal(err)
	}
	if len(dr.Rules) != 2 || *dr.Rules[0].RuleArn != rule || *dr.Rules[1].Priority != "default" || !*dr.Rules[1].IsDefault {
		t.Fatalf("DescribeRules = %+v", dr.Rules)
	}
	got := dr.Rules[0]
	if len(got.Conditions) != 2 || *got.Conditions[1].HttpHeaderConfig.HttpHeaderName != "X-Env" || *got.Actions[0].FixedResponseConfig.MessageBody != `{"down":true}` {
		t.Errorf("rule read back = %+v", got)
	}
	_, err = client.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: dr.Rules[1].RuleArn})
	var notPermitted *elbtypes.OperationNotPermittedException
	if !errors.As(err, &notPermitted) {
		t.Fatalf("deleting the default rule: %v", err)
	}

	la, err := client.ModifyListenerAttributes(ctx, &elb.ModifyListenerAttributesInput{ListenerArn: &listener,
		Attributes: []elbtypes.ListenerAttribute{{Key: ptr("routing.http.response.server.enabled"), Value: ptr("false")}}})
	if err != nil || len(la.Attributes) != 1 {
		t.Fatalf("ModifyListenerAttributes = %+v, %v", la, err)
	}
	if _, err := client.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: &listener}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{listener}})
	var notFound *elbtypes.ListenerNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeListeners after delete: %v", err)
	}
	dl, err := client.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: &alb})
	if err != nil || len(dl.Listeners) != 0 {
		t.Fatalf("DescribeListeners = %+v, %v", dl, err)
	}
}
