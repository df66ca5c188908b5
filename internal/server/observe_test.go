package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/miekg/dns"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// observeFixture is a server running testdata/observe.yaml: an HTTP API
// with a plain, a JWT-protected and a throttled route to a two-task ECS
// service registered in Cloud Map.
type observeFixture struct {
	t      *testing.T
	env    *servertest.Env
	apiID  string
	client *http.Client
}

func startObserve(t *testing.T) *observeFixture {
	t.Helper()
	app := runtimetest.BuildApp(t)
	// A metric period of 3 s samples the tasks' resource use every second.
	env := servertest.Start(t, func(c *server.Config) { c.Images = map[string]string{"app": app}; c.MetricPeriod = 3 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	body, err := os.ReadFile("testdata/observe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cf := cfn.NewFromConfig(env.AWS)
	if _, err := cf.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("observe"), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	if err := cfn.NewStackCreateCompleteWaiter(cf).Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("observe")}, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	out, err := cf.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("observe")})
	if err != nil {
		t.Fatal(err)
	}
	f := &observeFixture{t: t, env: env, apiID: aws.ToString(out.Stacks[0].Outputs[0].OutputValue)}
	gw := env.Server.GatewayAddr()
	f.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, gw)
		}}}
	// Both tasks serve once GET / answers twice from two processes.
	pids := map[int]bool{}
	var last string
	for deadline := time.Now().Add(time.Minute); len(pids) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the API never answered from both tasks: %s", last)
		}
		code, b := f.get("/")
		last = fmt.Sprintf("%d %s", code, b)
		if code == http.StatusOK {
			var info struct{ PID int }
			json.Unmarshal(b, &info)
			pids[info.PID] = true
		}
	}
	return f
}

