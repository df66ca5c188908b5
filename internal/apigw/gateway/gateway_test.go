package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)

// TestRouting: two Cloud Map services behind a VPC link, the reference
// routes ANY /{proxy+} and GET /pets/{id}, a $default and a named stage;
// then AWS's precedence cases, each route tagging requests with its name.
func TestRouting(t *testing.T) {
	f := newFixture(t)
	a, arnA := f.cloudMapBackend("a")
	b, arnB := f.cloudMapBackend("b")
	tag := func(name string) map[string]string { return map[string]string{"overwrite:header.X-Route": name} }
	f.route("ANY /{proxy+}", f.cloudMapIntegration(arnA, tag("proxy")))
	f.route("GET /pets/{id}", f.cloudMapIntegration(arnB, tag("pets-id")))
	f.route("GET /pets/dog/{id}", f.cloudMapIntegration(arnA, tag("dog")))
	f.route("GET /pets/{proxy+}", f.cloudMapIntegration(arnA, tag("pets-proxy")))
	f.route("GET /pets", f.cloudMapIntegration(arnA, tag("pets")))
	f.stage("$default", true, nil, nil)
	f.stage("prod", true, nil, nil)

	for _, tc := range []struct {
		method, path string
		backend      string // "" for a gateway answer
		route        string
		uri          string // what the backend must receive
		status       int
	}{
		{"GET", "/pets/7", "b", "pets-id", "/pets/7", 200},
		{"POST", "/pets/7", "a", "proxy", "/pets/7", 200},
		{"GET", "/pets/7/toys?x=1&x=2", "a", "pets-proxy", "/pets/7/toys?x=1&x=2", 200},
		// AWS's worked example: a full match beats greedy, greedy beats $default.
		{"GET", "/pets/dog/1", "a", "dog", "/pets/dog/1", 200},
		{"GET", "/pets/cat/1", "a", "pets-proxy", "/pets/cat/1", 200},
		{"POST", "/test/5", "a", "proxy", "/test/5", 200},
		{"GET", "/pets/", "a", "pets", "/pets/", 200},
		// A GET route does not answer HEAD; ANY does.
		{"HEAD", "/pets/7", "a", "proxy", "/pets/7", 200},
		{"DELETE", "/pets", "a", "proxy", "/pets", 200},
		// Escapes reach the backend as sent; routes match decoded.
		{"GET", "/pets/a%20b", "b", "pets-id", "/pets/a%20b", 200},
		// A named stage: the stage segment selects it and stays in the path
		// a private integration receives.
		{"GET", "/prod/pets/9?q=1", "b", "pets-id", "/prod/pets/9?q=1", 200},
		{"GET", "/prod", "", "", "", 404},
		// Nothing matches the root: {proxy+} needs a segment, no $default route.
		{"GET", "/", "", "", "", 404},
		// Refused paths never reach a backend.
		{"GET", "/pets/../admin", "", "", "", 400},
		{"GET", "/pets//1", "", "", "", 400},
		{"GET", "/pets/%2e%2e/x", "", "", "", 400},
		{"GET", "/pets/%2e%2E%2fadmin", "", "", "", 400},
		{"GET", "/pets/a%00b", "", "", "", 400},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			before := a.hits.Load() + b.hits.Load()
			r := f.do(tc.method, tc.path, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if !requestIDRE.MatchString(r.header.Get("Apigw-Requestid")) {
				t.Fatalf("apigw-requestid %q", r.header.Get("Apigw-Requestid"))
			}
			if tc.backend == "" {
				if n := a.hits.Load() + b.hits.Load(); n != before {
					t.Fatalf("a backend was called (%d calls)", n-before)
				}
				want := map[int]string{404: `{"message":"Not Found"}`, 400: `{"message":"Bad Request"}`}[tc.status]
				if string(r.body) != want || r.header.Get("Content-Type") != "application/json" {
					t.Fatalf("body %q (%s), want %q", r.body, r.header.Get("Content-Type"), want)
				}
				return
			}
			if tc.method == "HEAD" {
				if got := r.header.Get("X-Backend"); got != tc.backend {
					t.Fatalf("backend %q, want %q", got, tc.backend)
				}
				return
			}
			s := r.seen
			if s == nil || s.Backend != tc.backend || s.Header.Get("X-Route") != tc.route || s.URI != tc.uri || s.Method != tc.method {
				t.Fatalf("backend saw %+v, want backend %s route %s uri %s", s, tc.backend, tc.route, tc.uri)
			}
		})
	}

	// What every proxied request carries, and what it must not.
	r := f.do("GET", "/pets/7", http.Header{"X-Custom": {"v"}, "Connection": {"X-Hop"}, "X-Hop": {"h"}, "X-Forwarded-For": {"10.0.0.1"}})
	s := r.seen
	for k, want := range map[string]string{
		"X-Custom":          "v",
		"X-Forwarded-For":   "10.0.0.1, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Port":  f.env.GatewayPort,
		"Via":               "HTTP/1.1 AmazonAPIGateway",
		"Forwarded":         "for=127.0.0.1;host=" + f.apiID + ".execute-api.localhost:" + f.env.GatewayPort + ";proto=http",
		"X-Hop":             "",
	} {
		if got := s.Header.Get(k); got != want {
			t.Errorf("backend header %s = %q, want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(s.Header.Get("X-Amzn-Trace-Id")) {
		t.Errorf("X-Amzn-Trace-Id %q", s.Header.Get("X-Amzn-Trace-Id"))
	}
	// The client's own forwarding fields: Via and Forwarded come first and
	// the gateway's follow; a trace id naming a Root goes through, and the
	// client cannot set the proto or port the gateway reports.
	r = f.do("GET", "/pets/7", http.Header{"Via": {"1.1 edge"}, "Forwarded": {"for=10.0.0.1"},
		"X-Amzn-Trace-Id": {"Root=1-5759e988-bd862e3fe1be46a994272793"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"1"}})
	s = r.seen
	for k, want := range map[string][]string{
		"Via":               {"1.1 edge", "HTTP/1.1 AmazonAPIGateway"},
		"Forwarded":         {"for=10.0.0.1", "for=127.0.0.1;host=" + f.apiID + ".execute-api.localhost:" + f.env.GatewayPort + ";proto=http"},
		"X-Amzn-Trace-Id":   {"Root=1-5759e988-bd862e3fe1be46a994272793"},
		"X-Forwarded-Proto": {"http"},
		"X-Forwarded-Port":  {f.env.GatewayPort},
		"X-Forwarded-For":   {"127.0.0.1"},
	} {
		if got := s.Header.Values(k); !slices.Equal(got, want) {
			t.Errorf("backend header %s = %q, want %q", k, got, want)
		}
	}
	if s.Host != "127.0.0.1:"+strconv.Itoa(b.port) {
		t.Errorf("backend Host %q", s.Host)
	}

	// An unknown API, or none at all.
	for _, host := range []string{"http://nope.execute-api.localhost:" + f.env.GatewayPort, "http://127.0.0.1:" + f.env.GatewayPort} {
		if r := f.doHost("GET", host, "/pets/1", nil); r.status != 404 || string(r.body) != `{"message":"Not Found"}` {
			t.Errorf("%s: %d %s", host, r.status, r.body)
		}
	}
}

// TestDeployments: with autoDeploy off, changes reach a stage only through
// a deployment, and a deployment is a snapshot.
func TestDeployments(t *testing.T) {
	f := newFixture(t)
	_, arn := f.cloudMapBackend("a")
	f.stage("prod", false, nil, nil)
	integ := f.cloudMapIntegration(arn, map[string]string{"overwrite:header.X-Version": "1"})
	f.route("GET /v", integ)
	ctx := context.Background()

	if r := f.do("GET", "/prod/v", nil); r.status != 404 {
		t.Fatalf("undeployed stage answered %d", r.status)
	}
	if _, err := f.api.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: &f.apiID, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", "/prod/v", nil); r.status != 200 || r.seen.Header.Get("X-Version") != "1" {
		t.Fatalf("after deployment: %d %s", r.status, r.body)
	}
	// Changes wait for the next deployment.
	if _, err := f.api.UpdateIntegration(ctx, &agw.UpdateIntegrationInput{ApiId: &f.apiID, IntegrationId: &integ,
		RequestParameters: map[string]string{"overwrite:header.X-Version": "2"}}); err != nil {
		t.Fatal(err)
	}
	f.route("GET /w", integ)
	if r := f.do("GET", "/prod/v", nil); r.status != 200 || r.seen.Header.Get("X-Version") != "1" {
		t.Fatalf("undeployed change served: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/prod/w", nil); r.status != 404 {
		t.Fatalf("undeployed route served: %d", r.status)
	}
	dep, err := f.api.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: &f.apiID})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", "/prod/w", nil); r.status != 404 {
		t.Fatalf("a deployment without stageName changed the stage: %d", r.status)
	}
	if _, err := f.api.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: &f.apiID, StageName: aws.String("prod"), DeploymentId: dep.DeploymentId}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", "/prod/w", nil); r.status != 200 || r.seen.Header.Get("X-Version") != "2" {
		t.Fatalf("after pointing the stage at the deployment: %d %s", r.status, r.body)
	}
	// Turning autoDeploy on deploys the current config at once, and keeps doing so.
	if _, err := f.api.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: &f.apiID, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	f.route("GET /x", integ)
	if r := f.do("GET", "/prod/x", nil); r.status != 200 {
		t.Fatalf("autoDeploy stage did not serve a new route: %d", r.status)
	}
}

