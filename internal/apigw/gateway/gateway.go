package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/gateway/framing"
	"github.com/portolan/portolan/internal/apigw/jwtauth"
	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/httpserve"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/upstream"
)

// DefaultDomain is the host suffix an API is selected by:
// <apiId>.execute-api.localhost, with any port. Browsers and curl resolve
// *.localhost to loopback, so no DNS set-up is needed.
const DefaultDomain = "execute-api.localhost"

// maxPayload is the HTTP API payload quota (10 MB): a larger request is
// refused before any backend sees it.
const maxPayload = 10 << 20

// Config is what a Gateway needs.
type Config struct {
	// APIs and CloudMap are the read sides the gateway follows.
	APIs     *apigw.View
	CloudMap *cloudmap.View
	// LoadBalancers, when set, is where private integrations to ELB
	// listeners send (nil: such integrations answer 500).
	LoadBalancers LoadBalancers
	// AccountID feeds $context.accountId.
	AccountID string
	// Domain is the host suffix that selects an API (DefaultDomain when empty).
	Domain string
	// Region, when set, also selects APIs by their regional host name:
	// <apiId>.execute-api.<region>.localhost.
	Region string
	// AccessLog receives every access log line of stages that configure
	// accessLogSettings (os.Stdout when nil; io.Discard to silence).
	AccessLog io.Writer
	// LogSink, when set, receives the same lines for the stage's CloudWatch
	// Logs group (its destinationArn).
	LogSink LogSink
	Logger  *slog.Logger
	// TLSClientConfig is for https integrations and for fetching JWT
	// authorizers' keys; nil uses the system's roots (tests pass their own).
	TLSClientConfig *tls.Config
	// AccountThrottle is the account-level limit every request counts
	// against: AWS's 10,000 requests/s with a burst of 5,000 when zero;
	// a negative Rate turns it off.
	AccountThrottle Throttle
	// LocalKeys, when set, holds the keys of issuers that live in this
	// process (Cognito user pools): JWT authorizers take them from it
	// without fetching.
	LocalKeys jwtauth.LocalKeys
	// Metrics, when set, is where the gateway's Prometheus series are
	// registered (nil: none are kept).
	Metrics prometheus.Registerer
	// Tracer, when set, gets a span per request (tracing.go).
	Tracer trace.Tracer
	// Next, when set, serves the requests of the gateway's listener whose
	// Host names no HTTP API (REST APIs share the listener and the
	// <apiId>.execute-api domain). Listeners bound to one API never use it.
	Next http.Handler
}

// Gateway is the HTTP API data plane. Requests read one immutable snapshot
// (APIs, stages, route tables, integrations, live Cloud Map instance sets,
// load balancer listeners' addresses), swapped atomically by Run whenever
// a view changes; a request never
// reads the store and takes no lock shared with the builder.
type Gateway struct {
	cfg       Config
	log       *slog.Logger
	domain    string                // "." + Domain, lower case
	regional  string                // ".execute-api.<region>.localhost", or ""
	snaps     store.Feed[*snapshot] // what requests are routed by
	ready     chan struct{}
	readyOnce sync.Once
	up        *upstream.Client // plain-http integrations
	transport *http.Transport  // https integrations
	dials     atomic.Int64
	logs      *accessLogger
	metrics   *metrics // nil: metrics off
	reqs      sync.Pool
	bufs      sync.Pool
	// targetIDs numbers Cloud Map targets for the life of the gateway, so
	// compiled integrations keep valid indexes when only instances change.
	// Only the Run goroutine touches it.
	targetIDs map[string]int
	targets   []targetKey
	// listenerIDs numbers ELB listener targets the same way (listeners
	// holds their ARNs), and tlsTransports keeps one https client per
	// serverNameToVerify. Only the Run goroutine touches them.
	listenerIDs   map[string]int
	listeners     []string
	tlsTransports map[string]*http.Transport

	keys           *jwtauth.Keyring // JWT authorizers' issuer keys, for the gateway's life
	account        Throttle
	accountLimiter *rate.Limiter // nil: no account-level limit
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
		cfg:       cfg,
		log:       cfg.Logger,
		domain:    "." + strings.ToLower(cfg.Domain),
		regional:  regionalDomain(cfg.Region),
		ready:     make(chan struct{}),
		targetIDs: map[string]int{},

		listenerIDs:   map[string]int{},
		tlsTransports: map[string]*http.Transport{},
	}
	g.up = upstream.New(&g.dials)
	g.transport = g.newTransport()
	g.keys = jwtauth.NewKeyring(jwtauth.KeyringConfig{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: cfg.TLSClientConfig,
		MaxIdleConns:    16,
		IdleConnTimeout: 90 * time.Second,
	}, Local: cfg.LocalKeys})
	g.account = cfg.AccountThrottle
	if g.account == (Throttle{}) {
		g.account = Throttle{Rate: DefaultAccountRate, Burst: DefaultAccountBurst}
	}
	if g.account.Rate >= 0 {
		g.accountLimiter = newLimiter(g.account)
	} else {
		g.account = Throttle{Rate: math.Inf(1)}
	}
	g.logs = newAccessLogger(cfg.AccessLog, cfg.LogSink, cfg.Logger)
	if cfg.Metrics != nil {
		g.metrics = newMetrics(cfg.Metrics)
	}
	g.reqs.New = func() any { return new(request) }
	g.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	return g
}

