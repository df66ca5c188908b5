package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/portolan/portolan/internal/apigw/gateway/framing"
	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/httpserve"
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/upstream"
)

// DefaultDomain is the local host suffix an API is selected by, shared
// with HTTP APIs: <restApiId>.execute-api.localhost, with any port.
const DefaultDomain = "execute-api.localhost"

// maxPayload is the REST API payload quota (10 MB).
const maxPayload = 10 << 20

// LoadBalancers is what the gateway needs of Elastic Load Balancing: the
// address of the Network Load Balancer a VPC link targets. The server
// adapts elbv2's view to it.
type LoadBalancers interface {
	store.Source
	// Revision is the store revision the answers come from; ok is false
	// before the first snapshot.
	Revision() (rev int64, ok bool)
	// LoadBalancerAddress is the address the load balancer arn listens on;
	// false when it does not exist.
	LoadBalancerAddress(arn string) (netip.Addr, bool)
}

// Endpoints is what the gateway needs of EC2: the execute-api interface
// VPC endpoints private APIs are reached through. The server adapts the
// EC2 view to it. Both are read per request and must not block.
type Endpoints interface {
	// Endpoint returns the VPC of the execute-api endpoint id; false when
	// no such endpoint exists.
	Endpoint(id string) (vpcID string, ok bool)
	// PrivateDNSEndpoint returns the execute-api endpoint with private DNS
	// enabled: {restApiId}.execute-api.{region}.amazonaws.com resolves to
	// it, as it does in the endpoint's VPC. False when none has it on.
	PrivateDNSEndpoint() (id string, ok bool)
}

// Config is what a Gateway needs.
type Config struct {
	// APIs is the REST APIs' read side.
	APIs *restapi.View
	// LoadBalancers, when set, is where VPC links send (nil: VPC_LINK
	// integrations answer 500).
	LoadBalancers LoadBalancers
	// Endpoints, when set, knows the VPC endpoints (nil: none exist, and
	// private APIs cannot be reached).
	Endpoints Endpoints
	Region    string
	AccountID string
	// Domain is the local host suffix (DefaultDomain when empty).
	Domain string
	// AccessLog receives the access log lines of stages with
	// accessLogSettings (os.Stdout when nil; io.Discard to silence);
	// LogSink, when set, the same lines for the stage's log group.
	AccessLog io.Writer
	LogSink   LogSink
	Logger    *slog.Logger
	// TLSClientConfig is for https integrations; nil uses the system's
	// roots.
	TLSClientConfig *tls.Config
	// Metrics, when set, is where the gateway's Prometheus series go
	// (metrics.go); nil turns them off.
	Metrics prometheus.Registerer
	// AccountThrottle is the account-level limit: the account's
	// throttleSettings (10,000 requests/s, burst 5,000) when zero; a
	// negative Rate turns it off.
	AccountThrottle Throttle
}

// Throttle is a steady rate (requests per second) and a burst.
type Throttle struct {
	Rate  float64
	Burst int
}

// Gateway is the REST API data plane. Requests read one immutable
// snapshot, swapped atomically by Run whenever a view changes.
type Gateway struct {
	cfg       Config
	log       *slog.Logger
	local     string // "." + Domain
	aws       string // ".execute-api.<region>.amazonaws.com"
	regional  string // ".execute-api.<region>.localhost"
	snaps     store.Feed[*snapshot]
	ready     chan struct{}
	readyOnce sync.Once
	up        *upstream.Client
	transport *http.Transport
	dials     atomic.Int64
	lastPort  atomic.Pointer[portValue] // X-Forwarded-Port, for the port last seen
	logs      *accessLogger
	metrics   *metrics // nil: metrics off
	reqs      sync.Pool
	bufs      sync.Pool
	account   *rate.Limiter // nil: off

	// Only the Run goroutine touches these: limiters and quota counters
	// that outlive a snapshot while their settings do not change.
	limiters map[limiterKey]*keptLimiter
	quotas   map[quotaKey]*quotaCounter
}

