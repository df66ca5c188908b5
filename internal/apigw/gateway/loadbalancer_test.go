package gateway_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// lbAddresses is this package's range of load balancer addresses: test
// packages run at once and must not bind the same address and port.
var lbAddresses = netip.MustParsePrefix("127.0.150.0/24")

// lbFixture is a fixture whose gateway follows a running Elastic Load
// Balancing control plane and data plane.
type lbFixture struct {
	*fixture
	elb   *elbv2test.Env
	lbc   *elb.Client
	roots *x509.CertPool // trusted by the gateway's https clients
}

func newLBFixture(t *testing.T) *lbFixture {
	e := elbv2test.Start(t, elbv2test.WithAddresses(lbAddresses), elbv2test.WithDataplane())
	roots := x509.NewCertPool()
	env := apigwtest.Start(t, func(c *gateway.Config) {
		c.LoadBalancers = e.Control.ListenerAddresses()
		c.TLSClientConfig = &tls.Config{RootCAs: roots}
	})
	return &lbFixture{fixture: fixtureFor(t, env), elb: e, lbc: e.Client(), roots: roots}
}

// listenerPort is port as in AWS when the test may bind it, else a high one.
func listenerPort(port, unprivileged int32) int32 {
	if os.Geteuid() == 0 {
		return port
	}
	return unprivileged
}

// loadBalancer creates a load balancer of typ.
func (f *lbFixture) loadBalancer(name string, typ types.LoadBalancerTypeEnum) string {
	f.t.Helper()
	out, err := f.lbc.CreateLoadBalancer(context.Background(), &elb.CreateLoadBalancerInput{Name: aws.String(name), Type: typ,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
}

// forward creates a target group of protocol with one target
// (127.0.0.1:port) and a listener of the same protocol on lb forwarding
// to it, and returns the listener's ARN.
func (f *lbFixture) forward(lb, name string, protocol types.ProtocolEnum, listenerPort int32, port int) string {
	f.t.Helper()
	ctx := context.Background()
	tg, err := f.lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: protocol,
		Port: aws.Int32(int32(port)), TargetType: types.TargetTypeEnumIp, VpcId: aws.String("vpc-1")})
	if err != nil {
		f.t.Fatal(err)
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn
	if _, err := f.lbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgArn,
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(port))}}}); err != nil {
		f.t.Fatal(err)
	}
	ln, err := f.lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Protocol: protocol, Port: aws.Int32(listenerPort),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tgArn}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(ln.Listeners[0].ListenerArn)
}

// lbAddress is the address of lb's listeners.
func (f *lbFixture) lbAddress(lb string) string {
	f.t.Helper()
	out, err := f.lbc.DescribeLoadBalancers(context.Background(), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb}})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address)
}

// listenerIntegration creates a private integration to an ELB listener
// through the fixture's VPC link.
func (f *lbFixture) listenerIntegration(arn string, params map[string]string, tlsConfig *agwtypes.TlsConfigInput) string {
	f.t.Helper()
	out, err := f.api.CreateIntegration(context.Background(), &agw.CreateIntegrationInput{ApiId: &f.apiID,
		IntegrationType: agwtypes.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		ConnectionType: agwtypes.ConnectionTypeVpcLink, ConnectionId: &f.link, IntegrationUri: &arn, RequestParameters: params, TlsConfig: tlsConfig})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.IntegrationId)
}