// newTransport serves https integrations: connections are kept and reused
// (a large idle pool per host, so bursts do not close and reopen them),
// bodies pass through untouched (no transparent gzip), HTTP/1.1 only.
func (g *Gateway) newTransport() *http.Transport { return g.newTransportTLS(g.cfg.TLSClientConfig) }

func (g *Gateway) newTransportTLS(tc *tls.Config) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			g.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		TLSClientConfig:       tc,
		ReadBufferSize:        32 << 10,
		WriteBufferSize:       32 << 10,
	}
}

// UpstreamDials is how many connections the gateway has opened to
// integrations: with keep-alive it stays near the number of concurrent
// requests, however many requests pass.
func (g *Gateway) UpstreamDials() int64 { return g.dials.Load() }

// Ready blocks until the gateway has its first snapshot of every view.
func (g *Gateway) Ready(ctx context.Context) error {
	select {
	case <-g.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run follows the views, rebuilding the snapshot on every change, and
// flushes access logs, until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	sources := []store.Source{g.cfg.APIs, g.cfg.CloudMap}
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

// rebuild compiles a new snapshot when any view has published since the
// last one (store.Join calls it on every publish).
func (g *Gateway) rebuild() (*snapshot, int64, bool) {
	a, c, lbRev := g.cfg.APIs.Snapshot(), g.cfg.CloudMap.Snapshot(), g.loadBalancersRevision()
	prev := g.current()
	if a == nil || (prev != nil && prev.apiSrc == a && prev.cmSrc == c && prev.lbRev == lbRev) {
		return nil, 0, false
	}
	s := g.build(prev, a, c, lbRev)
	g.metrics.prune(s)
	if c != nil && lbRev >= 0 {
		g.readyOnce.Do(func() { close(g.ready) })
	}
	return s, max(s.apigwRev, s.cloudMapRev, s.lbRev), true
}

// loadBalancersRevision is the revision of the load balancers' view: 0
// without one, -1 before its first snapshot.
func (g *Gateway) loadBalancersRevision() int64 {
	if g.cfg.LoadBalancers == nil {
		return 0
	}
	if rev, ok := g.cfg.LoadBalancers.Revision(); ok {
		return rev
	}
	return -1
}

// current is the snapshot requests read (nil before the first).
func (g *Gateway) current() *snapshot {
	s, _, _ := g.snaps.Load()
	return s
}

// Sync waits until the gateway serves what every view held when Sync was
// called. The control planes return once their own view has a write, so a
// caller that changes an API or Cloud Map and then calls Sync can invoke
// and see the change (tests, and the stack deployer before it reports an
// API ready).
func (g *Gateway) Sync(ctx context.Context) error {
	a, c, lbRev := g.cfg.APIs.Snapshot(), g.cfg.CloudMap.Snapshot(), g.loadBalancersRevision()
	_, _, err := g.snaps.Await(ctx, func(s *snapshot, _ int64) bool {
		return (a == nil || s.apigwRev >= a.Revision) && (c == nil || s.cloudMapRev >= c.Revision) && s.lbRev >= lbRev
	})
	return err
}

// Serve answers requests on ln until ctx ends, selecting each request's
// API by its Host (<apiId>.execute-api.localhost). The server refuses
// request heads over the HTTP API quota of 10,240 bytes (request line and
// headers) with 431 before they reach the gateway.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	return g.serveOn(ctx, ln, "")
}

// ServeAPI answers requests on ln for one API, whatever their Host, as a
// custom domain does: api is an API id or name (of APIs sharing a name,
// the newest). Unlike the default endpoint it keeps answering when the
// API sets disableExecuteApiEndpoint, as custom domains do.
func (g *Gateway) ServeAPI(ctx context.Context, ln net.Listener, api string) error {
	if api == "" {
		return errors.New("gateway: ServeAPI needs an API id or name")
	}
	return g.serveOn(ctx, ln, api)
}

func (g *Gateway) serveOn(ctx context.Context, ln net.Listener, api string) error {
	l := &listener{api: api}
	if _, p, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		l.port = p
	}
	return httpserve.Serve(ctx, ln, httpserve.Config{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.serve(w, r, l) }),
		MaxHeadBytes:      router.MaxPathLength,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		Grace:             5 * time.Second,
		Logger:            g.log,
		EventLoop:         true,
	})
}