// TestParameterMapping covers requestParameters on a private and a public
// integration, URL path variables and stage variables.
func TestParameterMapping(t *testing.T) {
	f := newFixture(t)
	a, arn := f.cloudMapBackend("a")
	f.route("GET /items/{id}", f.cloudMapIntegration(arn, map[string]string{
		"overwrite:path":             "$request.path",
		"append:header.X-Request-Id": "$context.requestId",
		"overwrite:header.X-Id":      "${request.path.id}-${stageVariables.env}",
		"remove:header.X-Secret":     "''",
		"append:querystring.added":   "$request.header.X-In",
		"overwrite:querystring.q":    "static",
		"remove:querystring.drop":    "''",
		"overwrite:header.X-Multi":   "$request.querystring.m",
		"overwrite:header.X-Context": "$context.httpMethod $context.stage $context.routeKey $context.apiId",
	}))
	f.route("GET /rename/{id}", f.cloudMapIntegration(arn, map[string]string{"overwrite:path": "/v2/things/${request.path.id}/x", "overwrite:header.Host": "things.internal"}))
	base := "http://127.0.0.1:" + strconv.Itoa(a.port)
	f.route("ANY /api/{proxy+}", f.urlIntegration(base+"/base/{proxy}?fixed=1", nil, 0))
	f.route("GET /sv", f.urlIntegration("http://${stageVariables.backend}/from-stage-var", nil, 0))
	f.route("GET /bare", f.urlIntegration(base, nil, 0))
	f.stage("prod", true, map[string]string{"env": "production", "backend": "127.0.0.1:" + strconv.Itoa(a.port)}, nil)

	r := f.do("GET", "/prod/items/42?drop=1&q=orig&m=1&m=2&keep=k", http.Header{"X-Secret": {"s"}, "X-In": {"in"}})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	s := r.seen
	path, query, _ := strings.Cut(s.URI, "?")
	if path != "/items/42" {
		t.Errorf("path %q: overwrite:path $request.path must drop the stage", path)
	}
	for _, want := range []string{"added=in", "q=static", "keep=k", "m=1", "m=2"} {
		if !strings.Contains("&"+query+"&", "&"+want+"&") {
			t.Errorf("query %q lacks %s", query, want)
		}
	}
	if strings.Contains(query, "drop=") || strings.Contains(query, "q=orig") {
		t.Errorf("query %q kept a removed or overwritten parameter", query)
	}
	for k, want := range map[string]string{
		"X-Request-Id": r.header.Get("Apigw-Requestid"),
		"X-Id":         "42-production",
		"X-Secret":     "",
		"X-Multi":      "1,2",
		"X-Context":    "GET prod GET /items/{id} " + f.apiID,
	} {
		if got := s.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}

	for _, tc := range []struct{ path, uri string }{
		{"/prod/rename/a%20b", "/v2/things/a%20b/x"},
		{"/prod/api/a/b%20c?z=9", "/base/a/b%20c?fixed=1&z=9"},
		{"/prod/sv", "/from-stage-var"},
		// A bare-host URI passes the whole path (stage included) through.
		{"/prod/bare?k=v", "/prod/bare?k=v"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := f.do("GET", tc.path, nil)
			if r.status != 200 || r.seen.URI != tc.uri {
				t.Fatalf("%d, backend saw %q, want %q (%s)", r.status, r.seen.URI, tc.uri, r.body)
			}
			if strings.Contains(tc.path, "rename") && r.seen.Host != "things.internal" {
				t.Fatalf("Host %q: overwrite:header.Host not applied", r.seen.Host)
			}
		})
	}
}

