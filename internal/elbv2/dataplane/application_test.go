package dataplane_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

// httpBackend is an HTTP target answering with its name and, in Seen-*
// headers, what the load balancer added to the request.
func httpBackend(t *testing.T, name string, delay time.Duration) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && delay > 0 {
			time.Sleep(delay)
		}
		for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Amzn-Trace-Id"} {
			w.Header().Set("Seen-"+h, r.Header.Get(h))
		}
		w.Header().Set("Seen-Host", r.Host)
		w.Header().Set("Seen-Uri", r.RequestURI)
		io.WriteString(w, name)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

// albFixture is an ALB built through the API with one HTTP listener.
type albFixture struct {
	t        *testing.T
	c        *elb.Client
	ctx      context.Context
	lb       string
	listener string
	addr     string // the listener's address, host:port
}

func (f *albFixture) group(name string, attrs map[string]string, ports ...int32) string {
	f.t.Helper()
	out, err := f.c.CreateTargetGroup(f.ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String("vpc-1"), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		f.t.Fatal(err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	attrs["deregistration_delay.timeout_seconds"] = "1"
	var as []types.TargetGroupAttribute
	for k, v := range attrs {
		as = append(as, types.TargetGroupAttribute{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := f.c.ModifyTargetGroupAttributes(f.ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(arn), Attributes: as}); err != nil {
		f.t.Fatal(err)
	}
	if len(ports) > 0 {
		var ts []types.TargetDescription
		for _, p := range ports {
			ts = append(ts, types.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(p)})
		}
		if _, err := f.c.RegisterTargets(f.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: ts}); err != nil {
			f.t.Fatal(err)
		}
	}
	return arn
}

func (f *albFixture) rule(priority int32, a types.Action, conds ...types.RuleCondition) {
	f.t.Helper()
	if _, err := f.c.CreateRule(f.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(f.listener), Priority: aws.Int32(priority),
		Conditions: conds, Actions: []types.Action{a}}); err != nil {
		f.t.Fatalf("rule %d: %v", priority, err)
	}
}

func pathIs(p string) types.RuleCondition {
	return types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{p}}}
}

func fixed(status, body string) types.Action {
	return types.Action{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String(status), ContentType: aws.String("text/plain"), MessageBody: aws.String(body)}}
}

func forwardTo(arn string) types.Action {
	return types.Action{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(arn)}
}

func weighted(sticky bool, arns ...string) types.Action {
	fc := &types.ForwardActionConfig{}
	for _, a := range arns {
		fc.TargetGroups = append(fc.TargetGroups, types.TargetGroupTuple{TargetGroupArn: aws.String(a), Weight: aws.Int32(1)})
	}
	if sticky {
		fc.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(60)}
	}
	return types.Action{Type: types.ActionTypeEnumForward, ForwardConfig: fc}
}

type answer struct {
	status int
	body   string
	header http.Header
}

func (f *albFixture) do(c *http.Client, method, path, host string, header map[string]string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, "http://"+f.addr+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header}
}

func noRedirects() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func elbPage(status string) string {
	return "<html>\r\n<head><title>" + status + "</title></head>\r\n<body>\r\n<center><h1>" + status + "</h1></center>\r\n</body>\r\n</html>\r\n"
}

