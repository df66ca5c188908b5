package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestLoadBalancerDNSName: a load balancer created through the SDK gets a
// DNSName that the server's DNS port resolves, authoritatively, to the
// address DescribeLoadBalancers reports; once deleted, the name is no
// longer ours (forwarded like the rest of amazonaws.com). No listener is
// created, so nothing binds the load balancers' default address range.
func TestLoadBalancerDNSName(t *testing.T) {
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := elb.NewFromConfig(env.AWS)
	created, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.LoadBalancers[0].LoadBalancerArn
	out, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{*arn}})
	if err != nil {
		t.Fatal(err)
	}
	lb := out.LoadBalancers[0]
	want := aws.ToString(lb.AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address)
	name := aws.ToString(lb.DNSName)
	if want == "" || name == "" {
		t.Fatalf("DescribeLoadBalancers: no address or DNSName: %+v", lb)
	}

	dnsAddr := env.Server.DNSAddr()
	resolve := func(name string) (*dns.Msg, error) {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		r, _, err := (&dns.Client{Net: "udp", Timeout: 3 * time.Second}).ExchangeContext(ctx, m, dnsAddr)
		return r, err
	}
	var got []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r, err := resolve(name)
		if err != nil {
			t.Fatalf("resolve %s: %v", name, err)
		}
		got = got[:0]
		for _, rr := range r.Answer {
			if a, ok := rr.(*dns.A); ok {
				got = append(got, a.A.String())
			}
		}
		if r.Authoritative && r.Rcode == dns.RcodeSuccess && len(got) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if !slices.Equal(got, []string{want}) {
		t.Fatalf("%s resolves to %v, want [%s] (DescribeLoadBalancers)", name, got, want)
	}

	// An ALB's name (internal-web-alb-<digits>.<region>.elb.amazonaws.com)
	// resolves too, to an address of its own.
	alb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web-alb"), Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	albName := aws.ToString(alb.LoadBalancers[0].DNSName)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r, err := resolve(albName)
		if err == nil && r.Authoritative && len(r.Answer) == 1 {
			if a, ok := r.Answer[0].(*dns.A); !ok || a.A.String() == want {
				t.Fatalf("%s resolves to %v, want an address of its own", albName, r.Answer)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not resolve: %v %v", albName, r, err)
		}
	}

	if _, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: arn}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		// Forwarded to the host's resolvers: whatever they say (or a
		// timeout, offline) is not an authoritative answer of ours, which
		// would come at once.
		if r, err := resolve(name); err != nil || !r.Authoritative {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answered authoritatively after DeleteLoadBalancer", name)
		}
	}
}
