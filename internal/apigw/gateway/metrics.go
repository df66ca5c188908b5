package gateway

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The gateway's Prometheus series. Every label is bounded by the
// configuration (API, stage, route key, integration id), never by what a
// client sends: requests that match no route are counted without one.
//
// Hot-path cost: a route's counters and histograms are resolved when its
// stage is compiled (routeMetrics, kept in the immutable snapshot), so a
// request does a few atomic adds and no label lookup.

// latencyBuckets spans a local gateway's range: from well under a
// millisecond to the 30 s integration timeout.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

type metrics struct {
	requests    *prometheus.CounterVec   // api, stage, route, integration, code
	latency     *prometheus.HistogramVec // api, stage, route
	integration *prometheus.HistogramVec // api, stage, route, integration
	authorizer  *prometheus.CounterVec   // api, stage, route, result
	throttled   *prometheus.CounterVec   // api, stage, route
	unmatched   [6]prometheus.Counter    // by status class: no API, stage or route
	instances   *prometheus.CounterVec   // cloudmap_service, instance

	// routes are the series resolved for compiled stages, so a rebuild can
	// drop those of routes that are gone. Only the Run goroutine uses it
	// (the lock keeps that true of tests that compile stages directly).
	mu     sync.Mutex
	routes map[routeLabels]*routeMetrics
	insts  map[instanceLabels]*instanceMetrics
}

// instanceLabels identifies a Cloud Map instance's series.
type instanceLabels struct{ service, instance string }

// instanceMetrics is one instance's pre-resolved counter.
type instanceMetrics struct {
	labels   instanceLabels
	requests prometheus.Counter
}

// routeLabels identifies a route's series.
type routeLabels struct{ api, stage, route, integration string }

// routeMetrics are one route's pre-resolved series.
type routeMetrics struct {
	labels      routeLabels
	byClass     [6]prometheus.Counter // status/100; [0] for anything outside 1xx-5xx
	latency     prometheus.Observer
	integration prometheus.Observer
	allowed     prometheus.Counter
	denied      prometheus.Counter // 401: no token or an invalid one
	forbidden   prometheus.Counter // 403: a valid token without the route's scope
	throttled   prometheus.Counter
}

var statusClasses = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

func newMetrics(reg prometheus.Registerer) *metrics {
	route := []string{"api", "stage", "route"}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_gateway_requests_total",
			Help: "HTTP API requests answered, by API, stage, route, integration and status class."},
			append(route, "integration", "code")),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "portolan_gateway_request_duration_seconds",
			Help: "Time from a request's arrival to its last response byte ($context.responseLatency).", Buckets: latencyBuckets}, route),
		integration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "portolan_gateway_integration_duration_seconds",
			Help: "Time the integration took to answer ($context.integrationLatency).", Buckets: latencyBuckets},
			append(route, "integration")),
		authorizer: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_gateway_authorizer_results_total",
			Help: "JWT authorizer decisions: allowed, unauthorized (401) or forbidden (403)."}, append(route, "result")),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_gateway_throttled_requests_total",
			Help: "Requests refused with 429 by the account's or the route's throttling."}, route),
		// The instance id is a label because the console draws the edge
		// from a Cloud Map service to each task (an ECS task's instance id
		// is its task id); the series live only as long as the instance
		// is routable (prune), so they stay bounded by live instances.
		instances: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_gateway_instance_requests_total",
			Help: "Requests a private integration sent to a Cloud Map instance, by the service's id and the instance's id."},
			[]string{"cloudmap_service", "instance"}),
		routes: map[routeLabels]*routeMetrics{},
		insts:  map[instanceLabels]*instanceMetrics{},
	}
	unmatched := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portolan_gateway_unrouted_requests_total",
		Help: "Requests that matched no API, stage or route (or were refused before routing), by status class."}, []string{"code"})
	for i, c := range statusClasses {
		m.unmatched[i] = unmatched.WithLabelValues(c)
	}
	reg.MustRegister(m.requests, m.latency, m.integration, m.authorizer, m.throttled, m.instances, unmatched)
	return m
}