// A private integration to an NLB's TCP listener is served through the
// load balancer: the gateway sends to the listener's address and port,
// the NLB forwards to its target. Parameter mappings apply as for Cloud
// Map integrations; with a tlsConfig the gateway speaks TLS through the
// NLB (TCP passthrough) and verifies serverNameToVerify; a listener that
// does not exist, or no longer does, answers 500.
func TestLoadBalancerIntegration(t *testing.T) {
	f := newLBFixture(t)
	plain := newBackend(t, "nlb")
	secure := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", "tls")
		json.NewEncoder(w).Encode(&seen{Backend: "tls", URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone()})
	}))
	secure.StartTLS()
	t.Cleanup(secure.Close)
	f.roots.AddCert(secure.Certificate())

	lb := f.loadBalancer("web", types.LoadBalancerTypeEnumNetwork)
	port := listenerPort(80, 18080)
	tcp := f.forward(lb, "plain", types.ProtocolEnumTcp, port, plain.port)
	tlsTCP := f.forward(lb, "secure", types.ProtocolEnumTcp, listenerPort(443, 18443), secure.Listener.Addr().(*net.TCPAddr).Port)
	missing := tcp[:len(tcp)-1] + "0"
	if missing == tcp {
		missing = tcp[:len(tcp)-1] + "1"
	}

	f.route("ANY /{proxy+}", f.listenerIntegration(tcp, map[string]string{"append:header.X-Stage": "${context.stage}"}, nil))
	f.route("GET /secure/{proxy+}", f.listenerIntegration(tlsTCP, nil, &agwtypes.TlsConfigInput{ServerNameToVerify: aws.String("example.com")}))
	f.route("GET /missing", f.listenerIntegration(missing, nil, nil))
	f.stage("$default", true, nil, nil)

	r := f.do("GET", "/pets/7?x=1", nil)
	if r.status != http.StatusOK || r.seen == nil || r.seen.Backend != "nlb" {
		t.Fatalf("through the NLB: %d %s", r.status, r.body)
	}
	if want := net.JoinHostPort(f.lbAddress(lb), strconv.Itoa(int(port))); r.seen.URI != "/pets/7?x=1" || r.seen.Host != want {
		t.Errorf("backend saw %s with Host %s, want /pets/7?x=1 with Host %s", r.seen.URI, r.seen.Host, want)
	}
	if got := r.seen.Header.Get("X-Stage"); got != "$default" {
		t.Errorf("mapped X-Stage = %q, want $default", got)
	}

	r = f.do("GET", "/secure/a", nil)
	if r.status != http.StatusOK || r.seen == nil || r.seen.Backend != "tls" || r.seen.URI != "/secure/a" {
		t.Fatalf("TLS through the NLB: %d %s", r.status, r.body)
	}

	const internalError = `{"message":"Internal Server Error"}`
	if r := f.do("GET", "/missing", nil); r.status != http.StatusInternalServerError || string(r.body) != internalError {
		t.Errorf("unknown listener: %d %s, want 500 %s", r.status, r.body, internalError)
	}
	if _, err := f.lbc.DeleteListener(context.Background(), &elb.DeleteListenerInput{ListenerArn: aws.String(tcp)}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", "/pets/7", nil); r.status != http.StatusInternalServerError || string(r.body) != internalError {
		t.Errorf("deleted listener: %d %s, want 500 %s", r.status, r.body, internalError)
	}
}

// An ALB listener's integration compiles to the ALB's address and the
// listener's port. The ALB's HTTP data plane is not written yet, so this
// checks the gateway's compile step only.
func TestApplicationLoadBalancerIntegrationTarget(t *testing.T) {
	f := newLBFixture(t)
	lb := f.loadBalancer("app", types.LoadBalancerTypeEnumApplication)
	ln := f.forward(lb, "app", types.ProtocolEnumHttp, 8081, 8081)
	f.route("ANY /{proxy+}", f.listenerIntegration(ln, nil, nil))
	f.stage("$default", true, nil, nil)
	f.sync()
	// An ALB reports no address through the API; its listeners bind the
	// one the read model holds.
	addr := f.elb.Control.View().Snapshot().LoadBalancers[lb].Address
	if got, want := f.env.Gateway.ListenerTarget(ln), net.JoinHostPort(addr, "8081"); addr == "" || got != want {
		t.Fatalf("ALB listener target %q, want %q", got, want)
	}
}