// get calls the API and returns the status and body.
func (f *observeFixture) get(path string) (int, []byte) {
	f.t.Helper()
	resp, err := f.client.Get("http://" + f.apiID + ".execute-api.localhost" + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// scrape reads /metrics and returns its families by name.
func (f *observeFixture) scrape() (map[string]*dto.MetricFamily, []byte) {
	f.t.Helper()
	resp, err := http.Get("http://" + f.env.Server.APIAddr() + "/metrics")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		f.t.Fatalf("parse the scrape: %v", err)
	}
	return fams, b
}

// value sums the samples of a family whose labels include want.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	fam := fams[name]
	if fam == nil {
		return 0
	}
next:
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetrics loads the API with a script (requests per route, a 401, a
// 429), asks the DNS server for a name that does not exist and kills a
// task, and checks that each moved the series that count it by exactly
// what the script did; the scrape passes `promtool check metrics`.
func TestMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a stack's tasks")
	}
	f := startObserve(t)
	before, _ := f.scrape()
	for range 5 {
		if code, b := f.get("/"); code != http.StatusOK {
			t.Fatalf("GET /: %d %s", code, b)
		}
	}
	if code, b := f.get("/private"); code != http.StatusUnauthorized {
		t.Fatalf("GET /private without a token: %d %s", code, b)
	}
	limited := map[int]int{}
	for i := 0; limited[http.StatusTooManyRequests] == 0; i++ {
		if i == 50 {
			t.Fatalf("GET /message was never throttled: %v", limited)
		}
		code, _ := f.get("/message")
		limited[code]++
	}
	m := new(dns.Msg)
	m.SetQuestion("nothere.observe.local.", dns.TypeA)
	if r, err := dns.Exchange(m, f.env.Server.DNSAddr()); err != nil || r.Rcode != dns.RcodeNameError {
		t.Fatalf("DNS query for a missing name: %v %v", r, err)
	}
	after, raw := f.scrape()
	promtool(t, raw)

	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	route := func(key string, more ...string) map[string]string {
		l := map[string]string{"api": f.apiID, "stage": "$default", "route": key}
		for i := 0; i+1 < len(more); i += 2 {
			l[more[i]] = more[i+1]
		}
		return l
	}
	checks := []struct {
		what string
		got  float64
		want float64
	}{
		{"GET / 2xx", delta("portolan_gateway_requests_total", route("GET /", "code", "2xx")), 5},
		{"GET / latency observations", delta("portolan_gateway_request_duration_seconds", route("GET /")), 5},
		{"GET / integration latency observations", delta("portolan_gateway_integration_duration_seconds", route("GET /")), 5},
		{"GET /private 4xx", delta("portolan_gateway_requests_total", route("GET /private", "code", "4xx")), 1},
		{"GET /private 2xx", delta("portolan_gateway_requests_total", route("GET /private", "code", "2xx")), 0},
		{"GET /private unauthorized", delta("portolan_gateway_authorizer_results_total", route("GET /private", "result", "unauthorized")), 1},
		{"GET /message 2xx", delta("portolan_gateway_requests_total", route("GET /message", "code", "2xx")), float64(limited[http.StatusOK])},
		{"GET /message 4xx", delta("portolan_gateway_requests_total", route("GET /message", "code", "4xx")), float64(limited[http.StatusTooManyRequests])},
		{"GET /message throttled", delta("portolan_gateway_throttled_requests_total", route("GET /message")), float64(limited[http.StatusTooManyRequests])},
		{"NXDOMAIN in observe.local.", delta("portolan_dns_queries_total", map[string]string{"zone": "observe.local.", "type": "A", "rcode": "NXDOMAIN"}), 1},
		{"healthy instances of web", value(after, "portolan_cloudmap_instances", map[string]string{"namespace": "observe.local", "service": "web", "health": "HEALTHY"}), 2},
		{"web's desired tasks", value(after, "portolan_ecs_service_desired_tasks", map[string]string{"cluster": "observe", "service": "web"}), 2},
		{"web's running tasks", value(after, "portolan_ecs_service_running_tasks", map[string]string{"cluster": "observe", "service": "web"}), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	for _, name := range []string{"portolan_store_commit_duration_seconds", "portolan_ecs_task_start_duration_seconds", "go_goroutines"} {
		if value(after, name, nil) == 0 {
			t.Errorf("no %s", name)
		}
	}
	usage, raw := f.taskUsage()
	promtool(t, raw)
	// The store's watches: the views and reconcilers follow it, each
	// handover counted with its lag.
	if value(usage, "portolan_store_watches", nil) < 5 || value(usage, "portolan_store_watch_lag_revisions", nil) == 0 {
		t.Errorf("watch lag: %v watches, %v handovers", value(usage, "portolan_store_watches", nil), value(usage, "portolan_store_watch_lag_revisions", nil))
	}
	if fam := usage["portolan_store_watch_behind_revisions"]; fam == nil || fam.GetType() != dto.MetricType_GAUGE {
		t.Errorf("no portolan_store_watch_behind_revisions gauge")
	}
	f.killTask(after)
}

// killTask kill -9s the process of one of the service's tasks and waits
// for the stop and the replacement's start to be counted.
func (f *observeFixture) killTask(before map[string]*dto.MetricFamily) {
	t := f.t
	_, b := f.get("/")
	var info struct{ PID int }
	if err := json.Unmarshal(b, &info); err != nil || info.PID == 0 {
		t.Fatalf("no pid in %s", b)
	}
	if err := killPID(info.PID); err != nil {
		t.Fatal(err)
	}
	stops := map[string]string{"stop_code": "EssentialContainerExited"}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		now, _ := f.scrape()
		stopped := value(now, "portolan_ecs_task_stops_total", stops) - value(before, "portolan_ecs_task_stops_total", stops)
		started := value(now, "portolan_ecs_task_starts_total", nil) - value(before, "portolan_ecs_task_starts_total", nil)
		if stopped == 1 && started == 1 {
			return
		}
		if time.Now().After(deadline) {
			tasks, _ := awsecs.NewFromConfig(f.env.AWS).ListTasks(context.Background(), &awsecs.ListTasksInput{Cluster: aws.String("observe")})
			t.Fatalf("after the kill: %v stops with EssentialContainerExited, %v starts (tasks %v)", stopped, started, tasks)
		}
	}
}

// promtool checks a scrape with Prometheus's own linter.
func promtool(t *testing.T, scrape []byte) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("no promtool: the scrape is not linted (.ci/run installs prometheus)")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(scrape))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPrometheusScrapes runs Debian's Prometheus server against Portolan
// (a one-second scrape interval) and asks its HTTP API for the gateway's
// request rate while the API is called.
func TestPrometheusScrapes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a stack's tasks and a Prometheus server")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("no prometheus binary (.ci/run installs it)")
	}
	f := startObserve(t)
	dir := t.TempDir()
	conf := fmt.Sprintf("global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: portolan\n    static_configs: [{ targets: [%q] }]\n", f.env.Server.APIAddr())
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	query := "http://" + addr + "/api/v1/query?query=" + url.QueryEscape(`sum(rate(portolan_gateway_requests_total{route="GET /"}[1m]))`)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		f.get("/")
		if rate, ok := promRate(query); ok && rate > 0 {
			t.Logf("rate(portolan_gateway_requests_total[1m]) for GET /: %.2f/s", rate)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never had a request rate for GET /:\n%s", log.String())
		}
	}
}

