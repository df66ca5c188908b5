package restapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func createLB(t *testing.T, e *restapitest.Env, name string, typ elbtypes.LoadBalancerTypeEnum) string {
	t.Helper()
	out := must[*elb.CreateLoadBalancerOutput](t)(e.ELBv2Client().CreateLoadBalancer(ctxT(t), &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Type: typ, Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-a", "subnet-b"}}))
	return aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
}

// awaitLink waits until the link leaves PENDING and returns it as the
// data plane sees it.
func awaitLink(t *testing.T, e *restapitest.Env, id string) *restapi.VpcLink {
	t.Helper()
	snap := e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool {
		l := s.VpcLink(id)
		return l != nil && l.Status != restapi.VpcLinkPending
	})
	return snap.VpcLink(id)
}

// availableLink creates an NLB and a VPC link to it, and waits until the
// link is AVAILABLE.
func availableLink(t *testing.T, e *restapitest.Env, name string) string {
	t.Helper()
	arn := createLB(t, e, name, elbtypes.LoadBalancerTypeEnumNetwork)
	out := must[*apigateway.CreateVpcLinkOutput](t)(e.Client().CreateVpcLink(ctxT(t), &apigateway.CreateVpcLinkInput{Name: aws.String(name), TargetArns: []string{arn}}))
	if l := awaitLink(t, e, aws.ToString(out.Id)); l.Status != restapi.VpcLinkAvailable {
		t.Fatalf("link to an existing NLB is %s: %s", l.Status, l.StatusMessage)
	}
	return aws.ToString(out.Id)
}

func TestVpcLinks(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	nlb := createLB(t, e, "front", elbtypes.LoadBalancerTypeEnumNetwork)
	out := must[*apigateway.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctxT(t), &apigateway.CreateVpcLinkInput{
		Name: aws.String("front"), Description: aws.String("to the NLB"), TargetArns: []string{nlb}, Tags: map[string]string{"k": "v"}}))
	if out.Status != types.VpcLinkStatusPending || len(out.TargetArns) != 1 {
		t.Fatalf("CreateVpcLink answered %+v, want PENDING", out)
	}
	id := aws.ToString(out.Id)
	if l := awaitLink(t, e, id); l.Status != restapi.VpcLinkAvailable || l.TargetArns[0] != nlb {
		t.Fatalf("link %+v, want AVAILABLE", l)
	}
	got := must[*apigateway.GetVpcLinkOutput](t)(c.GetVpcLink(ctxT(t), &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(id)}))
	if got.Status != types.VpcLinkStatusAvailable || aws.ToString(got.StatusMessage) == "" || got.Tags["k"] != "v" {
		t.Fatalf("GetVpcLink answered %+v", got)
	}

	// A link to a load balancer that does not exist fails, with a reason.
	gone := "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/gone/0123456789abcdef"
	failed := must[*apigateway.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctxT(t), &apigateway.CreateVpcLinkInput{Name: aws.String("gone"), TargetArns: []string{gone}}))
	if l := awaitLink(t, e, aws.ToString(failed.Id)); l.Status != restapi.VpcLinkFailed || !strings.Contains(l.StatusMessage, gone) {
		t.Fatalf("link to a missing NLB: %+v, want FAILED naming it", l)
	}

	alb := createLB(t, e, "web", elbtypes.LoadBalancerTypeEnumApplication)
	for _, tc := range []struct {
		name    string
		in      apigateway.CreateVpcLinkInput
		message string
	}{
		{"two targets", apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{nlb, nlb}}, "exactly one target"},
		{"no target", apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{}}, "exactly one target"},
		{"an ALB", apigateway.CreateVpcLinkInput{Name: aws.String("x"), TargetArns: []string{alb}}, "not a Network Load Balancer"},
		{"no name", apigateway.CreateVpcLinkInput{Name: aws.String(""), TargetArns: []string{nlb}}, "name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, "BadRequestException", tc.message, func() error { _, err := c.CreateVpcLink(ctxT(t), &tc.in); return err })
		})
	}

	upd := must[*apigateway.UpdateVpcLinkOutput](t)(c.UpdateVpcLink(ctxT(t), &apigateway.UpdateVpcLinkInput{VpcLinkId: aws.String(id),
		PatchOperations: patch("replace", "/name", "renamed")}))
	if aws.ToString(upd.Name) != "renamed" {
		t.Fatalf("UpdateVpcLink answered %+v", upd)
	}
	unchanged(t, e, "BadRequestException", "Invalid patch path", func() error {
		_, err := c.UpdateVpcLink(ctxT(t), &apigateway.UpdateVpcLinkInput{VpcLinkId: aws.String(id), PatchOperations: patch("replace", "/targetArns", nlb)})
		return err
	})
	list := must[*apigateway.GetVpcLinksOutput](t)(c.GetVpcLinks(ctxT(t), &apigateway.GetVpcLinksInput{}))
	if len(list.Items) != 2 {
		t.Fatalf("GetVpcLinks listed %d links, want 2", len(list.Items))
	}

	// A link an integration uses cannot go.
	api, root := newAPI(t, c, "user")
	must[*apigateway.PutMethodOutput](t)(c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}))
	must[*apigateway.PutIntegrationOutput](t)(c.PutIntegration(ctxT(t), &apigateway.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("http://front:80/"), ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String(id)}))
	unchanged(t, e, "BadRequestException", "Cannot delete vpc link. Vpc link '"+id+"', is referenced in [GET:"+root+"]", func() error {
		_, err := c.DeleteVpcLink(ctxT(t), &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(id)})
		return err
	})
	must[*apigateway.DeleteVpcLinkOutput](t)(c.DeleteVpcLink(ctxT(t), &apigateway.DeleteVpcLinkInput{VpcLinkId: failed.Id}))
	unchanged(t, e, "NotFoundException", "", func() error {
		_, err := c.GetVpcLink(ctxT(t), &apigateway.GetVpcLinkInput{VpcLinkId: failed.Id})
		return err
	})
}
