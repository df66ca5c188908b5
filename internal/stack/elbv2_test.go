package stack_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/stack"
)

// Load balancers these tests serve take their addresses from
// 127.0.170.0/24, a range no other package's tests use.
var (
	nlbAddresses     = netip.MustParsePrefix("127.0.170.0/25")
	fixtureAddresses = netip.MustParsePrefix("127.0.170.128/25")
)

// elbStack is a deployer over the store of a running elbv2 control plane,
// with the other services the templates use on the same store. The whole
// server is not needed, and its load balancers would take addresses from
// the range every package shares.
type elbStack struct {
	*elbv2test.Env
	Stacks *stack.Deployer
	Client *elb.Client
}

func startELBStack(t *testing.T, opts ...elbv2test.Option) *elbStack {
	t.Helper()
	e := elbv2test.Start(t, opts...)
	cm := cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: e.Store})
	d := stack.New(stack.Config{
		Region: awstest.Region, AccountID: elbv2test.AccountID, Store: e.Store,
		CloudMap: cm,
		ECS:      ecs.New(ecs.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: e.Store, CloudMap: cm}),
		Logs:     logs.New(logs.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: e.Store}),
		ELBv2:    e.Control,
	})
	return &elbStack{Env: e, Stacks: d, Client: e.Client()}
}

func (s *elbStack) deploy(t *testing.T, name string, tpl []byte, params map[string]string) (*stack.Stack, []stack.Event) {
	t.Helper()
	var events []stack.Event
	st, err := s.Stacks.Deploy(context.Background(), stack.DeployInput{StackName: name, Template: tpl, Parameters: params},
		func(e stack.Event) { events = append(events, e) })
	if err != nil {
		t.Fatalf("deploy %s: %v\n%v", name, err, events)
	}
	return st, events
}

func (s *elbStack) destroy(t *testing.T, name string) []stack.Event {
	t.Helper()
	var events []stack.Event
	if err := s.Stacks.Destroy(context.Background(), name, func(e stack.Event) { events = append(events, e) }); err != nil {
		t.Fatalf("destroy %s: %v\n%v", name, err, events)
	}
	return events
}

// assertNothingLeft: no load balancer and no target group remain.
func (s *elbStack) assertNothingLeft(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	lbs, err := s.Client.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	tgs, err := s.Client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lbs.LoadBalancers) != 0 || len(tgs.TargetGroups) != 0 {
		t.Fatalf("left after destroy: %d load balancers, %d target groups", len(lbs.LoadBalancers), len(tgs.TargetGroups))
	}
}

func output(st *stack.Stack, key string) string {
	for _, o := range st.Outputs {
		if o.Name == key {
			return o.Value
		}
	}
	return ""
}

