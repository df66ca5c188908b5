// Package regions_test runs one server as several AWS regions: the region
// in each request's signature selects which region's resources it sees.
package regions_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/smithy-go"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

const tokyoRegion = "ap-northeast-1"

// TestTwoRegions: resources made in ap-northeast-1 are listed there and
// not in us-east-1 (and the other way round), their ARNs name their
// region, the quick start's stack deployed in ap-northeast-1 answers at
// its regional host name (and the short one), and after a restart the
// region is still there with its tasks re-adopted, not taken for orphans.
func TestTwoRegions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quick start's tasks")
	}
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	dir := t.TempDir()
	start := func() *servertest.Env {
		return servertest.Start(t, func(c *server.Config) {
			c.DataDir = dir
			c.Images = map[string]string{"app": app}
		})
	}
	env := start()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	east := env.AWS
	tokyo := env.AWS.Copy()
	tokyo.Region = tokyoRegion

	// The same names in both regions are different resources.
	for _, cfg := range []aws.Config{east, tokyo} {
		if _, err := ecs.NewFromConfig(cfg).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cwl.NewFromConfig(cfg).CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/shared")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ecs.NewFromConfig(tokyo).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("tokyo-only")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sd.NewFromConfig(tokyo).CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("tokyo.local")}); err != nil {
		t.Fatal(err)
	}
	wantClusters(t, ctx, east, "us-east-1", "dev")
	wantClusters(t, ctx, tokyo, tokyoRegion, "dev", "tokyo-only")
	wantNamespaces(t, ctx, east, "us-east-1")
	wantNamespaces(t, ctx, tokyo, tokyoRegion, "tokyo.local")
	groups, err := cwl.NewFromConfig(tokyo).DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil || len(groups.LogGroups) != 1 || !strings.Contains(*groups.LogGroups[0].Arn, ":logs:"+tokyoRegion+":") {
		t.Fatalf("log groups in %s: %+v %v", tokyoRegion, groups, err)
	}

	// A region that is not one is refused before anything changes.
	moon := env.AWS.Copy()
	moon.Region = "moon-base-1"
	rev := env.Server.StoreRevision()
	_, err = ecs.NewFromConfig(moon).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("x")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" || !strings.Contains(api.ErrorMessage(), "valid region") {
		t.Fatalf("a request scoped to moon-base-1: %v", err)
	}
	if env.Server.StoreRevision() != rev {
		t.Fatal("a refused request changed the store")
	}

	apiURL := deployQuickstart(t, ctx, tokyo)
	if !strings.Contains(apiURL, ".execute-api."+tokyoRegion+".localhost:") {
		t.Fatalf("the API's endpoint %s does not name its region", apiURL)
	}
	short := strings.Replace(apiURL, ".execute-api."+tokyoRegion+".", ".execute-api.", 1)
	callAPI(t, env.Server.GatewayAddr(), apiURL+"/hello", "Hello from the quickstart")
	callAPI(t, env.Server.GatewayAddr(), short+"/hello", "Hello from the quickstart")
	// The DNS server answers the region's namespace: an SRV record per task.
	running := runningTasks(t, ctx, tokyo)
	waitAnswers(t, env.Server.DNSAddr(), "hello.quickstart.local.", dns.TypeSRV, len(running))
	stacks, err := cfn.NewFromConfig(east).DescribeStacks(ctx, &cfn.DescribeStacksInput{})
	if err != nil || len(stacks.Stacks) != 0 {
		t.Fatalf("stacks in us-east-1: %+v %v", stacks, err)
	}

	// After a restart the region is there, and so are its tasks: the
	// same ones, re-adopted by the region's agent, not taken for orphans
	// by the home region's and replaced.
	before := runningTasks(t, ctx, tokyo)
	env.Stop()
	env = start()
	tokyo.BaseEndpoint = aws.String(env.URL)
	wantClusters(t, ctx, tokyo, tokyoRegion, "dev", "quickstart", "tokyo-only")
	if after := runningTasks(t, ctx, tokyo); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("running tasks before a restart %v, after %v", before, after)
	}
	callAPI(t, env.Server.GatewayAddr(), strings.Replace(apiURL, portOf(apiURL), portOf("http://"+env.Server.GatewayAddr()), 1)+"/hello", "Hello from the quickstart")
}

// waitAnswers waits until the DNS server at addr answers name with n
// records of type qtype.
func waitAnswers(t *testing.T, addr, name string, qtype uint16, n int) {
	t.Helper()
	var last []dns.RR
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		in, err := dns.Exchange(m, addr)
		if err == nil {
			if last = in.Answer; len(last) == n {
				return
			}
		}
	}
	t.Fatalf("%s at %s: %v, want %d %s records", name, addr, last, n, dns.TypeToString[qtype])
}

