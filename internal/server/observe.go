package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/portolan/portolan/internal/store"
)

// The process's Prometheus registry (served at GET /metrics by admin) and
// the console's token. Each part registers its own series on the registry
// it is handed; these are the ones no part owns: Go's runtime, the
// process, the store's write latency and its watches' lag.

func newRegistry() (*prometheus.Registry, func(time.Duration)) {
	reg := prometheus.NewRegistry()
	commits := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portolan_store_commit_duration_seconds",
		Help:    "Time a store write took to be durable (queueing, the transaction and its fsync).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), commits)
	return reg, func(d time.Duration) { commits.Observe(d.Seconds()) }
}

// watchLag wraps st so that its watches report their lag on reg: at each
// handover (a histogram), and now (gauges, read at scrape time).
func watchLag(st store.Store, reg prometheus.Registerer) store.Store {
	handed := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portolan_store_watch_lag_revisions",
		Help:    "Revisions the store's head was past the last change of a batch when its watcher took it (0: the watcher was current).",
		Buckets: []float64{0, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000}})
	lagged := store.NewWatchLag(st, func(lag int64) { handed.Observe(float64(lag)) })
	reg.MustRegister(handed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "portolan_store_watches", Help: "Open store watches (views, reconcilers, console streams)."},
			func() float64 { n, _ := lagged.Behind(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "portolan_store_watch_behind_revisions",
			Help: "The largest lag of any open watch now: revisions from the oldest change its watcher has not taken to the store's head (0: every watcher is current)."},
			func() float64 { _, lag := lagged.Behind(); return float64(lag) }))
	return lagged
}

// newToken is the admin token that stands in for SigV4 where a client
// cannot sign (a browser on the console, a Prometheus server): printed
// at start when credentials are configured.
func newToken() string { return rand.Text() }

// ConsoleURL is the web console's address, with the token when the API
// requires credentials.
func (s *Server) ConsoleURL() string {
	u := "http://" + s.APIAddr() + "/_portolan/console/"
	if s.token != "" {
		u += "?token=" + s.token
	}
	return u
}

// Token is the admin token ("" when the API takes unsigned requests).
func (s *Server) Token() string { return s.token }

// tracing exports the gateway's spans to an OTLP/HTTP collector
// (--otlp-endpoint, e.g. http://localhost:4318); it is a role so that
// the spans still batched are sent when the process stops.
type tracing struct{ tp *sdktrace.TracerProvider }

func newTracing(endpoint string) (*tracing, error) {
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(strings.TrimSuffix(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "portolan"))
	// A second's batching: a developer looking at a trace does not wait.
	return &tracing{sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)), sdktrace.WithResource(res))}, nil
}

func (t *tracing) tracer() trace.Tracer { return t.tp.Tracer("github.com/portolan/portolan/gateway") }

// Run flushes and stops the exporter when ctx ends.
func (t *tracing) Run(ctx context.Context) error {
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.tp.Shutdown(stop)
}
