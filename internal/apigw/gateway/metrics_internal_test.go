package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkMetricsRecord is what the metrics add to a request that reached
// its integration: the status-class counter and the two histograms, on
// series resolved at compile time.
func BenchmarkMetricsRecord(b *testing.B) {
	m, rq := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		m.record(rq)
	}
}

// BenchmarkMetricsRecordParallel is the same from every core at once, on
// one route: the worst case for the shared counters' cache lines.
func BenchmarkMetricsRecordParallel(b *testing.B) {
	m, rq := benchRecord()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.record(rq)
		}
	})
}

func benchRecord() (*metrics, *request) {
	m := newMetrics(prometheus.NewRegistry())
	rt := &routeState{key: "GET /pets/{id}"}
	rt.m = m.route(routeLabels{"api", "$default", rt.key, "integ"}, false)
	return m, &request{start: time.Now(), route: rt, status: http.StatusOK, integCalled: true, integLatency: time.Millisecond}
}