// TestFailures: timeouts, no instance, all unhealthy, refused connections
// and integrations Portolan cannot call; each with AWS's status and body.
func TestFailures(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a")
	svcEmpty, arnEmpty := f.service("empty", false)
	_ = svcEmpty
	svcChecked, arnChecked := f.service("checked", true)
	f.register(svcChecked, "c1", a.port)
	svcDead, arnDead := f.service("dead", false)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	f.register(svcDead, "d1", deadPort)
	svcSlow, arnSlow := f.service("slow", false)
	f.register(svcSlow, "s1", a.port)

	slow := f.cloudMapIntegration(arnSlow, nil)
	if _, err := f.api.UpdateIntegration(context.Background(), &agw.UpdateIntegrationInput{ApiId: &f.apiID, IntegrationId: &slow, TimeoutInMillis: aws.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	f.route("GET /slow", slow)
	f.route("GET /public-slow", f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(a.port)+"/x", nil, 100))
	f.route("GET /empty", f.cloudMapIntegration(arnEmpty, nil))
	f.route("GET /checked", f.cloudMapIntegration(arnChecked, nil))
	f.route("GET /dead", f.cloudMapIntegration(arnDead, nil))
	f.route("GET /public-dead", f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(deadPort)+"/x", nil, 0))
	f.route("GET /elb", f.cloudMapIntegrationURI("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/lb/50dc6c495c0c9188/0467ef3c8400ae65"))
	f.route("GET /filtered", f.cloudMapIntegration(arnChecked+"?color=blue", nil))
	f.stage("$default", true, nil, nil)

	const unavailable, internal = `{"message":"Service Unavailable"}`, `{"message":"Internal Server Error"}`
	for _, tc := range []struct {
		path   string
		header http.Header
		status int
		body   string
		maxDur time.Duration
	}{
		{"/slow", http.Header{"X-Sleep": {"2000"}}, 503, unavailable, 1500 * time.Millisecond},
		{"/public-slow", http.Header{"X-Sleep": {"2000"}}, 503, unavailable, 1500 * time.Millisecond},
		{"/slow", http.Header{"X-Sleep": {"10"}}, 200, "", 0},
		{"/empty", nil, 503, unavailable, 0},
		{"/dead", nil, 503, unavailable, 0},
		{"/public-dead", nil, 500, internal, 0},
		{"/elb", nil, 500, internal, 0},
		{"/filtered", nil, 503, unavailable, 0},
		// Backend statuses pass through untouched.
		{"/checked", http.Header{"X-Status": {"502"}}, 502, "", 0},
	} {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			r := f.do("GET", tc.path, tc.header)
			if r.status != tc.status || (tc.body != "" && string(r.body) != tc.body) {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.body)
			}
			if tc.maxDur > 0 && time.Since(start) > tc.maxDur {
				t.Fatalf("took %v: the 100 ms integration timeout did not cut the request", time.Since(start))
			}
		})
	}

	// All instances unhealthy: 503; healthy again: served.
	f.health(svcChecked, "c1", false)
	if r := f.do("GET", "/checked", nil); r.status != 503 || string(r.body) != unavailable {
		t.Fatalf("all unhealthy: %d %s", r.status, r.body)
	}
	f.health(svcChecked, "c1", true)
	apigwtest.Eventually(t, 5*time.Second, "healthy instance served", func() bool { return f.do("GET", "/checked", nil).status == 200 })
	// Attribute filters from the integration URI's query select instances.
	if _, err := f.sd.RegisterInstance(context.Background(), regInput(svcChecked, "blue", a.port, map[string]string{"color": "blue"})); err != nil {
		t.Fatal(err)
	}
	apigwtest.Eventually(t, 5*time.Second, "filtered instance served", func() bool { return f.do("GET", "/filtered", nil).status == 200 })

	// Deleting the VPC link breaks its integrations.
	if _, err := f.api.DeleteVpcLink(context.Background(), &agw.DeleteVpcLinkInput{VpcLinkId: &f.link}); err != nil {
		t.Fatal(err)
	}
	apigwtest.Eventually(t, 5*time.Second, "deleted VPC link answers 500", func() bool { return f.do("GET", "/checked", nil).status == 500 })
}