// runningTasks lists the quick start's tasks once as many are RUNNING
// as its service wants.
func runningTasks(t *testing.T, ctx context.Context, cfg aws.Config) []string {
	t.Helper()
	c := ecs.NewFromConfig(cfg)
	for ctx.Err() == nil {
		svc, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("quickstart"), Services: []string{"hello"}})
		if err != nil || len(svc.Services) != 1 {
			t.Fatalf("the quick start's service: %+v %v", svc, err)
		}
		out, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("quickstart"), DesiredStatus: "RUNNING"})
		if err != nil {
			t.Fatal(err)
		}
		var running []string
		if len(out.TaskArns) > 0 {
			d, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("quickstart"), Tasks: out.TaskArns})
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range d.Tasks {
				if aws.ToString(task.LastStatus) == "RUNNING" {
					running = append(running, *task.TaskArn)
				}
				// The zone of the node it was placed on, in its region.
				if az := aws.ToString(task.AvailabilityZone); az != cfg.Region+"a" {
					t.Fatalf("task %s in zone %q, want %sa", *task.TaskArn, az, cfg.Region)
				}
			}
		}
		if want := int(svc.Services[0].DesiredCount); want > 0 && len(running) == want && len(out.TaskArns) == want {
			slices.Sort(running)
			return running
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(ctx.Err())
	return nil
}

func wantClusters(t *testing.T, ctx context.Context, cfg aws.Config, region string, names ...string) {
	t.Helper()
	out, err := ecs.NewFromConfig(cfg).ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, arn := range out.ClusterArns {
		if !strings.HasPrefix(arn, "arn:aws:ecs:"+region+":") {
			t.Errorf("cluster ARN %s listed in %s", arn, region)
		}
		got = append(got, arn[strings.LastIndexByte(arn, '/')+1:])
	}
	slices.Sort(got)
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("clusters in %s: %v, want %v", region, got, names)
	}
}

func wantNamespaces(t *testing.T, ctx context.Context, cfg aws.Config, region string, names ...string) {
	t.Helper()
	out, err := sd.NewFromConfig(cfg).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ns := range out.Namespaces {
		if !strings.HasPrefix(*ns.Arn, "arn:aws:servicediscovery:"+region+":") {
			t.Errorf("namespace ARN %s listed in %s", *ns.Arn, region)
		}
		got = append(got, *ns.Name)
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("namespaces in %s: %v, want %v", region, got, names)
	}
}

// deployQuickstart creates the quick start's stack through CloudFormation's
// API and returns its ApiUrl output once it is CREATE_COMPLETE.
func deployQuickstart(t *testing.T, ctx context.Context, cfg aws.Config) string {
	t.Helper()
	body, err := os.ReadFile("../../../examples/quickstart/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := cfn.NewFromConfig(cfg)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("quickstart"), TemplateBody: aws.String(string(body)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("quickstart")})
		if err != nil {
			t.Fatal(err)
		}
		switch st := out.Stacks[0]; st.StackStatus {
		case cfntypes.StackStatusCreateComplete:
			if !strings.Contains(*st.StackId, ":cloudformation:"+cfg.Region+":") {
				t.Fatalf("stack id %s", *st.StackId)
			}
			for _, o := range st.Outputs {
				if *o.OutputKey == "ApiUrl" {
					return *o.OutputValue
				}
			}
			t.Fatalf("no ApiUrl output: %+v", st.Outputs)
		case cfntypes.StackStatusCreateInProgress:
			time.Sleep(200 * time.Millisecond)
		default:
			e := ecs.NewFromConfig(cfg)
			tasks, _ := e.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("quickstart"), DesiredStatus: "STOPPED"})
			if tasks != nil && len(tasks.TaskArns) > 0 {
				d, _ := e.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("quickstart"), Tasks: tasks.TaskArns})
				for _, task := range d.Tasks {
					t.Logf("stopped task: %s %s", aws.ToString(task.StoppedReason), aws.ToString(task.Containers[0].Reason))
				}
			}
			t.Fatalf("stack %s: %s", st.StackStatus, aws.ToString(st.StackStatusReason))
		}
	}
	t.Fatal(ctx.Err())
	return ""
}

// callAPI GETs u through the gateway at gw (whatever u's host resolves
// to), until it answers 200 with want in its body.
func callAPI(t *testing.T, gw, u, want string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, gw)
		}}}
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(u)
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = resp.Status + " " + string(b); resp.StatusCode == http.StatusOK && strings.Contains(string(b), want) {
			return
		}
	}
	t.Fatalf("GET %s: %s, want 200 with %q", u, last, want)
}

func portOf(u string) string {
	p, _ := url.Parse(u)
	return ":" + p.Port()
}

