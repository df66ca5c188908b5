package alb

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portolan/portolan/internal/elbv2/proxy"
	"github.com/portolan/portolan/internal/httpserve"
	"github.com/portolan/portolan/internal/upstream"
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
	log *slog.Logger
	wg  sync.WaitGroup // one Serve per listener

	mu        sync.Mutex // held by Update and Run, never by a request
	listeners map[netip.AddrPort]*listener
	pools     map[netip.AddrPort]*targetPool // kept across snapshots: their connections live on
	targets   *upstream.Client               // the pools' connections
	upgrades  *http.Transport                // for the pools' upgrade proxies
	counters  map[groupKey]*groupCounters
	gen       uint64 // counts Updates: marks the counters each one routes to
	buffers   *bufferPool
	running   bool
	stopped   bool
}

type listener struct {
	addr    netip.AddrPort
	ln      net.Listener
	srv     *http.Server // HTTPS listeners: net/http serves TLS
	engine  httpserve.Config
	stop    context.CancelFunc // HTTP listeners: ends httpserve.Serve
	h       *handler
	serving bool
	// secure listeners terminate TLS with cert, parsed from certPEM.
	secure  bool
	certPEM []byte
	cert    atomic.Pointer[tls.Certificate]
}

// defaultIdleTimeout is an ALB's idle_timeout.timeout_seconds by default.
const defaultIdleTimeout = 60 * time.Second

// idleConnTimeout: a connection to a target idle this long is closed.
const idleConnTimeout = defaultIdleTimeout

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
		log:       cfg.Logger,
		listeners: map[netip.AddrPort]*listener{}, pools: map[netip.AddrPort]*targetPool{},
		targets:  newTargetClient(cfg.DialTimeout),
		upgrades: newUpgradeTransport(cfg.DialTimeout), counters: map[groupKey]*groupCounters{},
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
	tlsOf := make(map[netip.AddrPort]*KeyPair)
	usedPools := map[netip.AddrPort]bool{}
	a.gen++
	for i := range s.Listeners {
		l := &s.Listeners[i]
		if routes[l.Address] != nil {
			errs = append(errs, fmt.Errorf("listener %s: listed twice", l.Address))
			continue
		}
		rt, err := buildRoute(l, func(t *Target) *targetPool {
			usedPools[t.Address] = true
			return a.poolFor(t.Address)
		}, func(id string) *groupCounters {
			key := groupKey{l.Address, id}
			c := a.counters[key]
			if c == nil {
				c = new(groupCounters)
				a.counters[key] = c
			}
			c.gen = a.gen
			return c
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		routes[l.Address] = rt
		tlsOf[l.Address] = l.TLS
	}
	for addr, bound := range a.listeners {
		if routes[addr] == nil {
			a.closeListener(bound)
		}
	}
	for addr, rt := range routes {
		keys := tlsOf[addr]
		bound := a.listeners[addr]
		if bound != nil && bound.secure != (keys != nil) {
			a.closeListener(bound) // HTTP to HTTPS or back: a listener of the other kind
			bound = nil
		}
		if bound == nil {
			var err error
			if bound, err = a.bind(addr, keys != nil, rt.idle); err != nil {
				errs = append(errs, err)
				continue
			}
			a.listeners[addr] = bound
		}
		if err := bound.setCertificate(keys); err != nil {
			errs = append(errs, err)
		}
		bound.h.route.Store(rt)
		if a.running && !bound.serving {
			a.serve(bound)
		}
	}
	a.prune(usedPools)
	return errors.Join(errs...)
}

// poolFor returns the connection pool of addr. a.mu is held.
func (a *ALB) poolFor(addr netip.AddrPort) *targetPool {
	if p := a.pools[addr]; p != nil {
		return p
	}
	p := &targetPool{conns: a.targets.Pool(addr.String()), upgrade: newUpgradeProxy(addr.String(), a.upgrades, a.buffers)}
	a.pools[addr] = p
	return p
}

// prune closes the pools and forgets the counters no route of the last
// Update uses: a target that left every group loses its idle connections
// now; requests still in flight to it finish (and count on the counter
// they hold, which no one reads any more). a.mu is held.
func (a *ALB) prune(pools map[netip.AddrPort]bool) {
	for addr, p := range a.pools {
		if !pools[addr] {
			a.targets.Drop(p.conns.Addr())
			delete(a.pools, addr)
		}
	}
	for key, c := range a.counters {
		if c.gen != a.gen {
			delete(a.counters, key)
			continue
		}
		c.pruneTargets()
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

	tick := time.NewTicker(idleConnTimeout / 4)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case now := <-tick.C:
			a.targets.Reap(now) // closes what idled for idleConnTimeout
		}
	}

	a.mu.Lock()
	a.running, a.stopped = false, true
	for _, bound := range a.listeners {
		a.closeListener(bound)
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.mu.Lock()
	for _, p := range a.pools {
		a.targets.Drop(p.conns.Addr())
	}
	a.upgrades.CloseIdleConnections()
	a.mu.Unlock()
	return nil
}

// bind listens on addr, for TLS when secure. A client connection idle
// between requests for idle is closed: the load balancer's idle timeout
// as it is when the listener is bound (net/http reads a server's
// IdleTimeout while serving, so a later change waits for the next bind).
// a.mu is held.
func (a *ALB) bind(addr netip.AddrPort, secure bool, idle time.Duration) (*listener, error) {
	tcp, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
	if err != nil {
		return nil, &proxy.BindError{Address: addr, Err: err}
	}
	l := &listener{addr: addr, ln: tcp, secure: secure}
	if secure {
		l.ln = tls.NewListener(tcp, &tls.Config{
			MinVersion: tls.VersionTLS12,
			NextProtos: []string{"http/1.1"},
			// The certificate is looked up per handshake, so that a new one
			// takes over without closing the listener.
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c := l.cert.Load(); c != nil {
					return c, nil
				}
				return nil, errNoCertificate
			},
		})
	}
	h := &handler{buffers: a.buffers}
	l.h = h
	protocol := "HTTP"
	if secure {
		protocol = "HTTPS"
		l.srv = &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 60 * time.Second,
			IdleTimeout:       idle,
			ErrorLog:          discardLog,
		}
	} else {
		// Plain HTTP on the data planes' own server loop (internal/httpserve).
		l.engine = httpserve.Config{
			Handler:           h,
			ReadHeaderTimeout: 60 * time.Second,
			IdleTimeout:       idle,
			Grace:             -1, // a closed listener drops its connections at once, as srv.Close did
			Logger:            a.log,
		}
	}
	a.log.Info("listener bound", "address", addr.String(), "protocol", protocol)
	return l, nil
}

