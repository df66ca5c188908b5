package server_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestPrivateZoneAliasToVPCEndpoint is the DNS half of the closed-network
// design: a private hosted zone {apiId}.execute-api.us-east-1.amazonaws.com
// with an alias A record to an execute-api VPC endpoint's DNS name
// resolves, through Portolan's DNS, to the endpoint's address (the
// gateway's here), and follows the endpoint: once it is deleted, the
// alias answers nothing.
func TestPrivateZoneAliasToVPCEndpoint(t *testing.T) {
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vpce, err := ec2.NewFromConfig(env.AWS).CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-12345678"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, ServiceName: aws.String("com.amazonaws.us-east-1.execute-api"), SubnetIds: []string{"subnet-12345678"}})
	if err != nil {
		t.Fatal(err)
	}
	entry := vpce.VpcEndpoint.DnsEntries[0]
	r53 := route53.NewFromConfig(env.AWS)
	const name = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String("closed-network"),
		VPC: &r53types.VPC{VPCId: aws.String("vpc-peer"), VPCRegion: r53types.VPCRegionUsEast1}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{HostedZoneId: entry.HostedZoneId, DNSName: entry.DnsName}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err == nil && got.ChangeInfo.Status == r53types.ChangeStatusInsync {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("change not INSYNC: %v %v", got, err)
		}
	}
	gateway, _, _ := net.SplitHostPort(env.Server.GatewayAddr())
	resolve := func() []string {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		r, _, err := (&dns.Client{Timeout: 3 * time.Second}).ExchangeContext(ctx, m, env.Server.DNSAddr())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, rr := range r.Answer {
			out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
		}
		return out
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got := resolve()
		if len(got) == 1 && got[0] == gateway {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s resolves to %q, want the endpoint's %s", name, got, gateway)
		}
	}
	if _, err := ec2.NewFromConfig(env.AWS).DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(vpce.VpcEndpoint.VpcEndpointId)}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(resolve()) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the alias still answers %q after the endpoint is gone", resolve())
		}
	}
}