// greeter is a TCP target that greets every connection with its name.
func greeter(t *testing.T, name string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(name + "\n"))
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// greeting connects through the load balancer and returns what answered.
func greeting(addr string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

const nlbTemplate = `
Parameters:
  TargetPort: {Type: Number}
  ListenerPort: {Type: Number, Default: 8000}
  Interval: {Type: Number, Default: 10}
Resources:
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      Scheme: internal
      Subnets: [subnet-0a, subnet-0b]
      LoadBalancerAttributes:
        - {Key: load_balancing.cross_zone.enabled, Value: true}
  Targets:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: !Ref TargetPort
      Protocol: TCP
      TargetType: ip
      HealthCheckProtocol: TCP
      HealthCheckIntervalSeconds: !Ref Interval
      HealthCheckTimeoutSeconds: 5
      TargetGroupAttributes:
        - {Key: deregistration_delay.timeout_seconds, Value: 0}
      Targets:
        - Id: 127.0.0.1
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Nlb
      Port: !Ref ListenerPort
      Protocol: TCP
      DefaultActions:
        - {Type: forward, TargetGroupArn: !Ref Targets}
Outputs:
  Arn: {Value: !GetAtt Nlb.LoadBalancerArn}
  Name: {Value: !GetAtt Nlb.LoadBalancerName}
  DNSName: {Value: !GetAtt Nlb.DNSName}
  FullName: {Value: !GetAtt Nlb.LoadBalancerFullName}
  ZoneID: {Value: !GetAtt Nlb.CanonicalHostedZoneID}
  GroupArn: {Value: !GetAtt Targets.TargetGroupArn}
  GroupName: {Value: !GetAtt Targets.TargetGroupName}
  GroupFullName: {Value: !GetAtt Targets.TargetGroupFullName}
  ListenerArn: {Value: !GetAtt Listener.ListenerArn}
`

// TestNLBStack deploys a network load balancer, a target group with a
// target and a TCP listener; connects through it; updates the health
// check and the listener's port in place and the group's port by
// replacement; and destroys it all.
func TestNLBStack(t *testing.T) {
	s := startELBStack(t, elbv2test.WithAddresses(nlbAddresses), elbv2test.WithDataplane())
	ctx := context.Background()
	first := greeter(t, "first")

	st, _ := s.deploy(t, "nlb", []byte(nlbTemplate), map[string]string{"TargetPort": strconv.Itoa(first)})
	lbArn, tgArn, lnArn := st.Resources["Nlb"].PhysicalID, st.Resources["Targets"].PhysicalID, st.Resources["Listener"].PhysicalID
	lbs, err := s.Client.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbs.LoadBalancers[0]
	name := aws.ToString(lb.LoadBalancerName)
	if lb.Type != elbtypes.LoadBalancerTypeEnumNetwork || lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternal || !strings.HasPrefix(name, "nlb-Nlb-") {
		t.Fatalf("load balancer %s: type %s, scheme %s", name, lb.Type, lb.Scheme)
	}
	for key, want := range map[string]string{
		"Arn": lbArn, "Name": name, "DNSName": aws.ToString(lb.DNSName), "ZoneID": aws.ToString(lb.CanonicalHostedZoneId),
		"FullName": "net/" + name + "/" + lbArn[strings.LastIndex(lbArn, "/")+1:],
		"GroupArn": tgArn, "GroupFullName": tgArn[strings.Index(tgArn, "targetgroup/"):], "ListenerArn": lnArn,
	} {
		if got := output(st, key); got != want {
			t.Errorf("output %s = %q, want %q", key, got, want)
		}
	}
	lbAttrs, _ := s.Client.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &lbArn})
	tgAttrs, _ := s.Client.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: &tgArn})
	if attr(lbAttrs.Attributes, "load_balancing.cross_zone.enabled") != "true" || tgAttr(tgAttrs.Attributes, "deregistration_delay.timeout_seconds") != "0" {
		t.Fatalf("attributes not applied: %v %v", lbAttrs.Attributes, tgAttrs.Attributes)
	}
	tgs, _ := s.Client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
	if g := tgs.TargetGroups[0]; aws.ToString(g.TargetGroupName) != output(st, "GroupName") || !slices.Equal(g.LoadBalancerArns, []string{lbArn}) {
		t.Fatalf("target group %s, load balancers %v", aws.ToString(g.TargetGroupName), g.LoadBalancerArns)
	}

	addr := aws.ToString(lb.AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address)
	eventually(t, "the first target answering through the listener", func() bool { return greeting(addr+":8000") == "first" })

	// In place: the health check interval and the listener's port.
	_, events := s.deploy(t, "nlb", []byte(nlbTemplate), map[string]string{"TargetPort": strconv.Itoa(first), "ListenerPort": "8001", "Interval": "30"})
	for _, e := range events {
		if strings.HasPrefix(e.ResourceStatus, "CREATE") && e.ResourceType != "AWS::CloudFormation::Stack" {
			t.Fatalf("an in-place update created %s: %+v", e.LogicalResourceId, e)
		}
	}
	tgs, _ = s.Client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
	if got := aws.ToInt32(tgs.TargetGroups[0].HealthCheckIntervalSeconds); got != 30 {
		t.Fatalf("health check interval %d after the update", got)
	}
	eventually(t, "the listener on its new port", func() bool { return greeting(addr+":8001") == "first" })

	// Replacement: a new port is a new target group; the listener
	// forwards to it and the old one is deleted.
	second := greeter(t, "second")
	st, _ = s.deploy(t, "nlb", []byte(nlbTemplate), map[string]string{"TargetPort": strconv.Itoa(second), "ListenerPort": "8001", "Interval": "30"})
	newTG := st.Resources["Targets"].PhysicalID
	if newTG == tgArn || st.Resources["Nlb"].PhysicalID != lbArn || st.Resources["Listener"].PhysicalID != lnArn {
		t.Fatalf("after the port change: group %s (was %s), load balancer %s, listener %s", newTG, tgArn, st.Resources["Nlb"].PhysicalID, st.Resources["Listener"].PhysicalID)
	}
	var gone *elbtypes.TargetGroupNotFoundException
	if _, err := s.Client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}}); !errors.As(err, &gone) {
		t.Fatalf("the replaced target group: %v", err)
	}
	eventually(t, "the second target answering", func() bool { return greeting(addr+":8001") == "second" })

	events = s.destroy(t, "nlb")
	// Listener before the target group and the load balancer.
	deleted := map[string]int{}
	for i, e := range events {
		if e.ResourceStatus == "DELETE_IN_PROGRESS" {
			deleted[e.LogicalResourceId] = i
		}
	}
	if deleted["Listener"] > deleted["Targets"] || deleted["Listener"] > deleted["Nlb"] {
		t.Fatalf("deletion order: %v", deleted)
	}
	s.assertNothingLeft(t)
}

