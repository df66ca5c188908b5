package server

import (
	"crypto/rand"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The process's Prometheus registry (served at GET /metrics by admin) and
// the console's token. Each part registers its own series on the registry
// it is handed; these are the ones no part owns: Go's runtime, the
// process, the store's write latency.

func newRegistry() (*prometheus.Registry, func(time.Duration)) {
	reg := prometheus.NewRegistry()
	commits := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portolan_store_commit_duration_seconds",
		Help:    "Time a store write took to be durable (queueing, the transaction and its fsync).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), commits)
	return reg, func(d time.Duration) { commits.Observe(d.Seconds()) }
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