// listener is what a request learns from the listener it came through.
type listener struct {
	port string // X-Forwarded-Port
	api  string // the API it is bound to, or "" to select by Host
}

// ServeHTTP serves one request; Serve is the usual way in, this is for
// callers with their own server.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l := &listener{}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			l.port = p
		}
	}
	g.serve(w, r, l)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, l *listener) {
	if g.cfg.Next != nil && l.api == "" && !g.servesHost(r.Host) {
		g.cfg.Next.ServeHTTP(w, r)
		return
	}
	rq := g.reqs.Get().(*request)
	rq.start = time.Now()
	var ids *requestIDs
	if g.cfg.Tracer == nil {
		ids = httpserve.Reused[requestIDs](w)
	} else {
		ids = new(requestIDs) // spans keep the ids past the answer
	}
	rq.id, rq.traceID = newIDs(ids, rq.start)
	rq.port, rq.boundAPI = l.port, l.api
	g.startSpan(r, rq)
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			g.log.Error("panic serving gateway request", "requestId", rq.id, "panic", p, "stack", string(debug.Stack()))
			if !rq.wroteHeader {
				rq.fail(w, errInternal)
			}
		}
		if rq.st != nil && rq.st.log != nil {
			g.logs.record(rq, r, g.cfg.AccountID)
		}
		g.metrics.record(rq)
		rq.endSpan(r)
		rq.reset()
		g.reqs.Put(rq)
		if p == http.ErrAbortHandler {
			// Let the server cut the connection (a truncated relay).
			panic(p)
		}
	}()
	// apigw-requestid on every answer (HTTP APIs send it, errors included;
	// its value is $context.requestId).
	ids.idValue[0] = rq.id
	w.Header()["Apigw-Requestid"] = ids.idValue[:]
	if framing.Ambiguous(r) {
		// Both Content-Length and Transfer-Encoding: a request two parsers
		// may split differently (smuggling). Refused, and the connection
		// closed, since where its body ends is in doubt.
		w.Header()["Connection"] = []string{"close"}
		rq.fail(w, errBadRequest)
		return
	}
	g.handle(w, r, rq)
}