// An internet-facing ALB with an HTTP listener and a table of rules, all
// made through the SDK: each request is answered exactly as its rule
// says; forwarded requests carry the headers an ALB adds; the balancer's
// own 502, 503 and 504 are AWS's pages; both stickiness cookies are
// honoured, and a deregistered target takes no new request.
func TestApplicationLoadBalancer(t *testing.T) {
	e := elbv2test.Start(t, elbv2test.WithAddresses(netip.MustParsePrefix("127.0.130.0/24")), elbv2test.WithDataplane())
	f := &albFixture{t: t, c: e.Client(), ctx: context.Background()}
	lb, err := f.c.CreateLoadBalancer(f.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("app"), Type: types.LoadBalancerTypeEnumApplication,
		Subnets: []string{"subnet-a", "subnet-b"}})
	if err != nil {
		t.Fatal(err)
	}
	f.lb = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	if _, err := f.c.ModifyLoadBalancerAttributes(f.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(f.lb),
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	a, b := httpBackend(t, "a", 0), httpBackend(t, "b", 0)
	c1, c2 := httpBackend(t, "c1", 0), httpBackend(t, "c2", 0)
	slow := httpBackend(t, "slow", 3*time.Second)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := int32(closed.Addr().(*net.TCPAddr).Port)
	closed.Close()

	tgA, tgB := f.group("a", map[string]string{}, a), f.group("b", map[string]string{}, b)
	tgC := f.group("c", map[string]string{"stickiness.enabled": "true", "stickiness.type": "lb_cookie"}, c1, c2)
	tgEmpty, tgDead, tgSlow := f.group("empty", map[string]string{}), f.group("dead", map[string]string{}, deadPort), f.group("slow", map[string]string{}, slow)

	port := int32(18080)
	if os.Geteuid() == 0 {
		port = 80
	}
	ln, err := f.c.CreateListener(f.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(f.lb), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(port), DefaultActions: []types.Action{fixed("404", "not here")}})
	if err != nil {
		t.Fatal(err)
	}
	f.listener = aws.ToString(ln.Listeners[0].ListenerArn)
	f.rule(1, fixed("200", "png"), pathIs("/img/*.png"))
	f.rule(2, fixed("200", "host"), types.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{"*.example.com"}}})
	f.rule(3, fixed("200", "header"), types.RuleCondition{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{
		HttpHeaderName: aws.String("X-Env"), Values: []string{"beta?"}}})
	f.rule(4, fixed("403", "method"), types.RuleCondition{Field: aws.String("http-request-method"), HttpRequestMethodConfig: &types.HttpRequestMethodConditionConfig{
		Values: []string{"DELETE"}}})
	f.rule(5, fixed("200", "query"), types.RuleCondition{Field: aws.String("query-string"), QueryStringConfig: &types.QueryStringConditionConfig{
		Values: []types.QueryStringKeyValuePair{{Key: aws.String("version"), Value: aws.String("v*")}, {Value: aws.String("debug")}}}})
	f.rule(6, fixed("200", "ten"), types.RuleCondition{Field: aws.String("source-ip"), SourceIpConfig: &types.SourceIpConditionConfig{Values: []string{"10.0.0.0/8"}}})
	f.rule(7, fixed("200", "loopback"), pathIs("/src"),
		types.RuleCondition{Field: aws.String("source-ip"), SourceIpConfig: &types.SourceIpConditionConfig{Values: []string{"192.168.0.0/16", "127.0.0.0/8"}}})
	for i, r := range []struct {
		path string
		a    types.Action
	}{
		{"/weighted", weighted(false, tgA, tgB)},
		{"/sticky", weighted(true, tgA, tgB)},
		{"/c/*", forwardTo(tgC)},
		{"/empty", forwardTo(tgEmpty)},
		{"/dead", forwardTo(tgDead)},
		{"/slow", forwardTo(tgSlow)},
		{"/old/*", types.Action{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			StatusCode: types.RedirectActionStatusCodeEnumHttp301, Path: aws.String("/new/#{path}"), Query: aws.String("#{query}&moved=1")}}},
		{"/secure", types.Action{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			StatusCode: types.RedirectActionStatusCodeEnumHttp302, Protocol: aws.String("HTTPS"), Port: aws.String("443")}}},
	} {
		f.rule(int32(10+i), r.a, pathIs(r.path))
	}

	// An ALB reports no addresses (DNS resolution of its DNSName comes
	// later): the address it serves on is read from the control plane's view.
	f.addr = net.JoinHostPort(e.Control.View().Snapshot().LoadBalancers[f.lb].Address, strconv.Itoa(int(port)))
	client := noRedirects()
	// The data plane follows the control plane: wait for the last rule.
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest("GET", "http://"+f.addr+"/secure", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 302 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listener never served the last rule: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Run("rules", func(t *testing.T) { f.t = t; testRules(f, client) })
	t.Run("forwarded headers", func(t *testing.T) { f.t = t; testForwardedHeaders(f, client, port) })
	t.Run("errors", func(t *testing.T) { f.t = t; testErrors(f, client) })
	t.Run("stickiness", func(t *testing.T) { f.t = t; testStickiness(f, c1, c2) })
	t.Run("request metrics", func(t *testing.T) { testRequestMetrics(t, e.Dataplane, f.addr, tgC) })
}

// testRequestMetrics: the requests a listener forwarded to a group are in
// the Prometheus counter, labelled with the listener's address.
func testRequestMetrics(t *testing.T, d *dataplane.Dataplane, listener, group string) {
	want := uint64(0)
	for _, c := range d.RequestCounts() {
		if c.TargetGroup == group {
			want = c.Requests
		}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(dataplane.RequestMetrics{Dataplane: d})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := -1.0
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if f.GetName() == "portolan_elb_requests_total" && l["listener"] == listener && l["target_group"] == group {
				got = m.GetCounter().GetValue()
			}
		}
	}
	if want == 0 || got != float64(want) {
		t.Fatalf("portolan_elb_requests_total for the group: %v, RequestCounts %d", got, want)
	}
	// Each target's series is its counter; together they took requests.
	series := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if f.GetName() == "portolan_elb_target_requests_total" && l["listener"] == listener && l["target_group"] == group {
				series[l["target"]] = m.GetCounter().GetValue()
			}
		}
	}
	sum := 0.0
	for _, c := range d.TargetRequestCounts() {
		if c.Listener.String() != listener || c.TargetGroup != group {
			continue
		}
		if series[c.Target] != float64(c.Requests) {
			t.Errorf("portolan_elb_target_requests_total for %s: %v, TargetRequestCounts %d", c.Target, series[c.Target], c.Requests)
		}
		sum += series[c.Target]
	}
	if sum == 0 {
		t.Errorf("no target of the group counted a request: %v", series)
	}
}