// TestBoto3TwoRegions: boto3, with its own signer and region handling,
// sees each region's resources in that region only, with that region in
// their ARNs.
func TestBoto3TwoRegions(t *testing.T) {
	env := servertest.Start(t)
	out := awstest.Boto3(t, "testdata/boto3-regions.py", "ENDPOINT="+env.URL)
	var got struct {
		Clusters, Namespaces map[string][]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	for region, cluster := range map[string]string{"us-east-1": "boto-east", tokyoRegion: "boto-tokyo"} {
		want := "arn:aws:ecs:" + region + ":000000000000:cluster/" + cluster
		if arns := got.Clusters[region]; len(arns) != 1 || arns[0] != want {
			t.Errorf("clusters listed in %s: %v, want %s", region, arns, want)
		}
	}
	if len(got.Namespaces["us-east-1"]) != 0 {
		t.Errorf("namespaces listed in us-east-1: %v, want none", got.Namespaces["us-east-1"])
	}
	if ns := got.Namespaces[tokyoRegion]; len(ns) != 1 || !strings.HasPrefix(ns[0], "arn:aws:servicediscovery:ap-northeast-1:000000000000:namespace/ns-") {
		t.Errorf("namespaces listed in %s: %v", tokyoRegion, ns)
	}

	// A reset empties every region, and the regions go on serving.
	resp, err := http.Post(env.URL+"/_portolan/reset", "application/json", nil)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
	ctx := context.Background()
	tokyo := env.AWS.Copy()
	tokyo.Region = tokyoRegion
	wantClusters(t, ctx, tokyo, tokyoRegion)
	wantNamespaces(t, ctx, tokyo, tokyoRegion)
	if _, err := ecs.NewFromConfig(tokyo).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("after-reset")}); err != nil {
		t.Fatal(err)
	}
	wantClusters(t, ctx, tokyo, tokyoRegion, "after-reset")
}

// TestLoadBalancersApart: regions share the machine, so their load
// balancers take addresses from ranges apart and can all listen.
func TestLoadBalancersApart(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	addrs := map[string]string{}
	for _, region := range []string{"us-east-1", tokyoRegion, "eu-west-1"} {
		cfg := env.AWS.Copy()
		cfg.Region = region
		subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
		if err != nil || len(subnets.Subnets) < 2 {
			t.Fatalf("default subnets in %s: %+v %v", region, subnets, err)
		}
		lb, err := elb.NewFromConfig(cfg).CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: elbtypes.LoadBalancerTypeEnumNetwork,
			Subnets: []string{*subnets.Subnets[0].SubnetId, *subnets.Subnets[1].SubnetId}})
		if err != nil {
			t.Fatal(err)
		}
		arn := *lb.LoadBalancers[0].LoadBalancerArn
		if !strings.HasPrefix(arn, "arn:aws:elasticloadbalancing:"+region+":") {
			t.Errorf("load balancer ARN %s in %s", arn, region)
		}
		addr := aws.ToString(lb.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress)
		for other, a := range addrs {
			if a == addr {
				t.Errorf("the load balancers of %s and %s share the address %s", other, region, addr)
			}
		}
		addrs[region] = addr
	}
}

// TestRestAPIInARegion: a REST API made in ap-northeast-1 answers through
// the gateway's one listener at its regional host name and the short one,
// and is not one of us-east-1's.
func TestRestAPIInARegion(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	tokyo := env.AWS.Copy()
	tokyo.Region = tokyoRegion
	c := apigateway.NewFromConfig(tokyo)
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	id, root := api.Id, api.RootResourceId
	steps := []func() error{
		func() error {
			_, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
			return err
		},
		func() error {
			_, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
			return err
		},
		func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String("GET"), Type: agtypes.IntegrationTypeMock,
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
			return err
		},
		func() error {
			_, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: root, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
				ResponseTemplates: map[string]string{"application/json": `{"region": "tokyo"}`}})
			return err
		},
		func() error {
			_, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod")})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	gw := env.Server.GatewayAddr()
	port := portOf("http://" + gw)
	callAPI(t, gw, "http://"+*id+".execute-api."+tokyoRegion+".localhost"+port+"/prod/", `"region": "tokyo"`)
	callAPI(t, gw, "http://"+*id+".execute-api.localhost"+port+"/prod/", `"region": "tokyo"`)
	if _, err := apigateway.NewFromConfig(env.AWS).GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: id}); err == nil {
		t.Fatal("ap-northeast-1's REST API is found in us-east-1")
	}
}

// TestCognitoEndpointsPerRegion: a user pool made in ap-northeast-1 has
// its key set at cognito-idp.ap-northeast-1.localhost, as AWS's is at
// the region's own host, and is unknown at us-east-1's.
func TestCognitoEndpointsPerRegion(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	tokyo := env.AWS.Copy()
	tokyo.Region = tokyoRegion
	pool, err := cognitoidentityprovider.NewFromConfig(tokyo).CreateUserPool(ctx, &cognitoidentityprovider.CreateUserPoolInput{PoolName: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	id := *pool.UserPool.Id
	if !strings.HasPrefix(id, tokyoRegion+"_") {
		t.Errorf("pool id %s is not of %s", id, tokyoRegion)
	}
	get := func(region string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/"+id+"/.well-known/jwks.json", nil)
		req.Host = "cognito-idp." + region + ".localhost" + portOf(env.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(tokyoRegion); code != http.StatusOK || !strings.Contains(body, `"keys"`) {
		t.Fatalf("the pool's key set in its region: %d %s", code, body)
	}
	if code, body := get("us-east-1"); code != http.StatusNotFound {
		t.Fatalf("the pool's key set at us-east-1's host: %d %s, want 404", code, body)
	}
}