var errNoCertificate = errors.New("alb: the listener has no certificate")

// setCertificate makes keys the certificate l serves, parsing it only
// when it changed.
func (l *listener) setCertificate(keys *KeyPair) error {
	if keys == nil || bytes.Equal(keys.CertificatePEM, l.certPEM) {
		return nil
	}
	cert, err := tls.X509KeyPair(keys.CertificatePEM, keys.PrivateKeyPEM)
	if err != nil {
		return fmt.Errorf("listener %s: certificate: %w", l.addr, err)
	}
	l.cert.Store(&cert)
	l.certPEM = keys.CertificatePEM
	return nil
}

// serve starts l's server. a.mu is held.
func (a *ALB) serve(l *listener) {
	l.serving = true
	a.wg.Add(1)
	if l.srv == nil {
		ctx, stop := context.WithCancel(context.Background())
		l.stop = stop
		go func() {
			defer a.wg.Done()
			if err := httpserve.Serve(ctx, l.ln, l.engine); err != nil {
				a.log.Warn("listener stopped", "address", l.addr.String(), "err", err)
			}
		}()
		return
	}
	go func() {
		defer a.wg.Done()
		if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("listener stopped", "address", l.addr.String(), "err", err)
		}
	}()
}

// closeListener stops l and closes its connections. a.mu is held.
func (a *ALB) closeListener(l *listener) {
	if l.srv != nil {
		_ = l.srv.Close()
	}
	if l.stop != nil {
		l.stop()
	}
	_ = l.ln.Close()
	delete(a.listeners, l.addr)
	a.log.Info("listener closed", "address", l.addr.String())
}
