package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is what a Proxy needs.
type Config struct {
	Logger *slog.Logger
	// DialTimeout bounds connecting to a target (10s when zero); a target
	// that does not answer in time is treated as one that refuses.
	DialTimeout time.Duration
}

// Proxy serves the listeners of the last Snapshot given to Update.
type Proxy struct {
	log         *slog.Logger
	dialTimeout time.Duration

	// base is the parent of every listener's context; Run cancels it.
	base       context.Context
	cancelBase context.CancelFunc
	wg         sync.WaitGroup // accept loops and connections

	mu        sync.Mutex // held by Update and Run, never by a connection
	listeners map[netip.AddrPort]*listener
	lives     map[lifeKey]*life
	flows     map[lifeKey]*flowCounter // kept across Updates (flows.go)
	gen       uint64                   // counts Updates: marks the counters each routes to
	running   bool
	stopped   bool
}

// listener is one bound listener address.
type listener struct {
	addr    netip.AddrPort
	ln      *net.TCPListener
	ctx     context.Context // ends when the listener is removed
	cancel  context.CancelFunc
	route   atomic.Pointer[route]
	serving bool // its accept loop was started
}

// New returns a Proxy serving nothing until Update and Run.
func New(cfg Config) *Proxy {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dialTimeout := cfg.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 10 * time.Second
	}
	base, cancel := context.WithCancel(context.Background())
	return &Proxy{
		log: log, dialTimeout: dialTimeout, base: base, cancelBase: cancel,
		listeners: map[netip.AddrPort]*listener{}, lives: map[lifeKey]*life{}, flows: map[lifeKey]*flowCounter{},
	}
}

// ErrStopped is returned by Update once Run has returned.
var ErrStopped = errors.New("proxy: stopped")

// Update makes s the served configuration: it binds the listeners that
// are new (reporting, not skipping silently, the ones that cannot be
// bound, which the next Update tries again), closes the removed ones and
// their connections, and swaps every listener's routing table. The
// listeners it could serve are served even when it returns an error.
func (p *Proxy) Update(s *Snapshot) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return ErrStopped
	}
	var errs []error
	want := make(map[netip.AddrPort]*Listener, len(s.Listeners))
	for i := range s.Listeners {
		l := &s.Listeners[i]
		switch {
		case l.Protocol != "TCP":
			errs = append(errs, fmt.Errorf("listener %s: protocol %s is not served, only TCP", l.Address, l.Protocol))
		case want[l.Address] != nil:
			errs = append(errs, fmt.Errorf("listener %s: listed twice", l.Address))
		default:
			want[l.Address] = l
		}
	}
	for addr, bound := range p.listeners {
		if want[addr] == nil {
			p.closeListener(bound)
		}
	}
	for addr := range want {
		if p.listeners[addr] != nil {
			continue
		}
		bound, err := p.bind(addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.listeners[addr] = bound
	}
	p.reconcileLives(s)
	p.gen++
	for addr, l := range want {
		bound := p.listeners[addr]
		if bound == nil {
			continue
		}
		bound.route.Store(buildRoute(l, func(tg *TargetGroup, t *Target) (*life, *flowCounter) {
			key := lifeKey{addr, tg.ID, t.Key}
			return p.lives[key], p.flowCounterFor(key)
		}))
		if p.running && !bound.serving {
			p.serve(bound)
		}
	}
	p.pruneFlows()
	return errors.Join(errs...)
}

// Run serves until ctx ends, then closes every listener and connection
// and returns once they are all gone.
func (p *Proxy) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.running || p.stopped {
		p.mu.Unlock()
		return errors.New("proxy: Run called twice")
	}
	p.running = true
	for _, bound := range p.listeners {
		p.serve(bound)
	}
	p.mu.Unlock()

	<-ctx.Done()

	p.mu.Lock()
	p.running, p.stopped = false, true
	for _, bound := range p.listeners {
		p.closeListener(bound)
	}
	for key, lf := range p.lives {
		lf.stop()
		delete(p.lives, key)
	}
	p.cancelBase()
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// bind listens on addr. p.mu is held.
func (p *Proxy) bind(addr netip.AddrPort) (*listener, error) {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
	if err != nil {
		return nil, &BindError{Address: addr, Err: err}
	}
	ctx, cancel := context.WithCancel(p.base)
	p.log.Info("listener bound", "address", addr.String())
	return &listener{addr: addr, ln: ln, ctx: ctx, cancel: cancel}, nil
}

// closeListener stops accepting on l and ends its connections. p.mu is held.
func (p *Proxy) closeListener(l *listener) {
	_ = l.ln.Close()
	l.cancel()
	delete(p.listeners, l.addr)
	for key, lf := range p.lives {
		if key.listener == l.addr {
			lf.stop()
			delete(p.lives, key)
		}
	}
	p.log.Info("listener closed", "address", l.addr.String())
}

// BindError is a listener address that could not be bound. Its message
// says what to do about it; the proxy never moves to another port.
type BindError struct {
	Address netip.AddrPort
	Err     error
}

func (e *BindError) Error() string {
	switch {
	case errors.Is(e.Err, syscall.EACCES):
		return fmt.Sprintf("binding %s: permission denied: run as root, grant CAP_NET_BIND_SERVICE, or lower net.ipv4.ip_unprivileged_port_start", e.Address)
	case errors.Is(e.Err, syscall.EADDRINUSE):
		return fmt.Sprintf("binding %s: address already in use: another process (or listener) holds it", e.Address)
	case errors.Is(e.Err, syscall.EADDRNOTAVAIL):
		return fmt.Sprintf("binding %s: address not available: it is not assigned to an interface of this host", e.Address)
	}
	return fmt.Sprintf("binding %s: %v", e.Address, e.Err)
}

func (e *BindError) Unwrap() error { return e.Err }
