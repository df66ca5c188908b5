package alb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portolan/portolan/internal/elbv2/proxy"
)

// Config is what an ALB needs.
type Config struct {
	Logger *slog.Logger
	// DialTimeout bounds connecting to a target (10 s when zero, AWS's
	// connection timeout); a target that does not accept in time is a 504.
	DialTimeout time.Duration
}

// ALB serves the HTTP listeners of the last Snapshot given to Update.
type ALB struct {
	log         *slog.Logger
	dialTimeout time.Duration
	wg          sync.WaitGroup // one Serve per listener

	mu         sync.Mutex // held by Update and Run, never by a request
	listeners  map[netip.AddrPort]*listener
	transports map[time.Duration]*http.Transport
	proxies    map[proxyKey]*httputil.ReverseProxy
	counters   map[string]*atomic.Uint64
	buffers    *bufferPool
	running    bool
	stopped    bool
}

type listener struct {
	addr    netip.AddrPort
	ln      net.Listener
	srv     *http.Server
	h       *handler
	serving bool
}

// proxyKey: one reverse proxy per target and idle timeout, kept across
// snapshots so that its keep-alive connections are reused.
type proxyKey struct {
	target netip.AddrPort
	idle   time.Duration
}

// ErrStopped is returned by Update once Run has returned.
var ErrStopped = errors.New("alb: stopped")

var discardLog = log.New(io.Discard, "", 0)

// New returns an ALB serving nothing until Update and Run.
func New(cfg Config) *ALB {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	return &ALB{
		log: cfg.Logger, dialTimeout: cfg.DialTimeout,
		listeners: map[netip.AddrPort]*listener{}, transports: map[time.Duration]*http.Transport{},
		proxies: map[proxyKey]*httputil.ReverseProxy{}, counters: map[string]*atomic.Uint64{},
		buffers: newBufferPool(),
	}
}

// Update makes s the served configuration: it compiles every listener's
// rules, binds the new listeners (reporting the ones that cannot be bound,
// which the next Update tries again), closes removed ones, and swaps each
// listener's compiled rules. The listeners it could serve are served even
// when it returns an error.
func (a *ALB) Update(s *Snapshot) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return ErrStopped
	}
	var errs []error
	routes := make(map[netip.AddrPort]*route, len(s.Listeners))
	usedProxies := map[proxyKey]bool{}
	usedCounters := map[string]bool{}
	for i := range s.Listeners {
		l := &s.Listeners[i]
		if routes[l.Address] != nil {
			errs = append(errs, fmt.Errorf("listener %s: listed twice", l.Address))
			continue
		}
		idle := l.IdleTimeout
		if idle <= 0 {
			idle = 60 * time.Second
		}
		rt, err := buildRoute(l, func(t *Target) *httputil.ReverseProxy {
			key := proxyKey{t.Address, idle}
			usedProxies[key] = true
			return a.proxyFor(key, t)
		}, func(id string) *atomic.Uint64 {
			key := l.Address.String() + " " + id
			usedCounters[key] = true
			if a.counters[key] == nil {
				a.counters[key] = new(atomic.Uint64)
			}
			return a.counters[key]
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		routes[l.Address] = rt
	}
	for addr, bound := range a.listeners {
		if routes[addr] == nil {
			a.closeListener(bound)
		}
	}
	for addr, rt := range routes {
		bound := a.listeners[addr]
		if bound == nil {
			var err error
			if bound, err = a.bind(addr); err != nil {
				errs = append(errs, err)
				continue
			}
			a.listeners[addr] = bound
		}
		bound.h.route.Store(rt)
		if a.running && !bound.serving {
			a.serve(bound)
		}
	}
	a.prune(usedProxies, usedCounters)
	return errors.Join(errs...)
}

// proxyFor returns the shared proxy of key. a.mu is held.
func (a *ALB) proxyFor(key proxyKey, t *Target) *httputil.ReverseProxy {
	if p := a.proxies[key]; p != nil {
		return p
	}
	tr := a.transports[key.idle]
	if tr == nil {
		tr = newTransport(key.idle, a.dialTimeout)
		a.transports[key.idle] = tr
	}
	p := newTargetProxy(t, tr, a.buffers)
	a.proxies[key] = p
	return p
}

// prune forgets proxies and counters no route uses and closes the idle
// connections of transports no proxy uses. a.mu is held.
func (a *ALB) prune(proxies map[proxyKey]bool, counters map[string]bool) {
	idles := map[time.Duration]bool{}
	for key := range a.proxies {
		if !proxies[key] {
			delete(a.proxies, key)
			continue
		}
		idles[key.idle] = true
	}
	for idle, tr := range a.transports {
		if !idles[idle] {
			tr.CloseIdleConnections()
			delete(a.transports, idle)
		}
	}
	for key := range a.counters {
		if !counters[key] {
			delete(a.counters, key)
		}
	}
}

// Run serves until ctx ends, then closes every listener and its
// connections and returns once every server has stopped.
func (a *ALB) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.running || a.stopped {
		a.mu.Unlock()
		return errors.New("alb: Run called twice")
	}
	a.running = true
	for _, bound := range a.listeners {
		a.serve(bound)
	}
	a.mu.Unlock()

	<-ctx.Done()

	a.mu.Lock()
	a.running, a.stopped = false, true
	for _, bound := range a.listeners {
		a.closeListener(bound)
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.mu.Lock()
	for _, tr := range a.transports {
		tr.CloseIdleConnections()
	}
	a.mu.Unlock()
	return nil
}

// bind listens on addr. a.mu is held.
func (a *ALB) bind(addr netip.AddrPort) (*listener, error) {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
	if err != nil {
		return nil, &proxy.BindError{Address: addr, Err: err}
	}
	h := &handler{}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 60 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          discardLog,
	}
	a.log.Info("listener bound", "address", addr.String(), "protocol", "HTTP")
	return &listener{addr: addr, ln: ln, srv: srv, h: h}, nil
}

// serve starts l's server. a.mu is held.
func (a *ALB) serve(l *listener) {
	l.serving = true
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("listener stopped", "address", l.addr.String(), "err", err)
		}
	}()
}

// closeListener stops l and closes its connections. a.mu is held.
func (a *ALB) closeListener(l *listener) {
	_ = l.srv.Close()
	_ = l.ln.Close()
	delete(a.listeners, l.addr)
	a.log.Info("listener closed", "address", l.addr.String())
}