func (f *fixture) cloudMapIntegrationURI(uri string) string { return f.cloudMapIntegration(uri, nil) }

// TestAccessLog: one line per request, to stdout and to the stage's log
// group, with the configured $context fields.
func TestAccessLog(t *testing.T) {
	f := newFixture(t)
	_, arn := f.cloudMapBackend("a")
	f.route("GET /pets/{id}", f.cloudMapIntegration(arn, nil))
	vars := []string{"requestId", "extendedRequestId", "identity.sourceIp", "identity.userAgent", "requestTime", "requestTimeEpoch",
		"httpMethod", "routeKey", "path", "protocol", "status", "responseLength", "responseLatency", "integrationLatency",
		"integrationStatus", "integrationErrorMessage", "domainName", "apiId", "stage", "authorizer.claims.sub"}
	var format []string
	for _, v := range vars {
		format = append(format, fmt.Sprintf(`"%s":"$context.%s"`, v, v))
	}
	f.stage("prod", true, nil, &types.AccessLogSettings{
		DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/aws/apigw/pets:*"),
		Format:         aws.String("{" + strings.Join(format, ",") + "}"),
	})

	ok := f.do("GET", "/prod/pets/1", http.Header{"User-Agent": {"test-agent"}})
	missing := f.do("GET", "/prod/nothing", nil)
	var lines []string
	apigwtest.Eventually(t, 5*time.Second, "two access log lines", func() bool { lines = f.env.AccessLog.Lines(); return len(lines) >= 2 })
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	parse := func(line string) map[string]string {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("access log line %q: %v", line, err)
		}
		return m
	}
	got := parse(lines[0])
	for k, want := range map[string]string{
		"requestId":               ok.header.Get("Apigw-Requestid"),
		"extendedRequestId":       ok.header.Get("Apigw-Requestid"),
		"identity.sourceIp":       "127.0.0.1",
		"identity.userAgent":      "test-agent",
		"httpMethod":              "GET",
		"routeKey":                "GET /pets/{id}",
		"path":                    "/prod/pets/1",
		"protocol":                "HTTP/1.1",
		"status":                  "200",
		"responseLength":          strconv.Itoa(len(ok.body)),
		"integrationStatus":       "200",
		"integrationErrorMessage": "-",
		"domainName":              f.apiID + ".execute-api.localhost:" + f.env.GatewayPort,
		"apiId":                   f.apiID,
		"stage":                   "prod",
		"authorizer.claims.sub":   "-",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", got["requestTime"]); err != nil {
		t.Errorf("requestTime %q is not CLF: %v", got["requestTime"], err)
	}
	for _, k := range []string{"requestTimeEpoch", "responseLatency", "integrationLatency"} {
		if _, err := strconv.ParseInt(got[k], 10, 64); err != nil {
			t.Errorf("%s = %q, not a number", k, got[k])
		}
	}
	miss := parse(lines[1])
	if miss["status"] != "404" || miss["routeKey"] != "-" || miss["integrationStatus"] != "-" || miss["requestId"] != missing.header.Get("Apigw-Requestid") {
		t.Errorf("404 line %v", miss)
	}
	var sunk []string
	apigwtest.Eventually(t, 5*time.Second, "lines in the log group", func() bool {
		sunk = nil
		for _, l := range f.env.Sink.Lines("/aws/apigw/pets", f.apiID+"_prod") {
			sunk = append(sunk, l.Message)
		}
		return len(sunk) >= 2
	})
	if sunk[0] != lines[0] || sunk[1] != lines[1] {
		t.Errorf("log group got %q, stdout %q", sunk, lines)
	}
}