// New returns a Gateway. Run must be running for it to serve.
func New(cfg Config) *Gateway {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if cfg.AccessLog == nil {
		cfg.AccessLog = os.Stdout
	}
	g := &Gateway{
		cfg:      cfg,
		log:      cfg.Logger,
		local:    "." + lower(cfg.Domain),
		aws:      ".execute-api." + lower(cfg.Region) + ".amazonaws.com",
		regional: ".execute-api." + lower(cfg.Region) + ".localhost",
		ready:    make(chan struct{}),
		limiters: map[limiterKey]*keptLimiter{},
		quotas:   map[quotaKey]*quotaCounter{},
	}
	g.up = upstream.New(&g.dials)
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	g.transport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			g.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableCompression:  true,
		TLSClientConfig:     cfg.TLSClientConfig,
	}
	switch t := cfg.AccountThrottle; {
	case t.Rate < 0:
	case t == Throttle{}:
		g.account = rate.NewLimiter(restapi.DefaultRateLimit, restapi.DefaultBurstLimit)
	default:
		g.account = rate.NewLimiter(rate.Limit(t.Rate), t.Burst)
	}
	g.logs = newAccessLogger(cfg.AccessLog, cfg.LogSink, cfg.Logger)
	if cfg.Metrics != nil {
		g.metrics = newMetrics(cfg.Metrics)
	}
	g.reqs.New = func() any { return new(request) }
	g.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	return g
}

// UpstreamDials is how many connections the gateway has opened to
// integrations: with keep-alive it stays near the number of concurrent
// requests, however many requests pass.
func (g *Gateway) UpstreamDials() int64 { return g.dials.Load() }

// Ready blocks until the gateway has its first snapshot.
func (g *Gateway) Ready(ctx context.Context) error {
	select {
	case <-g.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run follows the views, rebuilding the snapshot on every change, and
// writes access logs, until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	sources := []store.Source{g.cfg.APIs}
	if g.cfg.LoadBalancers != nil {
		sources = append(sources, g.cfg.LoadBalancers)
	}
	eg.Go(func() error { return store.Join(ctx, &g.snaps, g.rebuild, sources...) })
	eg.Go(func() error { return g.logs.run(ctx) })
	eg.Go(func() error { return g.up.Run(ctx) })
	err := eg.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// rebuild compiles a new snapshot when a view has published since the
// last one.
func (g *Gateway) rebuild() (*snapshot, int64, bool) {
	a, lbRev := g.cfg.APIs.Snapshot(), g.loadBalancersRevision()
	prev := g.current()
	if a == nil || (prev != nil && prev.src == a && prev.lbRev == lbRev) {
		return nil, 0, false
	}
	s := g.build(prev, a, lbRev)
	g.metrics.prune(s)
	if lbRev >= 0 {
		g.readyOnce.Do(func() { close(g.ready) })
	}
	return s, max(s.rev, s.lbRev), true
}

// loadBalancersRevision is 0 without a load balancers' view, -1 before
// its first snapshot.
func (g *Gateway) loadBalancersRevision() int64 {
	if g.cfg.LoadBalancers == nil {
		return 0
	}
	if rev, ok := g.cfg.LoadBalancers.Revision(); ok {
		return rev
	}
	return -1
}

func (g *Gateway) current() *snapshot {
	s, _, _ := g.snaps.Load()
	return s
}

// Sync waits until the gateway serves what every view held when Sync was
// called, so a caller that changes an API and then calls Sync can invoke
// and see the change.
func (g *Gateway) Sync(ctx context.Context) error {
	a, lbRev := g.cfg.APIs.Snapshot(), g.loadBalancersRevision()
	_, _, err := g.snaps.Await(ctx, func(s *snapshot, _ int64) bool {
		return (a == nil || s.rev >= a.Revision) && s.lbRev >= lbRev
	})
	return err
}

// Serve answers requests on ln until ctx ends. In a server the REST APIs
// share the HTTP API gateway's listener (its Config.Next); Serve is for a
// REST gateway on a listener of its own.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	return httpserve.Serve(ctx, ln, httpserve.Config{
		Handler:           g,
		MaxHeadBytes:      router.MaxPathLength,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		Grace:             5 * time.Second,
		Logger:            g.log,
		// Not on event loops yet: TestVPCLink, on loops, saw 8 requests at
		// once share one upstream connection in 2 runs of 120.
	})
}

