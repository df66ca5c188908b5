package gateway

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The REST gateway's Prometheus series: requests by API, stage, resource
// (its path template, never the request's path) and method, so every
// label is bounded by the configuration. A method's counter is resolved
// when its stage is compiled and kept in the immutable snapshot, so a
// request does one atomic add; a rebuild deletes the series of methods
// no stage holds any more.

type metrics struct {
	requests *prometheus.CounterVec // api, stage, resource, method

	mu      sync.Mutex // rebuilds run on one goroutine; tests compile directly
	methods map[methodLabels]prometheus.Counter
}

type methodLabels struct{ api, stage, resource, method string }

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_restapi_requests_total",
			Help: "REST API requests answered, by API, stage, resource path and HTTP method (as set up: ANY stays ANY)."},
			[]string{"api", "stage", "resource", "method"}),
		methods: map[methodLabels]prometheus.Counter{},
	}
	reg.MustRegister(m.requests)
	return m
}

// method returns a method's counter, resolving it on first use (when a
// stage is compiled, off the request path); nil with metrics off.
func (m *metrics) method(l methodLabels) prometheus.Counter {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.methods[l]
	if c == nil {
		c = m.requests.WithLabelValues(l.api, l.stage, l.resource, l.method)
		m.methods[l] = c
	}
	return c
}

// prune deletes the series of methods the snapshot no longer holds.
func (m *metrics) prune(s *snapshot) {
	if m == nil || s == nil {
		return
	}
	live := map[methodLabels]bool{}
	for _, api := range s.apis {
		for _, st := range api.stages {
			for _, l := range st.methods {
				live[l] = true
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for l := range m.methods {
		if !live[l] {
			delete(m.methods, l)
			m.requests.DeleteLabelValues(l.api, l.stage, l.resource, l.method)
		}
	}
}
