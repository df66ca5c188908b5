package server_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestRestAPIWired checks the server's wiring of API Gateway v1: its
// operations share the endpoint with apigatewayv2 (signed by the same
// name), a VPC link finds its NLB in ELBv2 and becomes AVAILABLE, and the
// server hands out the REST API view.
func TestRestAPIWired(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) {
		c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.190.0/24")
		c.AccessKeyID, c.SecretAccessKey = "AKIDREST", "rest-secret"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v1, v2 := apigateway.NewFromConfig(env.AWS), apigatewayv2.NewFromConfig(env.AWS)
	rest, err := v1.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("v2"), ProtocolType: "HTTP"}); err != nil {
		t.Fatal(err)
	}
	if out, err := v1.GetRestApis(ctx, &apigateway.GetRestApisInput{}); err != nil || len(out.Items) != 1 {
		t.Fatalf("GetRestApis: %v, %v; want the one REST API only", out, err)
	}
	lb, err := elb.NewFromConfig(env.AWS).CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("front"),
		Type: elbtypes.LoadBalancerTypeEnumNetwork, Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	link, err := v1.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("front"), TargetArns: []string{aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)}})
	if err != nil {
		t.Fatal(err)
	}
	view := env.Server.RestAPI.View()
	for {
		changed := view.Changed()
		s := view.Snapshot()
		if l := s.VpcLink(aws.ToString(link.Id)); s.API(aws.ToString(rest.Id)) != nil && l != nil && l.Status == restapi.VpcLinkAvailable {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("the REST API view never showed the API and an AVAILABLE link")
		}
	}
}