// handle selects the API (by host), the stage (by first path segment, else
// $default) and the route, then proxies to the route's integration.
func (g *Gateway) handle(w http.ResponseWriter, r *http.Request, rq *request) {
	snap := g.current()
	if snap == nil {
		rq.fail(w, errUnavailable)
		return
	}
	var api *apiState
	var dom *domainRoutes // a custom domain's: its mappings pick the API
	if rq.boundAPI != "" {
		api = snap.bound(rq.boundAPI)
	} else if api = snap.apis[g.apiID(r.Host)]; api == nil {
		dom = snap.domains[hostname(r.Host)]
	}
	if api == nil && dom == nil {
		rq.fail(w, errNotFound)
		return
	}
	if api != nil && api.disabled && rq.boundAPI == "" {
		// disableExecuteApiEndpoint: the default endpoint answers 403.
		rq.fail(w, errForbidden)
		return
	}
	preflight := api != nil && rq.useCors(r, api)
	raw, query, ok := router.RequestTarget(r)
	if !ok {
		rq.fail(w, errBadRequest)
		return
	}
	rq.rawPath, rq.rawQuery, rq.upPath = raw, query, raw
	var st *stageState
	var rest string
	if dom != nil {
		var m *domainMapping
		if m, rest = dom.route(raw); m == nil {
			rq.fail(w, errNotFound)
			return
		}
		api, st, rq.upPath = m.api, m.st, rest
		preflight = rq.useCors(r, api)
	} else if st, rest = api.stageFor(raw); st == nil {
		rq.fail(w, errNotFound)
		return
	}
	rq.st, rq.stagePath = st, rest
	if st.table == nil {
		rq.fail(w, errNotFound)
		return
	}
	p, err := router.ParsePath(rest)
	if err != nil {
		// Paths the router refuses (dot segments, '//', bad escapes, control
		// characters, over-long) never reach a backend (router doc.go).
		rq.fail(w, errBadRequest)
		return
	}
	rt, ok := st.table.Match(r.Method, p, &rq.params)
	if preflight && (!ok || !rt.takesPreflight) {
		// Answered by the gateway: no throttling, authorizer or integration.
		g.preflight(w, r, rq, api.cors)
		return
	}
	if !ok {
		rq.fail(w, errNotFound)
		return
	}
	rq.route = rt
	if (g.accountLimiter != nil && !g.accountLimiter.Allow()) || (rt.limiter != nil && !rt.limiter.Allow()) {
		rq.fail(w, errThrottled)
		return
	}
	if rt.auth != nil && !g.authorize(w, r, rq, rt.auth) {
		return
	}
	if rt.integ == nil {
		// A route without a target has nothing to call.
		rq.fail(w, errNotFound)
		return
	}
	if r.ContentLength > maxPayload {
		rq.fail(w, errTooLarge)
		return
	}
	g.proxy(w, r, rq, snap)
}

// servesHost reports whether host names an HTTP API of the current
// snapshot.
func (g *Gateway) servesHost(host string) bool {
	snap := g.current()
	return snap != nil && (snap.apis[g.apiID(host)] != nil || snap.domains[hostname(host)] != nil)
}

// hostname is host without its port, in lower case: a custom domain's key.
func hostname(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return strings.ToLower(host)
}

// apiID extracts <apiId> from "<apiId>.execute-api.localhost[:port]", or
// from the regional form "<apiId>.execute-api.<region>.localhost[:port]".
func (g *Gateway) apiID(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	id, ok := cutDomain(host, g.domain)
	if !ok && g.regional != "" {
		id, ok = cutDomain(host, g.regional)
	}
	if !ok {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(id)
		}
	}
	return id
}

// cutDomain is host without its suffix domain (".…", lower case), when it
// has it and something before it.
func cutDomain(host, domain string) (string, bool) {
	if len(host) <= len(domain) {
		return "", false
	}
	suffix := host[len(host)-len(domain):]
	if suffix != domain && !strings.EqualFold(suffix, domain) {
		return "", false
	}
	return host[:len(host)-len(domain)], true
}

// regionalDomain is the host suffix of a region's APIs' regional names.
func regionalDomain(region string) string {
	if region == "" {
		return ""
	}
	return ".execute-api." + strings.ToLower(region) + ".localhost"
}

// ServesHost reports whether a request for host is one of this gateway's
// APIs or custom domains: a server that shares a listener among gateways
// (one per region) asks each.
func (g *Gateway) ServesHost(host string) bool { return g.servesHost(host) }
