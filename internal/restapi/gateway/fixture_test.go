package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/gateway"
	"github.com/portolan/portolan/internal/restapi/restapitest"
	"github.com/portolan/portolan/internal/store"
)

// lbAddresses is this package's range of load balancer addresses (the
// server's REST API test has 127.0.200.128/25): test
// packages run at once and must not bind the same address and port.
var lbAddresses = netip.MustParsePrefix("127.0.200.0/25")

const account = "000000000000"

// fixture runs the REST API control plane, Elastic Load Balancing (with
// its data plane: NLBs really forward), EC2's VPC endpoints and the REST
// gateway on one bolt store, each on real loopback sockets.
type fixture struct {
	t       testing.TB
	gw      *gateway.Gateway
	port    string // the gateway's
	agw     *apigateway.Client
	lbc     *elb.Client
	ec2c    *ec2sdk.Client
	http    *http.Client
	logs    *buffer
	control *restapi.Control
	metrics *prometheus.Registry // the gateway's series (nil in benchmarks)
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	log := awstest.Logger()
	lbs := elbv2.New(elbv2.Config{Region: awstest.Region, AccountID: account, Store: st, Logger: log, Addresses: lbAddresses})
	apis := restapi.New(restapi.Config{Region: awstest.Region, AccountID: account, Store: st, Logger: log, LoadBalancers: restapitest.LoadBalancers{ELBv2: lbs}})
	eps := ec2.New(ec2.Config{Region: awstest.Region, AccountID: account, Store: st, Logger: log})
	mux := awsapi.NewMux(log)
	apis.Register(mux)
	lbs.Register(mux)
	eps.Register(mux)
	srv := awstest.Serve(t, mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	f := &fixture{t: t, port: port, logs: &buffer{}, control: apis}
	var accountThrottle gateway.Throttle
	var metrics prometheus.Registerer
	if _, bench := t.(*testing.B); bench {
		// A benchmark measures the gateway, not AWS's account quota (10,000
		// requests/s), which a fast enough host reaches.
		accountThrottle.Rate = -1
	} else {
		f.metrics = prometheus.NewPedanticRegistry()
		metrics = f.metrics
	}
	f.gw = gateway.New(gateway.Config{APIs: apis.View(), LoadBalancers: gateway.ELBLoadBalancers{View: lbs.View()},
		Endpoints: gateway.EC2Endpoints{View: eps.View(), Region: awstest.Region}, Region: awstest.Region, AccountID: account,
		AccessLog: f.logs, Logger: log, AccountThrottle: accountThrottle, Metrics: metrics})
	srv.Go("elbv2", lbs.Run)
	srv.Go("load balancers", dataplane.New(dataplane.Config{Control: lbs, Logger: log}).Run)
	srv.Go("restapi", apis.Run)
	srv.Go("ec2", eps.Run)
	srv.Go("gateway", f.gw.Run)
	srv.Go("gateway listener", func(ctx context.Context) error { return f.gw.Serve(ctx, ln) })
	stop := srv.StopOnce(st)
	t.Cleanup(stop)
	cfg := awstest.Config(srv.Endpoint, "test", "test")
	f.agw, f.lbc, f.ec2c = apigateway.NewFromConfig(cfg), elb.NewFromConfig(cfg), ec2sdk.NewFromConfig(cfg)
	f.http = &http.Client{Transport: awstest.Transport(), Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.gw.Ready(ctx); err != nil {
		t.Fatalf("gateway not ready: %v", err)
	}
	return f
}

var ctx = context.Background()

func (f *fixture) check(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// api creates a REST API (PRIVATE when private) and returns its id and
// root resource id.
func (f *fixture) api(name string, private bool, policy string) (string, string) {
	f.t.Helper()
	in := &apigateway.CreateRestApiInput{Name: aws.String(name)}
	if private {
		in.EndpointConfiguration = &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{agtypes.EndpointTypePrivate}}
	}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	out, err := f.agw.CreateRestApi(ctx, in)
	f.check(err)
	return aws.ToString(out.Id), aws.ToString(out.RootResourceId)
}

func (f *fixture) resource(api, parent, part string) string {
	f.t.Helper()
	out, err := f.agw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &api, ParentId: &parent, PathPart: &part})
	f.check(err)
	return aws.ToString(out.Id)
}

// method puts a method (authorization NONE unless auth is given) with
// integ as its integration.
func (f *fixture) method(api, res, verb string, keyRequired bool, auth string, integ *apigateway.PutIntegrationInput) {
	f.t.Helper()
	if auth == "" {
		auth = "NONE"
	}
	// The method declares every method.request parameter its integration
	// maps, as AWS requires.
	params := map[string]bool{}
	if integ != nil {
		for _, src := range integ.RequestParameters {
			if strings.HasPrefix(src, "method.request.") {
				params[src] = true
			}
		}
	}
	_, err := f.agw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb,
		AuthorizationType: &auth, ApiKeyRequired: keyRequired, RequestParameters: params})
	f.check(err)
	if integ != nil {
		integ.RestApiId, integ.ResourceId, integ.HttpMethod = &api, &res, &verb
		_, err = f.agw.PutIntegration(ctx, integ)
		f.check(err)
	}
}

