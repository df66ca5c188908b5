package route53resolver_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver/types"
	"github.com/aws/smithy-go"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/route53resolver/route53resolvertest"
)

// answering is a resolver that answers every A question with ip.
func answering(t *testing.T, ip string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.RecursionAvailable = true
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: net.ParseIP(ip)}}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// freePort is a port free on 127.0.230.61 and .62 for UDP and TCP.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.230.61:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		ok := true
		for _, host := range []string{"127.0.230.61", "127.0.230.62"} {
			pc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			pc.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

func apiCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// lookup asks addr for name's A record, for a short while: "" when no
// answer comes.
func lookup(addr, name string) string {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	m.RecursionDesired = true
	r, _, err := (&dns.Client{Timeout: 500 * time.Millisecond}).Exchange(m, addr)
	if err != nil || len(r.Answer) != 1 {
		return ""
	}
	return r.Answer[0].(*dns.A).A.String()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestEndpointsAndRules: an INBOUND endpoint's addresses answer DNS; a
// FORWARD rule takes its domain to its targets once associated with a
// VPC, and gives it back when disassociated; a SYSTEM rule carves a
// subdomain back out; what AWS refuses is refused; deleting the endpoint
// stops its addresses.
func TestEndpointsAndRules(t *testing.T) {
	def, corp := answering(t, "192.0.2.1"), answering(t, "192.0.2.2")
	port := freePort(t)
	env := route53resolvertest.Start(t, route53resolvertest.Options{Upstreams: []string{def}, DNSPort: port,
		Addresses: netip.MustParsePrefix("127.0.230.128/25")})
	c := env.Client()
	ctx := context.Background()
	ips := func(ips ...string) []types.IpAddressRequest {
		var out []types.IpAddressRequest
		for _, ip := range ips {
			r := types.IpAddressRequest{SubnetId: aws.String("subnet-1")}
			if ip != "" {
				r.Ip = aws.String(ip)
			}
			out = append(out, r)
		}
		return out
	}
	in, err := c.CreateResolverEndpoint(ctx, &route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("in-1"), Name: aws.String("inbound"),
		Direction: types.ResolverEndpointDirectionInbound, SecurityGroupIds: []string{"sg-1"}, IpAddresses: ips("127.0.230.61", "127.0.230.62")})
	if err != nil {
		t.Fatal(err)
	}
	ep := in.ResolverEndpoint
	if ep.Status != types.ResolverEndpointStatusOperational || aws.ToInt32(ep.IpAddressCount) != 2 || len(aws.ToString(ep.Id)) != len("rslvr-in-")+17 {
		t.Errorf("endpoint %+v", ep)
	}
	inbound := []string{net.JoinHostPort("127.0.230.61", strconv.Itoa(port)), net.JoinHostPort("127.0.230.62", strconv.Itoa(port))}
	for _, a := range inbound {
		eventually(t, "the inbound address "+a, func() bool { return lookup(a, "www.corp.example") == "192.0.2.1" })
	}
	out, err := c.CreateResolverEndpoint(ctx, &route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("out-1"),
		Direction: types.ResolverEndpointDirectionOutbound, SecurityGroupIds: []string{"sg-1"}, IpAddresses: ips("", "")})
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := c.ListResolverEndpointIpAddresses(ctx, &route53resolver.ListResolverEndpointIpAddressesInput{ResolverEndpointId: out.ResolverEndpoint.Id})
	if err != nil || len(addrs.IpAddresses) != 2 || aws.ToString(addrs.IpAddresses[0].Ip) != "127.0.230.129" || aws.ToString(addrs.IpAddresses[1].Ip) != "127.0.230.130" {
		t.Fatalf("assigned addresses %+v %v", addrs, err)
	}

	checkEndpointRefusals(t, c, ips)

	rule, err := c.CreateResolverRule(ctx, &route53resolver.CreateResolverRuleInput{CreatorRequestId: aws.String("r1"), RuleType: types.RuleTypeOptionForward,
		DomainName: aws.String("Corp.Example"), ResolverEndpointId: out.ResolverEndpoint.Id, TargetIps: targetsOf(t, corp)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(rule.ResolverRule.DomainName) != "corp.example." || rule.ResolverRule.Status != types.ResolverRuleStatusComplete {
		t.Errorf("rule %+v", rule.ResolverRule)
	}
	sys, err := c.CreateResolverRule(ctx, &route53resolver.CreateResolverRuleInput{CreatorRequestId: aws.String("r2"), RuleType: types.RuleTypeOptionSystem,
		DomainName: aws.String("sys.corp.example")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateResolverRule(ctx, &route53resolver.CreateResolverRuleInput{CreatorRequestId: aws.String("r3"), RuleType: types.RuleTypeOptionForward,
		DomainName: aws.String("x.example"), ResolverEndpointId: in.ResolverEndpoint.Id, TargetIps: targetsOf(t, corp)})
	apiCode(t, err, "InvalidRequestException")
	if got := lookup(inbound[0], "www.corp.example"); got != "192.0.2.1" {
		t.Errorf("a rule not associated took effect: %s", got)
	}

	for _, r := range []*string{rule.ResolverRule.Id, sys.ResolverRule.Id} {
		if _, err := c.AssociateResolverRule(ctx, &route53resolver.AssociateResolverRuleInput{ResolverRuleId: r, VPCId: aws.String("vpc-1")}); err != nil {
			t.Fatal(err)
		}
	}
	// Two associations, two writes: the DNS server may apply them one
	// snapshot apart, so each is waited for. Without the SYSTEM rule, its
	// name would go to the FORWARD rule's target (192.0.2.2).
	eventually(t, "the rule in force", func() bool { return lookup(inbound[1], "www.corp.example") == "192.0.2.2" })
	eventually(t, "the SYSTEM rule's name resolved by the system's resolvers", func() bool { return lookup(inbound[0], "x.sys.corp.example") == "192.0.2.1" })
	_, err = c.AssociateResolverRule(ctx, &route53resolver.AssociateResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id, VPCId: aws.String("vpc-1")})
	apiCode(t, err, "InvalidRequestException")
	_, err = c.DeleteResolverRule(ctx, &route53resolver.DeleteResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id})
	apiCode(t, err, "ResourceInUseException")
	_, err = c.DeleteResolverEndpoint(ctx, &route53resolver.DeleteResolverEndpointInput{ResolverEndpointId: out.ResolverEndpoint.Id})
	apiCode(t, err, "InvalidRequestException")

	if _, err := c.DisassociateResolverRule(ctx, &route53resolver.DisassociateResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id, VPCId: aws.String("vpc-1")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rule out of force", func() bool { return lookup(inbound[0], "www.corp.example") == "192.0.2.1" })
	list, err := c.ListResolverRuleAssociations(ctx, &route53resolver.ListResolverRuleAssociationsInput{})
	if err != nil || len(list.ResolverRuleAssociations) != 1 || aws.ToString(list.ResolverRuleAssociations[0].ResolverRuleId) != aws.ToString(sys.ResolverRule.Id) {
		t.Errorf("associations %+v %v", list, err)
	}
	if _, err := c.DeleteResolverRule(ctx, &route53resolver.DeleteResolverRuleInput{ResolverRuleId: rule.ResolverRule.Id}); err != nil {
		t.Fatal(err)
	}
	rules, err := c.ListResolverRules(ctx, &route53resolver.ListResolverRulesInput{Filters: []types.Filter{{Name: aws.String("RuleType"), Values: []string{"SYSTEM"}}}})
	if err != nil || len(rules.ResolverRules) != 1 {
		t.Errorf("rules %+v %v", rules, err)
	}

	if _, err := c.DeleteResolverEndpoint(ctx, &route53resolver.DeleteResolverEndpointInput{ResolverEndpointId: in.ResolverEndpoint.Id}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the inbound addresses closed", func() bool { return lookup(inbound[0], "www.corp.example") == "" })
	eps, err := c.ListResolverEndpoints(ctx, &route53resolver.ListResolverEndpointsInput{})
	if err != nil || len(eps.ResolverEndpoints) != 1 || !slices.ContainsFunc(eps.ResolverEndpoints, func(e types.ResolverEndpoint) bool {
		return e.Direction == types.ResolverEndpointDirectionOutbound
	}) {
		t.Errorf("endpoints %+v %v", eps, err)
	}
	_, err = c.GetResolverEndpoint(ctx, &route53resolver.GetResolverEndpointInput{ResolverEndpointId: in.ResolverEndpoint.Id})
	apiCode(t, err, "ResourceNotFoundException")
}

// checkEndpointRefusals: one address, an address in use, a malformed
// security group and a reused CreatorRequestId are refused.
func checkEndpointRefusals(t *testing.T, c *route53resolver.Client, ips func(...string) []types.IpAddressRequest) {
	ctx := context.Background()
	for _, r := range []struct {
		in   *route53resolver.CreateResolverEndpointInput
		code string
	}{
		{&route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("x1"), Direction: types.ResolverEndpointDirectionInbound,
			SecurityGroupIds: []string{"sg-1"}, IpAddresses: ips("127.0.230.63")}, "InvalidRequestException"},
		{&route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("x2"), Direction: types.ResolverEndpointDirectionInbound,
			SecurityGroupIds: []string{"sg-1"}, IpAddresses: ips("127.0.230.61", "127.0.230.63")}, "ResourceExistsException"},
		{&route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("x3"), Direction: types.ResolverEndpointDirectionInbound,
			SecurityGroupIds: []string{"bad"}, IpAddresses: ips("127.0.230.63", "127.0.230.64")}, "InvalidParameterException"},
		{&route53resolver.CreateResolverEndpointInput{CreatorRequestId: aws.String("in-1"), Direction: types.ResolverEndpointDirectionInbound,
			SecurityGroupIds: []string{"sg-1"}, IpAddresses: ips("127.0.230.63", "127.0.230.64")}, "ResourceExistsException"},
	} {
		_, err := c.CreateResolverEndpoint(ctx, r.in)
		apiCode(t, err, r.code)
	}

}

func targetsOf(t *testing.T, addr string) []types.TargetAddress {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return []types.TargetAddress{{Ip: aws.String(host), Port: aws.Int32(int32(p))}}
}