// TestInstanceChanges: a registered instance starts receiving traffic and a
// deregistered one stops, with no store read per request (the snapshot
// follows Cloud Map's view). Latencies are logged; BenchmarkRegistration
// records them.
func TestInstanceChanges(t *testing.T) {
	f := newFixture(t)
	a, b := newBackend(t, "a"), newBackend(t, "b")
	svc, arn := f.service("a", false)
	f.register(svc, "a1", a.port)
	f.route("ANY /{proxy+}", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, nil)
	if r := f.do("GET", "/x", nil); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}

	f.register(svc, "b1", b.port)
	base := f.env.URL(f.apiID, "")
	took := apigwtest.Eventually(t, 5*time.Second, "new instance receives traffic", func() bool { return f.doHost("GET", base, "/x", nil).seen.Backend == "b" })
	t.Logf("registered instance routable after %v", took)

	f.deregister(svc, "b1")
	took = apigwtest.Eventually(t, 5*time.Second, "deregistered instance receives nothing", func() bool {
		before := b.hits.Load()
		for range 50 {
			f.doHost("GET", base, "/x", nil)
		}
		return b.hits.Load() == before
	})
	t.Logf("deregistered instance out of rotation after %v (including 50 requests)", took)
}

// TestKeepAlive: upstream connections are reused, so their number follows
// the concurrency, not the request count.
func TestKeepAlive(t *testing.T) {
	f := newFixture(t)
	a, arn := f.cloudMapBackend("a")
	f.route("GET /k", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, nil)
	const workers, perWorker = 4, 2500
	f.sync()
	dialsBefore := f.env.Gateway.UpstreamDials()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := f.env.HTTPClient()
			for range perWorker {
				resp, err := client.Get(f.env.URL(f.apiID, "/k"))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	dials := f.env.Gateway.UpstreamDials() - dialsBefore
	t.Logf("%d requests, %d upstream dials, %d backend connections", workers*perWorker, dials, a.conns.Load())
	// The transport may finish a dial it started just before a connection
	// came back to the pool, so allow one spare per client.
	if dials > 2*workers || a.conns.Load() > 2*workers {
		t.Fatalf("%d dials / %d backend connections for %d concurrent clients", dials, a.conns.Load(), workers)
	}
}

// TestDisabledEndpoint: disableExecuteApiEndpoint closes the default endpoint.
func TestDisabledEndpoint(t *testing.T) {
	f := newFixture(t)
	f.stage("$default", true, nil, nil)
	if _, err := f.api.UpdateApi(context.Background(), &agw.UpdateApiInput{ApiId: &f.apiID, DisableExecuteApiEndpoint: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	apigwtest.Eventually(t, 5*time.Second, "403", func() bool {
		r := f.do("GET", "/x", nil)
		return r.status == 403 && string(r.body) == `{"message":"Forbidden"}`
	})
}
