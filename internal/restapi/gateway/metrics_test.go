package gateway_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetrics: each answered request counts once on its method's series
// (labelled with the resource's path template, not the request's path);
// a deleted stage's series leave the registry.
func TestMetrics(t *testing.T) {
	f := newFixture(t)
	api, root := f.api("counted", false, "")
	pets := f.resource(api, root, "pets")
	id := f.resource(api, pets, "{id}")
	f.mockMethod(api, id, "GET", false)
	f.deploy(api, "prod")
	f.sync()
	for _, path := range []string{"/prod/pets/1", "/prod/pets/2", "/prod/pets/3"} {
		if r := f.do("GET", f.host(api), path, nil, ""); r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	requests := func() float64 {
		mfs, err := f.metrics.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				l := map[string]string{}
				for _, lp := range m.GetLabel() {
					l[lp.GetName()] = lp.GetValue()
				}
				if mf.GetName() == "portolan_restapi_requests_total" && l["api"] == api && l["stage"] == "prod" && l["resource"] == "/pets/{id}" && l["method"] == "GET" {
					return m.GetCounter().GetValue()
				}
			}
		}
		return -1
	}
	if got := requests(); got != 3 {
		t.Fatalf("GET /pets/{id} in prod: %v requests, want 3", got)
	}
	if _, err := f.agw.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: &api, StageName: new("prod")}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if n := testutil.CollectAndCount(f.metrics, "portolan_restapi_requests_total"); n != 0 {
		t.Fatalf("%d series after the stage was deleted", n)
	}
}
