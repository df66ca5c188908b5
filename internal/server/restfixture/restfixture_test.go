// Package restfixture_test deploys the CDK shape of a private REST API
// end to end: apart from internal/server's tests for its length.
package restfixture_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// TestPrivateRestAPIFixture deploys the CDK shape of a private REST API
// (VPC link to an NLB in front of a Fargate service, an execute-api VPC
// endpoint, a resource policy allowing that endpoint only) unchanged, with
// its image mapped to the test app: the stack's RestApiEndpoint output
// (https://{api}-{vpce}.execute-api.REGION.amazonaws.com/prod/) answers
// through the gateway from the tasks, the console shows the chain with
// the method's rate, the public host and another endpoint are refused,
// and the stack destroys clean, taking the API with it.
func TestPrivateRestAPIFixture(t *testing.T) {
	// The quickstart app answers every path (the fixture checks /health)
	// with the path it got and the task that answered.
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	tpl, err := os.ReadFile("../../stack/testdata/private-restapi-nlb-fargate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, func(c *server.Config) { c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.200.128/25") })
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "PrivateRestApi", Template: tpl,
		Images: map[string]string{"example/web:latest": app}}, func(stack.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	api, vpce := st.Resources["RestApi0C43BF4B"].PhysicalID, st.Resources["VpcExecuteApiEndpoint5F1C2D0B"].PhysicalID
	endpoint := ""
	for _, o := range st.Outputs {
		if o.Name == "RestApiEndpoint" {
			endpoint = o.Value
		}
	}
	if want := "https://" + api + "-" + vpce + ".execute-api.us-east-1.amazonaws.com/prod/"; endpoint != want {
		t.Fatalf("RestApiEndpoint %q, want %q", endpoint, want)
	}

	// The output, curl-able: http, at the gateway's address (the name is
	// what Portolan's DNS resolves to it).
	gw := env.Server.GatewayAddr()
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(host, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "GET", "http://"+gw+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(endpoint, "https://"), "/prod/") + ":" + portOf(gw)
	// The tasks answer once their targets are in the NLB.
	for {
		status, body := get(host, "/prod/pets/7")
		if status == 200 && strings.Contains(body, `"path":"/pets/7"`) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the endpoint never answered from the tasks: %d %s", status, body)
		case <-time.After(100 * time.Millisecond):
		}
	}
	consoleShowsRestAPI(t, env, api, gw, host, "/prod/pets/7")
	if status, body := get(api+".execute-api.localhost", "/prod/message"); status != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("public host: %d %s", status, body)
	}
	other, err := ec2sdk.NewFromConfig(env.AWS).CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: aws.String("vpc-0bbbbbbb"),
		VpcEndpointType: "Interface", ServiceName: aws.String("com.amazonaws." + awstest.Region + ".execute-api"), SubnetIds: []string{"subnet-0b1b2b3b"}})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(api+"-"+aws.ToString(other.VpcEndpoint.VpcEndpointId)+".execute-api.localhost", "/prod/message"); status != 403 ||
		!strings.Contains(body, "with an explicit deny") {
		t.Errorf("another endpoint: %d %s", status, body)
	}

	if err := env.Server.Stacks.Destroy(ctx, "PrivateRestApi", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := env.Server.RestGateway.Sync(sctx); err != nil {
		t.Fatal(err)
	}
	if status, body := get(host, "/prod/message"); status != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("after destroy: %d %s", status, body)
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// consoleShowsRestAPI reads the console's event stream while requests go
// to the REST API through the gateway (at gw, with the Host header host
// and path), until a view shows a method of the API going through a VPC
// link to a Network Load Balancer whose target group holds targets, and
// a non-zero rate on that method.
func consoleShowsRestAPI(t *testing.T, env *servertest.Env, apiID, gw, host, path string) {
	t.Helper()
	servertest.ConsoleShows(t, env, "http://"+gw+path, host, "REST API "+apiID+"'s chain with a rate",
		func(v *admin.ConsoleView) bool { return restChainShown(v, apiID) })
}

func restChainShown(v *admin.ConsoleView, apiID string) bool {
	targets := map[string]int{} // by NLB ARN
	for _, lb := range v.Status.LoadBalancers {
		for _, l := range lb.Listeners {
			for _, g := range l.TargetGroups {
				if lb.Type == "network" {
					targets[lb.ARN] += len(g.Targets)
				}
			}
		}
	}
	for _, api := range v.Status.RestAPIs {
		if api.ID != apiID {
			continue
		}
		for _, m := range api.Methods {
			if m.VpcLink != "" && targets[m.LoadBalancer] > 0 && v.Rates.RestMethods[apiID+" "+m.Resource+" "+m.Method] > 0 {
				return true
			}
		}
	}
	return false
}