// proxy is an HTTP_PROXY integration to uri, a {proxy} in it mapped
// from the method's proxy path parameter.
func proxy(uri string) *apigateway.PutIntegrationInput {
	in := &apigateway.PutIntegrationInput{Type: agtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"), Uri: &uri}
	if strings.Contains(uri, "{proxy}") {
		in.RequestParameters = map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}
	}
	return in
}

// deploy deploys the API to stage, then waits until the gateway serves it.
func (f *fixture) deploy(api, stage string) {
	f.t.Helper()
	_, err := f.agw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &api, StageName: &stage})
	f.check(err)
	f.sync()
}

func (f *fixture) sync() {
	f.t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	f.check(f.gw.Sync(c))
}

// result is a gateway answer.
type result struct {
	status int
	header http.Header
	body   string
	seen   *seen // what the backend saw, when one answered
}

// do sends a request to the gateway with the Host host.
func (f *fixture) do(method, host, path string, header http.Header, body string) result {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://127.0.0.1:"+f.port+"/", rd)
	f.check(err)
	req.URL.Opaque = path // as written: no cleaning, no escaping
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.http.Do(req)
	f.check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	var s seen
	if json.Unmarshal(b, &s) == nil && s.Backend != "" {
		r.seen = &s
	}
	return r
}

// host is the public host of an API.
func (f *fixture) host(api string) string { return api + ".execute-api.localhost:" + f.port }

// seen is what a backend received.
type seen struct {
	Backend string
	Method  string
	URI     string
	Host    string
	Header  http.Header
	Body    string
}

// backend is a loopback HTTP server that records requests. A request
// header X-Sleep (ms) delays the answer, X-Status chooses the status.
type backend struct {
	name string
	port int
	hits atomic.Int64
}

func newBackend(t testing.TB, name string) *backend {
	b := &backend{name: name}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.hits.Add(1)
		if d, err := strconv.Atoi(r.Header.Get("X-Sleep")); err == nil {
			select {
			case <-time.After(time.Duration(d) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		status := http.StatusOK
		if s, err := strconv.Atoi(r.Header.Get("X-Status")); err == nil {
			status = s
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", name)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(&seen{Backend: name, Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(), Body: string(body)})
	}))
	t.Cleanup(srv.Close)
	b.port = srv.Listener.Addr().(*net.TCPAddr).Port
	return b
}

// nlb creates a Network Load Balancer with a TCP listener on port
// forwarding to the backends, and returns its ARN and DNS name.
func (f *fixture) nlb(name string, port int32, backends ...*backend) (string, string) {
	f.t.Helper()
	lb, err := f.lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Type: elbtypes.LoadBalancerTypeEnumNetwork,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1", "subnet-2"}})
	f.check(err)
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	tg, err := f.lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumTcp,
		Port: aws.Int32(80), TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String("vpc-1")})
	f.check(err)
	tgArn := tg.TargetGroups[0].TargetGroupArn
	var targets []elbtypes.TargetDescription
	for _, b := range backends {
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(b.port))})
	}
	_, err = f.lbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgArn, Targets: targets})
	f.check(err)
	_, err = f.lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(port),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgArn}}})
	f.check(err)
	return aws.ToString(lbArn), aws.ToString(lb.LoadBalancers[0].DNSName)
}

// vpcLink creates a VPC link to the load balancer and waits until it is
// AVAILABLE.
func (f *fixture) vpcLink(name, lbArn string) string {
	f.t.Helper()
	out, err := f.agw.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: &name, TargetArns: []string{lbArn}})
	f.check(err)
	id := aws.ToString(out.Id)
	deadline := time.Now().Add(15 * time.Second)
	for {
		l, err := f.agw.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: &id})
		f.check(err)
		if l.Status == agtypes.VpcLinkStatusAvailable {
			return id
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("VPC link %s stays %s", id, l.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// endpoint creates an execute-api interface VPC endpoint in vpc.
func (f *fixture) endpoint(vpc string, privateDNS bool) string {
	f.t.Helper()
	out, err := f.ec2c.CreateVpcEndpoint(ctx, &ec2sdk.CreateVpcEndpointInput{VpcId: &vpc, VpcEndpointType: "Interface",
		ServiceName: aws.String("com.amazonaws." + awstest.Region + ".execute-api"), SubnetIds: []string{"subnet-0a1b2c3d"},
		PrivateDnsEnabled: aws.Bool(privateDNS)})
	f.check(err)
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// buffer is a goroutine-safe bytes.Buffer for access log lines.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.b.String()), "\n")
}
