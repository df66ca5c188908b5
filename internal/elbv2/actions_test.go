package elbv2

import (
	"errors"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
)

func TestValidateActions(t *testing.T) {
	tg := "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a/0123456789abcdef"
	fixed := func(code string) Action {
		return Action{Type: ActionFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: code}}
	}
	redirect := func(rc RedirectActionConfig) Action { return Action{Type: ActionRedirect, RedirectConfig: &rc} }
	weighted := func(weights ...int32) Action {
		fc := &ForwardActionConfig{}
		for i, w := range weights {
			fc.TargetGroups = append(fc.TargetGroups, TargetGroupTuple{TargetGroupArn: tg + string(rune('a'+i)), Weight: ptr(w)})
		}
		return Action{Type: ActionForward, ForwardConfig: fc}
	}
	for _, tc := range []struct {
		name     string
		lbType   string
		protocol string
		actions  []Action
		code     string // "" valid
	}{
		{"forward", TypeApplication, ProtocolHTTP, forward(tg), ""},
		{"weighted", TypeApplication, ProtocolHTTP, []Action{weighted(0, 999)}, ""},
		{"weight 1000", TypeApplication, ProtocolHTTP, []Action{weighted(1000)}, "ValidationError"},
		{"six groups", TypeApplication, ProtocolHTTP, []Action{weighted(1, 1, 1, 1, 1, 1)}, "ValidationError"},
		{"two groups on an NLB", TypeNetwork, ProtocolTCP, []Action{weighted(1, 1)}, "InvalidLoadBalancerAction"},
		{"stickiness too long", TypeApplication, ProtocolHTTP, []Action{{Type: ActionForward, ForwardConfig: &ForwardActionConfig{
			TargetGroups: []TargetGroupTuple{{TargetGroupArn: tg}}, TargetGroupStickinessConfig: &TargetGroupStickinessConfig{Enabled: ptr(true), DurationSeconds: ptr[int32](604801)}}}}, "ValidationError"},
		{"stickiness a week", TypeApplication, ProtocolHTTP, []Action{{Type: ActionForward, ForwardConfig: &ForwardActionConfig{
			TargetGroups: []TargetGroupTuple{{TargetGroupArn: tg}}, TargetGroupStickinessConfig: &TargetGroupStickinessConfig{Enabled: ptr(true), DurationSeconds: ptr[int32](604800)}}}}, ""},
		{"arn and a different config", TypeApplication, ProtocolHTTP, []Action{{Type: ActionForward, TargetGroupArn: ptr(tg), ForwardConfig: weighted(1).ForwardConfig}}, "ValidationError"},
		{"fixed 404", TypeApplication, ProtocolHTTP, []Action{fixed("404")}, ""},
		{"fixed 302", TypeApplication, ProtocolHTTP, []Action{fixed("302")}, "ValidationError"},
		{"fixed on an NLB", TypeNetwork, ProtocolTCP, []Action{fixed("200")}, "InvalidLoadBalancerAction"},
		{"fixed body too long", TypeApplication, ProtocolHTTP, []Action{{Type: ActionFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: "200", MessageBody: ptr(strings.Repeat("x", 1025))}}}, "ValidationError"},
		{"fixed content type", TypeApplication, ProtocolHTTP, []Action{{Type: ActionFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: "200", ContentType: ptr("image/png")}}}, "ValidationError"},
		{"redirect to HTTPS", TypeApplication, ProtocolHTTP, []Action{redirect(RedirectActionConfig{Protocol: ptr("HTTPS"), Port: ptr("443"), StatusCode: "HTTP_301"})}, ""},
		{"redirect path", TypeApplication, ProtocolHTTP, []Action{redirect(RedirectActionConfig{Path: ptr("/new/#{path}"), StatusCode: "HTTP_302"})}, ""},
		{"redirect to itself", TypeApplication, ProtocolHTTP, []Action{redirect(RedirectActionConfig{Protocol: ptr("#{protocol}"), Host: ptr("#{host}"), StatusCode: "HTTP_301"})}, "InvalidLoadBalancerAction"},
		{"redirect HTTPS to HTTP", TypeApplication, ProtocolHTTPS, []Action{redirect(RedirectActionConfig{Protocol: ptr("HTTP"), StatusCode: "HTTP_301"})}, "InvalidLoadBalancerAction"},
		{"redirect 307", TypeApplication, ProtocolHTTP, []Action{redirect(RedirectActionConfig{Protocol: ptr("HTTPS"), StatusCode: "HTTP_307"})}, "ValidationError"},
		{"redirect port 0", TypeApplication, ProtocolHTTP, []Action{redirect(RedirectActionConfig{Port: ptr("0"), StatusCode: "HTTP_301"})}, "ValidationError"},
		{"two terminal actions", TypeApplication, ProtocolHTTP, append(forward(tg), fixed("200")), "InvalidLoadBalancerAction"},
		{"order 0", TypeApplication, ProtocolHTTP, []Action{{Type: ActionForward, TargetGroupArn: &tg, Order: ptr[int32](0)}}, "ValidationError"},
		{"order 50001", TypeApplication, ProtocolHTTP, []Action{{Type: ActionForward, TargetGroupArn: &tg, Order: ptr[int32](50001)}}, "ValidationError"},
		{"unknown type", TypeApplication, ProtocolHTTP, []Action{{Type: "teleport"}}, "ValidationError"},
		{"oidc on an NLB", TypeNetwork, ProtocolTCP, []Action{{Type: "authenticate-oidc"}}, "InvalidLoadBalancerAction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validateActions(tc.actions, tc.lbType, tc.protocol)
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

func TestValidateConditions(t *testing.T) {
	values := func(field string, vs ...string) RuleCondition { return RuleCondition{Field: ptr(field), Values: vs} }
	hosts := func(vs ...string) RuleCondition { return RuleCondition{HostHeaderConfig: &ValuesConfig{Values: vs}} }
	for _, tc := range []struct {
		name  string
		conds []RuleCondition
		ok    bool
	}{
		{"legacy path", []RuleCondition{values(FieldPathPattern, "/img/*")}, true},
		{"legacy host, two values", []RuleCondition{values(FieldHostHeader, "a.example.com", "b.example.com")}, false},
		{"legacy header", []RuleCondition{values(FieldHTTPHeader, "x")}, false},
		{"host config, field inferred", []RuleCondition{hosts("*.example.com", "example.org")}, true},
		{"host without a dot", []RuleCondition{hosts("localhost")}, false},
		{"host ending in digits", []RuleCondition{hosts("10.0.0.1")}, false},
		{"field and config disagree", []RuleCondition{{Field: ptr(FieldPathPattern), HostHeaderConfig: &ValuesConfig{Values: []string{"a.b"}}}}, false},
		{"two host conditions", []RuleCondition{hosts("a.com"), hosts("b.com")}, false},
		{"two header conditions", []RuleCondition{
			{HttpHeaderConfig: &HttpHeaderConditionConfig{HttpHeaderName: ptr("X-A"), Values: []string{"1"}}},
			{HttpHeaderConfig: &HttpHeaderConditionConfig{HttpHeaderName: ptr("X-B"), Values: []string{"2"}}}}, true},
		{"header name with a space", []RuleCondition{{HttpHeaderConfig: &HttpHeaderConditionConfig{HttpHeaderName: ptr("X A"), Values: []string{"1"}}}}, false},
		{"six values", []RuleCondition{hosts("a.com", "b.com", "c.com"), {PathPatternConfig: &ValuesConfig{Values: []string{"/a", "/b", "/c"}}}}, false},
		{"five values", []RuleCondition{hosts("a.com", "b.com"), {PathPatternConfig: &ValuesConfig{Values: []string{"/a", "/b", "/c"}}}}, true},
		{"six wildcards", []RuleCondition{{PathPatternConfig: &ValuesConfig{Values: []string{"/*/*/*/*/*/*"}}}}, false},
		{"path too long", []RuleCondition{{PathPatternConfig: &ValuesConfig{Values: []string{"/" + strings.Repeat("a", 128)}}}}, false},
		{"path with a space", []RuleCondition{{PathPatternConfig: &ValuesConfig{Values: []string{"/a b"}}}}, false},
		{"empty value", []RuleCondition{{PathPatternConfig: &ValuesConfig{Values: []string{""}}}}, false},
		{"method", []RuleCondition{{HttpRequestMethodConfig: &ValuesConfig{Values: []string{"GET", "CUSTOM_VERB"}}}}, true},
		{"lowercase method", []RuleCondition{{HttpRequestMethodConfig: &ValuesConfig{Values: []string{"get"}}}}, false},
		{"source ip", []RuleCondition{{SourceIpConfig: &ValuesConfig{Values: []string{"10.0.0.0/8", "2001:db8::/32"}}}}, true},
		{"source ip not a CIDR", []RuleCondition{{SourceIpConfig: &ValuesConfig{Values: []string{"10.0.0.1"}}}}, false},
		{"query string", []RuleCondition{{QueryStringConfig: &QueryStringConditionConfig{Values: []QueryStringKeyValuePair{{Key: ptr("v"), Value: ptr("2")}, {Value: ptr("beta*")}}}}}, true},
		{"query string without value", []RuleCondition{{QueryStringConfig: &QueryStringConditionConfig{Values: []QueryStringKeyValuePair{{Key: ptr("v")}}}}}, false},
		{"unknown field", []RuleCondition{values("cookie", "x")}, false},
		{"none", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := validateConditions(tc.conds)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range out {
					if c.Field == nil || *c.Field == "" {
						t.Errorf("condition without Field: %+v", c)
					}
				}
				return
			}
			wantCode(t, err, "ValidationError")
		})
	}
}