func testRules(f *albFixture, client *http.Client) {
	for _, tc := range []struct {
		method, path, host string
		header             map[string]string
		status             int
		body               string
		location           string
	}{
		{"GET", "/img/logo.png", "", nil, 200, "png", ""},
		{"GET", "/img/a/b.png?x=1", "", nil, 200, "png", ""},
		{"GET", "/IMG/logo.png", "", nil, 404, "not here", ""}, // path patterns are case-sensitive
		{"GET", "/img/logo.gif", "", nil, 404, "not here", ""},
		{"GET", "/x", "www.EXAMPLE.com:18080", nil, 200, "host", ""}, // host names are not
		{"GET", "/x", "example.com", nil, 404, "not here", ""},
		{"GET", "/x", "", map[string]string{"x-env": "BETA1"}, 200, "header", ""},
		{"GET", "/x", "", map[string]string{"X-Env": "beta12"}, 404, "not here", ""},
		{"DELETE", "/x", "", nil, 403, "method", ""},
		{"delete", "/x", "", nil, 404, "not here", ""}, // methods match exactly
		{"GET", "/x?version=v2", "", nil, 200, "query", ""},
		{"GET", "/x?a=1&flag=debug", "", nil, 200, "query", ""},
		{"GET", "/x?version=2", "", nil, 404, "not here", ""},
		{"GET", "/src", "", nil, 200, "loopback", ""},
		{"GET", "/src/deeper", "", nil, 404, "not here", ""},
		{"GET", "/c/x", "", nil, 200, "c", ""}, // body is c1 or c2: checked by prefix
		{"GET", "/old/page?a=1", "", nil, 301, elbPage("301 Moved Permanently"), "http://HOST/new/old/page?a=1&moved=1"},
		{"GET", "/secure", "shop.test", nil, 302, elbPage("302 Found"), "https://shop.test:443/secure"},
	} {
		got := f.do(client, tc.method, tc.path, tc.host, tc.header)
		body := got.body
		if strings.HasPrefix(tc.path, "/c/") {
			body = body[:1]
		}
		if got.status != tc.status || body != tc.body {
			f.t.Errorf("%s %s (host %q, %v): %d %q, want %d %q", tc.method, tc.path, tc.host, tc.header, got.status, got.body, tc.status, tc.body)
		}
		want := strings.Replace(tc.location, "HOST", f.addr, 1)
		if loc := got.header.Get("Location"); loc != want {
			f.t.Errorf("%s %s: Location %q, want %q", tc.method, tc.path, loc, want)
		}
		// Fixed responses and redirects come from the balancer itself.
		if !strings.HasPrefix(tc.path, "/c/") && got.header.Get("Server") != "awselb/2.0" {
			f.t.Errorf("%s %s: Server %q, want awselb/2.0", tc.method, tc.path, got.header.Get("Server"))
		}
	}
	// Both groups of a weighted forward are reached.
	seen := map[string]int{}
	for range 60 {
		seen[f.do(client, "GET", "/weighted", "", nil).body]++
	}
	if seen["a"] == 0 || seen["b"] == 0 || len(seen) != 2 {
		f.t.Errorf("weighted forward reached %v, want a and b", seen)
	}
}