// promRate runs an instant query and returns the first sample's value.
func promRate(query string) (float64, bool) {
	resp, err := http.Get(query)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if json.NewDecoder(resp.Body).Decode(&r) != nil || r.Status != "success" || len(r.Data.Result) == 0 {
		return 0, false
	}
	var v float64
	s, _ := r.Data.Result[0].Value[1].(string)
	_, err = fmt.Sscan(s, &v)
	return v, err == nil
}

// TestAdminToken: with credentials configured, /metrics and the console
// refuse unsigned requests and take the token printed at start instead
// (what a browser or a Prometheus server can send): as a bearer token, or
// in the console's URL, which leaves it in a cookie for the page's own
// requests.
func TestAdminToken(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "AKIDOBSERVE", "observe-secret" })
	token := env.Server.Token()
	if token == "" || !strings.HasSuffix(env.Server.ConsoleURL(), "?token="+token) {
		t.Fatalf("token %q, console URL %s", token, env.Server.ConsoleURL())
	}
	base := "http://" + env.Server.APIAddr()
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, c := range []struct {
		path   string
		header []string
		want   int
	}{
		{"/metrics", nil, http.StatusForbidden},
		{"/metrics", []string{"Authorization", "Bearer not-the-token"}, http.StatusForbidden},
		{"/metrics", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"/_portolan/console/", nil, http.StatusForbidden},
		{"/_portolan/console/?token=wrong", nil, http.StatusForbidden},
		{"/_portolan/console/events", []string{"Cookie", "portolan_token=wrong"}, http.StatusForbidden},
		{"/_portolan/status", []string{"Authorization", "Bearer " + token}, http.StatusOK},
	} {
		if got := get(c.path, c.header...).StatusCode; got != c.want {
			t.Errorf("GET %s %v: %d, want %d", c.path, c.header, got, c.want)
		}
	}
	page := get("/_portolan/console/?token=" + token)
	var cookie *http.Cookie
	for _, ck := range page.Cookies() {
		if ck.Name == "portolan_token" {
			cookie = ck
		}
	}
	if page.StatusCode != http.StatusOK || cookie == nil || !cookie.HttpOnly {
		t.Fatalf("console page: %d, cookie %v", page.StatusCode, cookie)
	}
	events := get("/_portolan/console/events", "Cookie", cookie.String())
	if events.StatusCode != http.StatusOK || events.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events with the cookie: %d %s", events.StatusCode, events.Header.Get("Content-Type"))
	}
	first := make([]byte, len("event: view\ndata: {"))
	if _, err := io.ReadFull(events.Body, first); err != nil || string(first) != "event: view\ndata: {" {
		t.Fatalf("first event: %q %v", first, err)
	}
}