// ServeHTTP serves one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := g.reqs.Get().(*request)
	rq.start = time.Now()
	ids := httpserve.Reused[requestIDs](w)
	id, extendedID, traceID := newIDs(ids, rq.start)
	rq.id, rq.extendedID, rq.traceID = id, extendedID, traceID
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			g.log.Error("panic serving REST API request", "requestId", rq.id, "panic", p, "stack", string(debug.Stack()))
			if !rq.wroteHeader {
				rq.fail(w, errInternal)
			}
		}
		if rq.st != nil && rq.st.log != nil {
			g.logs.record(rq, r, g.cfg.AccountID)
		}
		if rq.method != nil && rq.method.requests != nil {
			rq.method.requests.Inc()
		}
		rq.reset()
		g.reqs.Put(rq)
		if p == http.ErrAbortHandler {
			panic(p) // let the server cut the connection (a truncated relay)
		}
	}()
	// On every answer, errors included, as REST APIs send them.
	// Each header value the gateway sets gets a slice of ids.values capped
	// at its length, so a later append copies instead of overwriting a
	// neighbour.
	h := w.Header()
	ids.values[0], ids.values[1] = id, extendedID
	h["X-Amzn-Requestid"], h["X-Amz-Apigw-Id"] = ids.values[0:1:1], ids.values[1:2:2]
	if framing.Ambiguous(r) {
		// Both Content-Length and Transfer-Encoding (request smuggling):
		// refused, and the connection closed.
		h["Connection"] = []string{"close"}
		rq.fail(w, errBadRequest)
		return
	}
	g.handle(w, r, rq)
}

// handle selects the API (by host), its stage (the first path segment),
// the resource and method, checks the caller (resource policy, API key,
// throttles), then calls the integration.
func (g *Gateway) handle(w http.ResponseWriter, r *http.Request, rq *request) {
	snap := g.current()
	if snap == nil {
		rq.fail(w, errUnavailable)
		return
	}
	api, vpce, ok := g.selectAPI(snap, r)
	if !ok {
		rq.fail(w, errForbidden)
		return
	}
	rq.apiID, rq.vpceID = api.id, vpce
	raw, query, ok := router.RequestTarget(r)
	if !ok {
		rq.fail(w, errBadRequest)
		return
	}
	rq.rawPath, rq.rawQuery = raw, query
	st, rest := api.stageFor(raw)
	if st == nil {
		rq.fail(w, errMissingToken)
		return
	}
	rq.st, rq.stagePath = st, rest
	if st.tree == nil {
		rq.fail(w, errMissingToken)
		return
	}
	p, err := router.ParsePath(rest)
	if err != nil {
		rq.fail(w, errBadRequest)
		return
	}
	m, ok := st.tree.Match(r.Method, p, &rq.params)
	if !ok {
		rq.fail(w, errMissingToken)
		return
	}
	rq.method = m
	if m.needsSignature && !signed(r) {
		// AWS_IAM: an unsigned call is answered as an unknown one.
		rq.fail(w, errMissingToken)
		return
	}
	if (api.private || st.hasPolicy) && !g.authorize(w, r, rq, api) {
		return
	}
	if !g.admit(w, r, rq, snap, api) {
		return
	}
	if r.ContentLength > maxPayload {
		rq.fail(w, errTooLarge)
		return
	}
	g.integrate(w, r, rq)
}

// signed reports whether the request carries a SigV4 signature (header or
// query string). Portolan does not verify it: there is no IAM.
func signed(r *http.Request) bool {
	if a := r.Header.Get("Authorization"); len(a) > 16 && a[:16] == "AWS4-HMAC-SHA256" {
		return true
	}
	return r.URL.Query().Get("X-Amz-Signature") != ""
}
