package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// seen is what a backend received.
type seen struct {
	Backend string
	Method  string
	URI     string // request target as received
	Host    string
	Header  http.Header
	Body    string
}

// backend is a loopback HTTP server that records requests and counts the
// connections it accepts. A request header X-Sleep (ms) delays the answer,
// X-Status chooses the status.
type backend struct {
	name  string
	srv   *httptest.Server
	port  int
	hits  atomic.Int64
	conns atomic.Int64
}

func newBackend(t testing.TB, name string, configure ...func(*http.Server)) *backend {
	b := &backend{name: name}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := &seen{Backend: name, Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(), Body: string(body)}
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
		json.NewEncoder(w).Encode(s)
	}))
	b.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			b.conns.Add(1)
		}
	}
	for _, c := range configure {
		c(b.srv.Config)
	}
	b.srv.Start()
	t.Cleanup(b.srv.Close)
	b.port = b.srv.Listener.Addr().(*net.TCPAddr).Port
	return b
}

// fixture is an env with one API, a VPC link and a Cloud Map namespace.
type fixture struct {
	t     testing.TB
	env   *apigwtest.Env
	api   *agw.Client
	sd    *sd.Client
	http  *http.Client
	apiID string
	link  string
	nsID  string
}

func newFixture(t testing.TB) *fixture { return fixtureFor(t, apigwtest.Start(t)) }

// fixtureFor creates the fixture's API, VPC link and namespace on env.
func fixtureFor(t testing.TB, env *apigwtest.Env) *fixture {
	f := &fixture{t: t, env: env, api: env.APIClient(), sd: env.CloudMapClient(), http: env.HTTPClient()}
	ctx := context.Background()
	a, err := f.api.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("pets"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	f.apiID = aws.ToString(a.ApiId)
	l, err := f.api.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: []string{"subnet-1"}})
	if err != nil {
		t.Fatal(err)
	}
	f.link = aws.ToString(l.VpcLinkId)
	f.nsID = cloudmaptest.HTTPNamespace(t, f.sd, "app")
	return f
}

// service creates a Cloud Map service (with a custom health check when
// checked) and returns its id and ARN.
func (f *fixture) service(name string, checked bool) (string, string) {
	in := &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(f.nsID)}
	if checked {
		in.HealthCheckCustomConfig = &sdtypes.HealthCheckCustomConfig{}
	}
	out, err := f.sd.CreateService(context.Background(), in)
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.Service.Id), aws.ToString(out.Service.Arn)
}

func (f *fixture) register(svcID, instID string, port int) {
	f.t.Helper()
	_, err := f.sd.RegisterInstance(context.Background(), &sd.RegisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(instID),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "127.0.0.1", "AWS_INSTANCE_PORT": strconv.Itoa(port)}})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) deregister(svcID, instID string) {
	f.t.Helper()
	if _, err := f.sd.DeregisterInstance(context.Background(), &sd.DeregisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(instID)}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) health(svcID, instID string, healthy bool) {
	f.t.Helper()
	st := sdtypes.CustomHealthStatusHealthy
	if !healthy {
		st = sdtypes.CustomHealthStatusUnhealthy
	}
	if _, err := f.sd.UpdateInstanceCustomHealthStatus(context.Background(), &sd.UpdateInstanceCustomHealthStatusInput{
		ServiceId: aws.String(svcID), InstanceId: aws.String(instID), Status: st}); err != nil {
		f.t.Fatal(err)
	}
}

// cloudMapIntegration creates a private integration to a Cloud Map service.
func (f *fixture) cloudMapIntegration(arn string, params map[string]string) string {
	f.t.Helper()
	out, err := f.api.CreateIntegration(context.Background(), &agw.CreateIntegrationInput{ApiId: &f.apiID,
		IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: &f.link, IntegrationUri: &arn, RequestParameters: params})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.IntegrationId)
}

func (f *fixture) urlIntegration(uri string, params map[string]string, timeout int32) string {
	f.t.Helper()
	in := &agw.CreateIntegrationInput{ApiId: &f.apiID, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0"), IntegrationUri: &uri, RequestParameters: params}
	if timeout > 0 {
		in.TimeoutInMillis = &timeout
	}
	out, err := f.api.CreateIntegration(context.Background(), in)
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.IntegrationId)
}

func (f *fixture) route(key, integ string) string {
	f.t.Helper()
	out, err := f.api.CreateRoute(context.Background(), &agw.CreateRouteInput{ApiId: &f.apiID, RouteKey: &key, Target: aws.String("integrations/" + integ)})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.RouteId)
}

func (f *fixture) stage(name string, auto bool, vars map[string]string, logs *types.AccessLogSettings) {
	f.t.Helper()
	if _, err := f.api.CreateStage(context.Background(), &agw.CreateStageInput{ApiId: &f.apiID, StageName: &name,
		AutoDeploy: aws.Bool(auto), StageVariables: vars, AccessLogSettings: logs}); err != nil {
		f.t.Fatal(err)
	}
}

// result is a gateway answer.
type result struct {
	status int
	header http.Header
	body   []byte
	seen   *seen // what the backend saw, when it answered
}

// do sends a request to the API through the gateway, once the gateway
// serves every change made so far.
func (f *fixture) do(method, path string, header http.Header) result {
	f.t.Helper()
	f.sync()
	return f.doHost(method, f.env.URL(f.apiID, ""), path, header)
}

func (f *fixture) sync() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.env.Gateway.Sync(ctx); err != nil {
		f.t.Fatalf("gateway sync: %v", err)
	}
}

func (f *fixture) doHost(method, base, path string, header http.Header) result {
	f.t.Helper()
	req, err := http.NewRequest(method, base+"/", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	// Opaque keeps the path exactly as written (no cleaning, no escaping).
	req.URL.Opaque = path
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: body}
	if resp.Header.Get("X-Backend") != "" && len(body) > 0 {
		var s seen
		if err := json.Unmarshal(body, &s); err == nil {
			r.seen = &s
		}
	}
	return r
}

func regInput(svcID, instID string, port int, extra map[string]string) *sd.RegisterInstanceInput {
	attrs := map[string]string{"AWS_INSTANCE_IPV4": "127.0.0.1", "AWS_INSTANCE_PORT": strconv.Itoa(port)}
	for k, v := range extra {
		attrs[k] = v
	}
	return &sd.RegisterInstanceInput{ServiceId: aws.String(svcID), InstanceId: aws.String(instID), Attributes: attrs}
}

func decodeSeen(t testing.TB, body []byte) *seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("backend answer %q: %v", body, err)
	}
	return &s
}

// cloudMapBackend starts a backend registered as instance <name>1 of a
// Cloud Map service <name> without health checks, and returns it with the
// service's ARN for integrations.
func (f *fixture) cloudMapBackend(name string) (*backend, string) {
	f.t.Helper()
	b := newBackend(f.t, name)
	svc, arn := f.service(name, false)
	f.register(svc, name+"1", b.port)
	return b, arn
}

// proxyAll sends every request on the $default stage to one Cloud Map
// instance listening on port, and waits until the gateway serves it.
func (f *fixture) proxyAll(port int) {
	svc, arn := f.service("a", false)
	f.register(svc, "a1", port)
	f.route("ANY /{proxy+}", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, nil)
	f.sync()
}
