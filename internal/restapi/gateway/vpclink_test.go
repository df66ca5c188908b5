package gateway_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// TestVPCLink: an HTTP_PROXY integration through a VPC link is sent to
// the link's Network Load Balancer at the URI's port (the URI's host, the
// NLB's DNS name, is the Host header), so the traffic crosses the NLB's
// own data plane and reaches both of its targets; the greedy path goes
// through. Kept-alive connections are reused. timeoutInMillis answers 504
// Endpoint request timed out. A link given by ${stageVariables.vpcLinkId}
// resolves per stage; a deleted load balancer answers 500.
func TestVPCLink(t *testing.T) {
	f := newFixture(t)
	a, b := newBackend(t, "a"), newBackend(t, "b")
	lbArn, dns := f.nlb("web", 18080, a, b)
	link := f.vpcLink("web", lbArn)

	api, root := f.api("pets", false, "")
	px := f.resource(api, root, "{proxy+}")
	in := proxy("http://" + dns + ":18080/{proxy}")
	in.ConnectionType, in.ConnectionId, in.TimeoutInMillis = agtypes.ConnectionTypeVpcLink, aws.String("${stageVariables.vpcLinkId}"), aws.Int32(300)
	f.method(api, px, "ANY", false, "", in)
	for _, stage := range []string{"prod", "broken"} {
		id := link
		if stage == "broken" {
			id = "nosuch"
		}
		_, err := f.agw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &api, StageName: aws.String(stage),
			Variables: map[string]string{"vpcLinkId": id}})
		f.check(err)
	}
	f.sync()

	for i := 0; i < 40; i++ {
		r := f.do("GET", f.host(api), "/prod/pets/"+strconv.Itoa(i)+"?q=1", nil, "")
		if r.status != 200 || r.seen == nil {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		if r.seen.URI != "/pets/"+strconv.Itoa(i)+"?q=1" || r.seen.Host != dns+":18080" {
			t.Fatalf("backend saw %s with Host %s", r.seen.URI, r.seen.Host)
		}
	}
	if d := f.gw.UpstreamDials(); d != 1 {
		t.Errorf("%d upstream connections for sequential requests, want 1 kept alive", d)
	}
	// The NLB balances connections over its targets: requests at once
	// open several, which reach both.
	for round := 0; a.hits.Load() == 0 || b.hits.Load() == 0; round++ {
		if round == 20 {
			t.Fatalf("one target got nothing: a %d, b %d", a.hits.Load(), b.hits.Load())
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if r := f.do("POST", f.host(api), "/prod/x", http.Header{"X-Sleep": {"20"}}, "{}"); r.status != 200 {
					t.Errorf("%d %s", r.status, r.body)
				}
			})
		}
		wg.Wait()
	}

	r := f.do("GET", f.host(api), "/prod/slow", http.Header{"X-Sleep": {"2000"}}, "")
	if r.status != 504 || r.body != `{"message": "Endpoint request timed out"}` || r.header.Get("X-Amzn-Errortype") != "InternalServerErrorException" {
		t.Fatalf("timeout: %d %s %v", r.status, r.body, r.header)
	}
	const internal = `{"message": "Internal server error"}`
	if r := f.do("GET", f.host(api), "/broken/pets", nil, ""); r.status != 500 || r.body != internal {
		t.Fatalf("unknown VPC link: %d %s", r.status, r.body)
	}
	_, err := f.lbc.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: &lbArn})
	f.check(err)
	f.sync()
	if r := f.do("GET", f.host(api), "/prod/pets", nil, ""); r.status != 500 || r.body != internal {
		t.Fatalf("deleted load balancer: %d %s", r.status, r.body)
	}
}
