package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestVPCEndpointDNSNames: an execute-api endpoint created through the SDK
// has DNS names the server's DNS port resolves, authoritatively, to the
// gateway's address (the endpoint's interfaces are the gateway here);
// once the endpoint is deleted, the names are no longer ours.
func TestVPCEndpointDNSNames(t *testing.T) {
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := ec2.NewFromConfig(env.AWS)
	out, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-12345678"), VpcEndpointType: types.VpcEndpointTypeInterface,
		ServiceName: aws.String("com.amazonaws.us-east-1.execute-api"), SubnetIds: []string{"subnet-12345678"}})
	if err != nil {
		t.Fatal(err)
	}
	gateway, _, _ := net.SplitHostPort(env.Server.GatewayAddr())
	resolve := func(name string) (*dns.Msg, error) {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		r, _, err := (&dns.Client{Net: "udp", Timeout: 3 * time.Second}).ExchangeContext(ctx, m, env.Server.DNSAddr())
		return r, err
	}
	// The DNS server picks names up from its own watch, a moment after
	// the create answers.
	waitResolves := func(name string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			r, err := resolve(name)
			if err != nil {
				t.Fatalf("resolve %s: %v", name, err)
			}
			if r.Authoritative && len(r.Answer) == 1 {
				if a, ok := r.Answer[0].(*dns.A); !ok || a.A.String() != gateway {
					t.Fatalf("%s: %v, want %s", name, r.Answer, gateway)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not resolve: %v", name, r)
			}
		}
	}
	// The regional name and the zonal one.
	for _, entry := range out.VpcEndpoint.DnsEntries[:2] {
		waitResolves(aws.ToString(entry.DnsName))
	}
	// A REST API's names through the endpoint: the alias host, and (private
	// DNS is on by default) the API's own execute-api name, as a task in
	// the VPC resolves them. The DNS table has no wildcard, so these come
	// from the list of APIs.
	api, err := apigateway.NewFromConfig(env.AWS).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("private"),
		EndpointConfiguration: &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{agtypes.EndpointTypePrivate}, VpcEndpointIds: []string{*out.VpcEndpoint.VpcEndpointId}}})
	if err != nil {
		t.Fatal(err)
	}
	waitResolves(*api.Id + "-" + *out.VpcEndpoint.VpcEndpointId + ".execute-api.us-east-1.amazonaws.com")
	waitResolves(*api.Id + ".execute-api.us-east-1.amazonaws.com")

	if _, err := c.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*out.VpcEndpoint.VpcEndpointId}}); err != nil {
		t.Fatal(err)
	}
	name := aws.ToString(out.VpcEndpoint.DnsEntries[0].DnsName)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if r, err := resolve(name); err != nil || !r.Authoritative {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answered authoritatively after DeleteVpcEndpoints", name)
		}
	}
}
