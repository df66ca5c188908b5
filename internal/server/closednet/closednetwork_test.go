package closednet_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestClosedNetworkPath is the closed-network reference design end to
// end, from the host: a PRIVATE REST API associated with an execute-api
// VPC endpoint whose private DNS is off, a resource policy that denies
// every call not through that endpoint, and a private hosted zone named
// for the API with an alias A record to the endpoint. A client in a peered
// VPC resolves the API's name through Portolan's DNS (as through a Route 53
// Resolver inbound endpoint) and calls it with curl --resolve: the call
// reaches the backend through the endpoint, except under /admin, which
// the policy denies to every caller. The same call to the public local
// host is refused too: a private API answers only through an endpoint.
// TestClosedNetworkFromTask (closednetwork_docker_test.go) is the same
// path from a task container.
func TestClosedNetworkPath(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s via %s", r.URL.Path, r.Header.Get("X-Amzn-Vpce-Id"))
	}))
	defer backend.Close()

	vpce, apiID, name := closedAPI(ctx, t, env, backend.URL)
	addr := resolveA(ctx, t, env.Server.DNSAddr(), name)
	gatewayIP, port, _ := net.SplitHostPort(env.Server.GatewayAddr())
	if addr != gatewayIP {
		t.Fatalf("%s resolved to %s, want the endpoint's (the gateway's) %s", name, addr, gatewayIP)
	}

	callPath := func(host, path string) string {
		t.Helper()
		b, err := exec.CommandContext(ctx, curl, "-s", "-w", " %{http_code}", "--resolve", host+":"+port+":"+addr,
			"http://"+host+":"+port+path).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s: %v %s", host, err, b)
		}
		return string(b)
	}
	call := func(host string) string { t.Helper(); return callPath(host, "/prod/orders/42") }
	if got, want := call(name), "backend /orders/42 via "+vpce+" 200"; got != want {
		t.Fatalf("through the alias: %q, want %q", got, want)
	}
	if got := call(apiID + ".execute-api.localhost"); !strings.HasSuffix(got, " 403") {
		t.Fatalf("on the public host: %q, want 403", got)
	}
	if got := callPath(name, "/prod/admin/keys"); !strings.Contains(got, "with an explicit deny") || !strings.HasSuffix(got, " 403") {
		t.Fatalf("through the alias, a path the policy denies: %q, want 403 with an explicit deny", got)
	}
}

// privateAPI creates a PRIVATE REST API associated with vpce, whose policy
// denies calls from anywhere else, and calls under /admin from anywhere,
// with a {proxy+} method proxying to backend, deployed to stage prod; it
// returns the API's id.
func privateAPI(ctx context.Context, t *testing.T, agw *apigateway.Client, vpce, backend string) string {
	t.Helper()
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"` + vpce + `"}}},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/admin/*"},
	 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	api, err := agw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("closed"), Policy: aws.String(policy),
		EndpointConfiguration: &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{agtypes.EndpointTypePrivate}, VpcEndpointIds: []string{vpce}}})
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := agw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"),
		AuthorizationType: aws.String("NONE"), RequestParameters: map[string]bool{"method.request.path.proxy": true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := agw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"),
		Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(backend + "/{proxy}"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := agw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(api.Id)
}

// aliasToEndpoint creates a private hosted zone for name with an alias A
// record to the endpoint's DNS entry, and waits for the change to be
// INSYNC (served).
func aliasToEndpoint(ctx context.Context, t *testing.T, r53 *route53.Client, name string, entry ec2types.DnsEntry) {
	t.Helper()
	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(name),
		VPC: &r53types.VPC{VPCId: aws.String("vpc-0peer"), VPCRegion: r53types.VPCRegionUsEast1}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{HostedZoneId: entry.HostedZoneId, DNSName: entry.DnsName}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		got, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err != nil {
			t.Fatal(err)
		}
		if got.ChangeInfo.Status == r53types.ChangeStatusInsync {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// resolveA asks the DNS server at server for name's A record and returns
// its one address.
func resolveA(ctx context.Context, t *testing.T, server, name string) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, _, err := (&dns.Client{Timeout: 3 * time.Second}).ExchangeContext(ctx, m, server)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Answer) != 1 {
		t.Fatalf("%s: %v", name, r.Answer)
	}
	a, ok := r.Answer[0].(*dns.A)
	if !ok {
		t.Fatalf("%s: %v", name, r.Answer)
	}
	return a.A.String()
}

// closedAPI is the closed-network design's API side: an execute-api VPC
// endpoint, a private REST API whose policy allows that endpoint (its
// integration backendURL), and a private hosted zone's alias A record for
// the API's regional name to the endpoint. It returns the endpoint's id,
// the API's id and its regional name.
func closedAPI(ctx context.Context, t *testing.T, env *servertest.Env, backendURL string) (vpce, apiID, name string) {
	t.Helper()
	out, err := ec2.NewFromConfig(env.AWS).CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-0a1b2c3d"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, ServiceName: aws.String("com.amazonaws.us-east-1.execute-api"),
		SubnetIds: []string{"subnet-0a1b2c3d"}, PrivateDnsEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	vpce, entry := aws.ToString(out.VpcEndpoint.VpcEndpointId), out.VpcEndpoint.DnsEntries[0]
	apiID = privateAPI(ctx, t, apigateway.NewFromConfig(env.AWS), vpce, backendURL)
	name = apiID + ".execute-api.us-east-1.amazonaws.com"
	aliasToEndpoint(ctx, t, route53.NewFromConfig(env.AWS), name, entry)
	return vpce, apiID, name
}
