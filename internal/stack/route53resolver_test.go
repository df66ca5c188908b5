package stack_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/route53resolver/route53resolvertest"
	"github.com/portolan/portolan/internal/stack"
)

const resolverTemplate = `
Parameters:
  Target: {Type: String}
  TargetPort: {Type: String}
Resources:
  Outbound:
    Type: AWS::Route53Resolver::ResolverEndpoint
    Properties:
      Name: to-corp
      Direction: OUTBOUND
      SecurityGroupIds: [sg-1]
      IpAddresses: [{SubnetId: subnet-1}, {SubnetId: subnet-2}]
  Corp:
    Type: AWS::Route53Resolver::ResolverRule
    Properties:
      Name: corp
      RuleType: FORWARD
      DomainName: corp.example
      ResolverEndpointId: !Ref Outbound
      TargetIps: [{Ip: !Ref Target, Port: !Ref TargetPort}]
  CorpInVpc:
    Type: AWS::Route53Resolver::ResolverRuleAssociation
    Properties:
      ResolverRuleId: !Ref Corp
      VPCId: vpc-0abc
Outputs:
  Endpoint: {Value: !GetAtt Outbound.ResolverEndpointId}
  Rule: {Value: !Ref Corp}
  RuleArn: {Value: !GetAtt Corp.Arn}
  Association: {Value: !Ref CorpInVpc}
`

// TestResolverResources: a template's outbound endpoint, forwarding rule
// and its VPC association are the real objects: the DNS server forwards
// the rule's domain to its target; a rename updates in place; destroy
// leaves no endpoint, rule or association, and the domain is no longer
// forwarded.
func TestResolverResources(t *testing.T) {
	env := route53resolvertest.Start(t, route53resolvertest.Options{})
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: route53resolvertest.AccountID, Store: env.Store, Resolver: env.Resolver})
	c := env.Client()
	ctx := context.Background()
	target := answeringDNS(t, "192.0.2.77")
	host, port, _ := net.SplitHostPort(target)
	deploy := func(tpl string) *stack.Stack {
		t.Helper()
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "resolver", Template: []byte(tpl),
			Parameters: map[string]string{"Target": host, "TargetPort": port}}, func(stack.Event) {})
		if err != nil {
			t.Fatalf("deploy: %v", err)
		}
		return st
	}
	st := deploy(resolverTemplate)
	rule, err := c.GetResolverRule(ctx, &route53resolver.GetResolverRuleInput{ResolverRuleId: aws.String(output(st, "Rule"))})
	if err != nil || aws.ToString(rule.ResolverRule.ResolverEndpointId) != output(st, "Endpoint") || aws.ToString(rule.ResolverRule.Arn) != output(st, "RuleArn") ||
		len(rule.ResolverRule.TargetIps) != 1 || fmt.Sprint(aws.ToInt32(rule.ResolverRule.TargetIps[0].Port)) != port {
		t.Fatalf("rule: %+v %v", rule, err)
	}
	dnsAddr := env.DNS.Addrs()[0]
	if got := waitForA(dnsAddr, "db.corp.example", "192.0.2.77"); got != "192.0.2.77" {
		t.Fatalf("db.corp.example through the rule = %q", got)
	}

	st = deploy(strings.Replace(resolverTemplate, "Name: corp\n", "Name: corp-renamed\n", 1))
	if output(st, "Rule") != aws.ToString(rule.ResolverRule.Id) {
		t.Fatalf("a rename replaced the rule")
	}
	renamed, err := c.GetResolverRule(ctx, &route53resolver.GetResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id})
	if err != nil || aws.ToString(renamed.ResolverRule.Name) != "corp-renamed" {
		t.Fatalf("renamed rule: %+v %v", renamed, err)
	}

	if err := d.Destroy(ctx, "resolver", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	eps, _ := c.ListResolverEndpoints(ctx, &route53resolver.ListResolverEndpointsInput{})
	rules, _ := c.ListResolverRules(ctx, &route53resolver.ListResolverRulesInput{})
	assocs, _ := c.ListResolverRuleAssociations(ctx, &route53resolver.ListResolverRuleAssociationsInput{})
	if len(eps.ResolverEndpoints) != 0 || len(rules.ResolverRules) != 0 || len(assocs.ResolverRuleAssociations) != 0 {
		t.Fatalf("left after destroy: %d endpoints, %d rules, %d associations", len(eps.ResolverEndpoints), len(rules.ResolverRules), len(assocs.ResolverRuleAssociations))
	}
	if got := waitForA(dnsAddr, "db.corp.example", ""); got == "192.0.2.77" {
		t.Fatal("the domain is still forwarded after destroy")
	}
}

// answeringDNS is a resolver that answers every A question with ip.
func answeringDNS(t *testing.T, ip string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: net.ParseIP(ip)}}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// waitForA asks addr for name's A record until the answer is want, for up
// to 5 s (the DNS server follows the store), and returns the last answer.
func waitForA(addr, name, want string) string {
	got := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		m.RecursionDesired = true
		got = ""
		if r, _, err := (&dns.Client{Timeout: 500 * time.Millisecond}).Exchange(m, addr); err == nil && len(r.Answer) == 1 {
			if a, ok := r.Answer[0].(*dns.A); ok {
				got = a.A.String()
			}
		}
		if got == want {
			break
		}
	}
	return got
}