func testForwardedHeaders(f *albFixture, client *http.Client, port int32) {
	got := f.do(client, "GET", "/weighted?q=1", "app.test", map[string]string{"X-Forwarded-For": "203.0.113.9"})
	h := got.header
	if v := h.Get("Seen-X-Forwarded-For"); v != "203.0.113.9, 127.0.0.1" {
		f.t.Errorf("X-Forwarded-For %q, want the client's appended", v)
	}
	if v := h.Get("Seen-X-Forwarded-Proto"); v != "http" {
		f.t.Errorf("X-Forwarded-Proto %q", v)
	}
	if v := h.Get("Seen-X-Forwarded-Port"); v != strconv.Itoa(int(port)) {
		f.t.Errorf("X-Forwarded-Port %q, want %d", v, port)
	}
	if v := h.Get("Seen-Host"); v != "app.test" {
		f.t.Errorf("Host %q, want the client's", v)
	}
	if v := h.Get("Seen-Uri"); v != "/weighted?q=1" {
		f.t.Errorf("request URI %q", v)
	}
	if v := h.Get("Seen-X-Amzn-Trace-Id"); !validTrace(strings.TrimPrefix(v, "Root=")) || !strings.HasPrefix(v, "Root=") {
		f.t.Errorf("X-Amzn-Trace-Id %q, want Root=1-<8 hex>-<24 hex>", v)
	}
	root := "Root=1-67891233-abcdef012345678912345678"
	got = f.do(client, "GET", "/weighted", "", map[string]string{"X-Amzn-Trace-Id": root + ";CalledFrom=app"})
	v := got.header.Get("Seen-X-Amzn-Trace-Id")
	self, rest, _ := strings.Cut(v, ";")
	if !strings.HasPrefix(self, "Self=") || !validTrace(strings.TrimPrefix(self, "Self=")) || rest != root+";CalledFrom=app" {
		f.t.Errorf("X-Amzn-Trace-Id %q, want a Self field before the client's", v)
	}
}

func validTrace(id string) bool {
	parts := strings.Split(id, "-")
	if len(parts) != 3 || parts[0] != "1" || len(parts[1]) != 8 || len(parts[2]) != 24 {
		return false
	}
	for _, c := range parts[1] + parts[2] {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func testErrors(f *albFixture, client *http.Client) {
	for _, tc := range []struct {
		path   string
		status int
		line   string
	}{
		{"/dead", 502, "502 Bad Gateway"},
		{"/empty", 503, "503 Service Temporarily Unavailable"},
		{"/slow", 504, "504 Gateway Time-out"}, // idle timeout set to 1 s
	} {
		got := f.do(client, "GET", tc.path, "", nil)
		if got.status != tc.status || got.body != elbPage(tc.line) || got.header.Get("Server") != "awselb/2.0" ||
			got.header.Get("Content-Type") != "text/html" {
			f.t.Errorf("GET %s: %d %v %q, want %d from awselb/2.0 with AWS's page", tc.path, got.status, got.header, got.body, tc.status)
		}
	}
	if n := len(elbPage("502 Bad Gateway")); n != 122 {
		f.t.Errorf("502 page is %d bytes, AWS's is 122", n)
	}
}

func testStickiness(f *albFixture, c1, c2 int32) {
	// Group stickiness: a client with cookies stays on its group.
	jar, _ := cookiejar.New(nil)
	sticky := noRedirects()
	sticky.Jar = jar
	first := f.do(sticky, "GET", "/sticky", "", nil)
	if !strings.Contains(strings.Join(first.header.Values("Set-Cookie"), ";"), "AWSALBTG=") {
		f.t.Fatalf("no AWSALBTG cookie: %v", first.header)
	}
	for range 20 {
		if got := f.do(sticky, "GET", "/sticky", "", nil).body; got != first.body {
			f.t.Fatalf("a sticky client moved from group %s to %s", first.body, got)
		}
	}
	// Target stickiness (stickiness.type lb_cookie): without the cookie,
	// round robin reaches both; with it, one target.
	seen := map[string]bool{}
	for range 4 {
		seen[f.do(noRedirects(), "GET", "/c/x", "", nil).body] = true
	}
	if !seen["c1"] || !seen["c2"] {
		f.t.Errorf("round robin reached %v, want c1 and c2", seen)
	}
	jar, _ = cookiejar.New(nil)
	sticky.Jar = jar
	home := f.do(sticky, "GET", "/c/x", "", nil)
	if !strings.Contains(strings.Join(home.header.Values("Set-Cookie"), ";"), "AWSALB=") {
		f.t.Fatalf("no AWSALB cookie: %v", home.header)
	}
	for range 10 {
		if got := f.do(sticky, "GET", "/c/x", "", nil).body; got != home.body {
			f.t.Fatalf("a sticky client moved from target %s to %s", home.body, got)
		}
	}
	// Draining: the sticky client's target deregistered, new requests go
	// to the other.
	port, other := c1, "c2"
	if home.body == "c2" {
		port, other = c2, "c1"
	}
	out, err := f.c.DescribeTargetGroups(f.ctx, &elb.DescribeTargetGroupsInput{Names: []string{"c"}})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.c.DeregisterTargets(f.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: out.TargetGroups[0].TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(port)}}}); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.do(sticky, "GET", "/c/x", "", nil).body != other {
		if time.Now().After(deadline) {
			f.t.Fatal("the deregistered target kept getting requests")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for range 10 {
		if got := f.do(sticky, "GET", "/c/x", "", nil).body; got != other {
			f.t.Fatalf("a request reached the draining target %s", got)
		}
	}
}