func attr(as []elbtypes.LoadBalancerAttribute, key string) string {
	for _, a := range as {
		if aws.ToString(a.Key) == key {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func tgAttr(as []elbtypes.TargetGroupAttribute, key string) string {
	for _, a := range as {
		if aws.ToString(a.Key) == key {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

const albTemplate = `
Parameters:
  Priority: {Type: Number, Default: 10}
Resources:
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Name: shop
      SubnetMappings: [{SubnetId: subnet-0a}, {SubnetId: subnet-0b}]
      SecurityGroups: [sg-0123]
  Api:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 8080
      Protocol: HTTP
      TargetType: ip
      HealthCheckPath: /health
      Matcher: {HttpCode: 200-299}
  Http:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: 404, ContentType: text/plain, MessageBody: nothing here}
  ApiRule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Http
      Priority: !Ref Priority
      Conditions:
        - Field: path-pattern
          PathPatternConfig: {Values: [/api/*]}
      Actions:
        - Type: forward
          ForwardConfig:
            TargetGroups: [{TargetGroupArn: !Ref Api, Weight: 1}]
Outputs:
  RuleArn: {Value: !GetAtt ApiRule.RuleArn}
  IsDefault: {Value: !GetAtt ApiRule.IsDefault}
  SecurityGroups: {Value: !Join [",", !GetAtt Alb.SecurityGroups]}
`

// TestALBListenerRule deploys an application load balancer whose listener
// answers 404 by default and forwards /api/* to a target group by a rule;
// moves the rule to another priority in place; and destroys it.
func TestALBListenerRule(t *testing.T) {
	s := startELBStack(t, elbv2test.WithAddresses(fixtureAddresses))
	ctx := context.Background()
	st, _ := s.deploy(t, "alb", []byte(albTemplate), nil)
	ruleArn, lnArn, tgArn := st.Resources["ApiRule"].PhysicalID, st.Resources["Http"].PhysicalID, st.Resources["Api"].PhysicalID
	if output(st, "RuleArn") != ruleArn || output(st, "IsDefault") != "false" || output(st, "SecurityGroups") != "sg-0123" {
		t.Fatalf("outputs %+v", st.Outputs)
	}
	if !strings.HasPrefix(st.Resources["Alb"].PhysicalID, "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/shop/") {
		t.Fatalf("load balancer %s", st.Resources["Alb"].PhysicalID)
	}
	rules, err := s.Client.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: &lnArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 2 {
		t.Fatalf("rules %+v", rules.Rules)
	}
	r := rules.Rules[0]
	if aws.ToString(r.RuleArn) != ruleArn || aws.ToString(r.Priority) != "10" || r.Conditions[0].PathPatternConfig.Values[0] != "/api/*" ||
		aws.ToString(r.Actions[0].ForwardConfig.TargetGroups[0].TargetGroupArn) != tgArn {
		t.Fatalf("rule %+v", r)
	}
	tgs, _ := s.Client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
	if g := tgs.TargetGroups[0]; aws.ToString(g.HealthCheckPath) != "/health" || aws.ToString(g.Matcher.HttpCode) != "200-299" {
		t.Fatalf("target group health check %+v", g)
	}

	st, _ = s.deploy(t, "alb", []byte(albTemplate), map[string]string{"Priority": "20"})
	if st.Resources["ApiRule"].PhysicalID != ruleArn {
		t.Fatalf("the priority change replaced the rule")
	}
	rules, _ = s.Client.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{ruleArn}})
	if aws.ToString(rules.Rules[0].Priority) != "20" {
		t.Fatalf("priority %s after the update", aws.ToString(rules.Rules[0].Priority))
	}

	s.destroy(t, "alb")
	s.assertNothingLeft(t)
}

func restAPIFixture(t *testing.T) []byte {
	t.Helper()
	for _, p := range []string{"../../../shared/fixtures/cloudformation/private-restapi-nlb-fargate.yaml", "testdata/private-restapi-nlb-fargate.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
	}
	t.Fatal("fixture template not found")
	return nil
}
