package gateway_test

import (
	"context"
	"net/http"
	"testing"

	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
)

// TestMetrics: each answered request counts once on its route's series
// with its status class, and once on the Cloud Map instance it was sent
// to; a request for no route counts as unrouted; the series of a deleted
// route leave the registry.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	f := fixtureFor(t, apigwtest.Start(t, func(c *gateway.Config) { c.Metrics = reg }))
	_, arn := f.cloudMapBackend("a")
	integ := f.cloudMapIntegration(arn, nil)
	pets := f.route("GET /pets", integ)
	f.route("GET /gone", f.urlIntegration("http://127.0.0.1:1/", nil, 0)) // nothing listens: 500
	f.stage("$default", true, nil, nil)
	for range 3 {
		if r := f.do("GET", "/pets", nil); r.status != http.StatusOK {
			t.Fatalf("GET /pets: %d %s", r.status, r.body)
		}
	}
	if r := f.do("GET", "/gone", nil); r.status/100 != 5 {
		t.Fatalf("GET /gone: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/nowhere", nil); r.status != http.StatusNotFound {
		t.Fatalf("GET /nowhere: %d", r.status)
	}
	count := func(name string, labels ...string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
		next:
			for _, m := range mf.GetMetric() {
				have := map[string]string{}
				for _, l := range m.GetLabel() {
					have[l.GetName()] = l.GetValue()
				}
				for i := 0; i+1 < len(labels); i += 2 {
					if have[labels[i]] != labels[i+1] {
						continue next
					}
				}
				sum += m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
			}
		}
		return sum
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"portolan_gateway_requests_total", []string{"route", "GET /pets", "code", "2xx", "integration", integ, "stage", "$default", "api", f.apiID}, 3},
		{"portolan_gateway_requests_total", []string{"route", "GET /pets", "code", "5xx"}, 0},
		{"portolan_gateway_requests_total", []string{"route", "GET /gone", "code", "5xx"}, 1},
		{"portolan_gateway_request_duration_seconds", []string{"route", "GET /pets"}, 3},
		{"portolan_gateway_integration_duration_seconds", []string{"route", "GET /pets"}, 3},
		{"portolan_gateway_unrouted_requests_total", []string{"code", "4xx"}, 1},
		{"portolan_gateway_instance_requests_total", []string{"instance", "a1"}, 3},
	}
	for _, c := range checks {
		if got := count(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(reg, "portolan_gateway_authorizer_results_total"); n != 0 {
		t.Errorf("%d authorizer series for routes without an authorizer", n)
	}

	if _, err := f.api.DeleteRoute(context.Background(), &agw.DeleteRouteInput{ApiId: &f.apiID, RouteId: &pets}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if got := count("portolan_gateway_requests_total", "route", "GET /pets"); got != 0 {
		t.Errorf("the deleted route still has %v requests in the registry", got)
	}
	if got := count("portolan_gateway_requests_total", "route", "GET /gone", "code", "5xx"); got != 1 {
		t.Errorf("the remaining route lost its count: %v", got)
	}
}

// BenchmarkServeHTTPMetrics is BenchmarkServeHTTP with the Prometheus
// series on: the difference is the metrics' cost per request.
func BenchmarkServeHTTPMetrics(b *testing.B) {
	benchServeHTTP(b, func(c *gateway.Config) { c.Metrics = prometheus.NewRegistry() })
}