// FuzzRuleValidation: conditions and actions built from arbitrary strings
// never panic, and anything refused is a 400 *awsapi.Error.
func FuzzRuleValidation(f *testing.F) {
	f.Add("path-pattern", "/img/*", "forward", "arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/a/b", "HTTP_301", "404", int32(1))
	f.Add("host-header", "*.example.com", "redirect", "#{host}", "HTTP_302", "200", int32(0))
	f.Add("", "", "fixed-response", "", "", "5xx", int32(-1))
	f.Add("query-string", "a=*", "authenticate-oidc", "HTTPS", "HTTP_301", "text/plain", int32(50001))
	f.Fuzz(func(t *testing.T, field, value, typ, s1, s2, s3 string, n int32) {
		conds := []RuleCondition{
			{Field: &field, Values: []string{value}},
			{Field: &field, HostHeaderConfig: &ValuesConfig{Values: []string{value, s1}}},
			{HttpHeaderConfig: &HttpHeaderConditionConfig{HttpHeaderName: &s1, Values: []string{value}}},
			{QueryStringConfig: &QueryStringConditionConfig{Values: []QueryStringKeyValuePair{{Key: &s1, Value: &value}, {}}}},
			{SourceIpConfig: &ValuesConfig{Values: []string{value}}},
			{Field: &field, HttpRequestMethodConfig: &ValuesConfig{}},
		}
		for i := range conds {
			check(t, func() error { _, err := validateConditions(conds[i : i+1]); return err })
		}
		check(t, func() error { _, err := validateConditions(conds); return err })
		actions := []Action{
			{Type: typ, TargetGroupArn: &s1, Order: &n},
			{Type: typ, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{{TargetGroupArn: s1, Weight: &n}, {TargetGroupArn: value}},
				TargetGroupStickinessConfig: &TargetGroupStickinessConfig{DurationSeconds: &n}}},
			{Type: typ, RedirectConfig: &RedirectActionConfig{Protocol: &s1, Port: &value, Host: &s3, Path: &value, Query: &s1, StatusCode: s2}},
			{Type: typ, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: s3, ContentType: &s1, MessageBody: &value}},
			{Type: typ, RedirectConfig: &RedirectActionConfig{}, FixedResponseConfig: &FixedResponseActionConfig{}},
		}
		for _, lbType := range []string{TypeApplication, TypeNetwork} {
			for i := range actions {
				check(t, func() error { _, err := validateActions(actions[i:i+1], lbType, s2); return err })
			}
			check(t, func() error { _, err := validateActions(actions, lbType, s1); return err })
		}
	})
}

func check(t *testing.T, validate func() error) {
	t.Helper()
	err := validate()
	if err == nil {
		return
	}
	var e *awsapi.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Code == "" {
		t.Fatalf("refusal %v is not a 400 *awsapi.Error", err)
	}
}