// route returns the series of a route, resolving them on first use. It
// runs when a stage is compiled, off the request path.
//
// A route without an authorizer gets no authorizer series.
func (m *metrics) route(l routeLabels, authorized bool) *routeMetrics {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rm := m.routes[l]; rm != nil {
		return rm
	}
	rm := &routeMetrics{labels: l,
		latency:     m.latency.WithLabelValues(l.api, l.stage, l.route),
		integration: m.integration.WithLabelValues(l.api, l.stage, l.route, l.integration),
		throttled:   m.throttled.WithLabelValues(l.api, l.stage, l.route),
	}
	if authorized {
		rm.allowed = m.authorizer.WithLabelValues(l.api, l.stage, l.route, "allowed")
		rm.denied = m.authorizer.WithLabelValues(l.api, l.stage, l.route, "unauthorized")
		rm.forbidden = m.authorizer.WithLabelValues(l.api, l.stage, l.route, "forbidden")
	}
	for i, c := range statusClasses {
		rm.byClass[i] = m.requests.WithLabelValues(l.api, l.stage, l.route, l.integration, c)
	}
	m.routes[l] = rm
	return rm
}

// instance returns the counter of a Cloud Map instance, resolving it on
// first use, when an instance set is built (off the request path).
func (m *metrics) instance(service, instance string) *instanceMetrics {
	l := instanceLabels{service, instance}
	m.mu.Lock()
	defer m.mu.Unlock()
	if im := m.insts[l]; im != nil {
		return im
	}
	im := &instanceMetrics{labels: l, requests: m.instances.WithLabelValues(service, instance)}
	m.insts[l] = im
	return im
}

// prune deletes the series of routes and instances the new snapshot no
// longer holds, so deleted APIs, routes and instances do not linger in every scrape. It runs after
// a rebuild, off the request path.
func (m *metrics) prune(snap *snapshot) {
	if m == nil || snap == nil {
		return
	}
	live := map[*routeMetrics]bool{}
	for _, api := range snap.apis {
		if api.def != nil {
			for _, rm := range api.def.metrics {
				live[rm] = true
			}
		}
		for _, st := range api.named {
			for _, rm := range st.metrics {
				live[rm] = true
			}
		}
	}
	liveInst := map[*instanceMetrics]bool{}
	for _, set := range snap.targets {
		for _, im := range set.sent {
			liveInst[im] = true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for l, im := range m.insts {
		if !liveInst[im] {
			delete(m.insts, l)
			m.instances.DeleteLabelValues(l.service, l.instance)
		}
	}
	for l, rm := range m.routes {
		if live[rm] {
			continue
		}
		delete(m.routes, l)
		m.latency.DeleteLabelValues(l.api, l.stage, l.route)
		m.integration.DeleteLabelValues(l.api, l.stage, l.route, l.integration)
		m.throttled.DeleteLabelValues(l.api, l.stage, l.route)
		for _, r := range []string{"allowed", "unauthorized", "forbidden"} {
			m.authorizer.DeleteLabelValues(l.api, l.stage, l.route, r)
		}
		for _, c := range statusClasses {
			m.requests.DeleteLabelValues(l.api, l.stage, l.route, l.integration, c)
		}
	}
}

// record counts a finished request: called once, where its access log
// line is written, with its status and latencies known.
func (m *metrics) record(rq *request) {
	if m == nil {
		return
	}
	class := rq.status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	rm := rq.route.metrics()
	if rm == nil {
		m.unmatched[class].Inc()
		return
	}
	rm.byClass[class].Inc()
	rm.latency.Observe(time.Since(rq.start).Seconds())
	if rq.integCalled {
		rm.integration.Observe(rq.integLatency.Seconds())
	}
	if rq.errMessage == errThrottled.message {
		rm.throttled.Inc()
		return // refused before the authorizer ran
	}
	if rm.allowed == nil {
		return // no authorizer on the route
	}
	switch rq.errMessage {
	case errUnauthorized.message:
		rm.denied.Inc()
	case errForbidden.message:
		rm.forbidden.Inc()
	default:
		rm.allowed.Inc()
	}
}

// metrics returns the route's series, nil for no route (or no metrics).
func (rt *routeState) metrics() *routeMetrics {
	if rt == nil {
		return nil
	}
	return rt.m
}
