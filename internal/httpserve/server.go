package httpserve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/evloop"
	"github.com/portolan/portolan/internal/sockio"
)

// Config is what Serve needs.
type Config struct {
	Handler http.Handler
	// MaxHeadBytes bounds a request's line and header fields together
	// (and a chunked body's trailer section); a larger head is answered
	// 431. Default 1 MiB plus 4 KiB, net/http's.
	MaxHeadBytes int
	// ReadHeaderTimeout bounds the wait for a head, from a connection's
	// start or the first byte of a later request (10 s when zero).
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends nothing for
	// this long (120 s when zero).
	IdleTimeout time.Duration
	// Grace is how long requests in flight may finish once the context
	// passed to Serve ends (5 s when zero; none when negative: every
	// connection is closed at once, as http.Server.Close does).
	Grace  time.Duration
	Logger *slog.Logger
	// EventLoop serves the connections on event loops (package evloop:
	// one per processor, each connection's requests a coroutine of one)
	// instead of a goroutine each, where the platform has them. Handlers
	// reach the connection's task with evloop.TaskOf(r.Context()), to
	// dial on its loop, and make any other wait through evloop.Block.
	// Serve then returns only when ctx ends: the loops keep accepting
	// through a failure (out of descriptors) rather than report it.
	EventLoop bool
}

// tick is the warden's period: the resolution of the timeouts, and how
// long a request is in flight before the warden starts watching for its
// client going away.
const tick = 250 * time.Millisecond

// server is one Serve call's state.
type server struct {
	handler http.Handler
	maxHead int
	log     *slog.Logger
	base    context.Context
	// idleTicks and headTicks are the timeouts in warden ticks.
	idleTicks, headTicks int64

	closing  atomic.Bool
	now      atomic.Int64 // warden ticks since the start
	dateLine atomic.Pointer[[]byte]

	mu    sync.Mutex
	conns map[*conn]struct{}
	wg    sync.WaitGroup
}

// Serve answers HTTP/1.1 requests on ln with cfg.Handler until ctx ends,
// then stops accepting, closes idle connections, gives requests in flight
// cfg.Grace to finish and closes the rest. It returns nil after such a
// shutdown, or why accepting failed.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	s := &server{
		handler: cfg.Handler,
		maxHead: cfg.MaxHeadBytes,
		log:     cfg.Logger,
		base:    context.WithoutCancel(ctx),
		conns:   map[*conn]struct{}{},
	}
	if s.maxHead <= 0 {
		s.maxHead = http.DefaultMaxHeaderBytes + 4096
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.idleTicks = ticks(cfg.IdleTimeout, 120*time.Second)
	s.headTicks = ticks(cfg.ReadHeaderTimeout, 10*time.Second)
	grace := cfg.Grace
	if grace == 0 {
		grace = 5 * time.Second
	}
	s.setDate(time.Now())

	stopWarden := make(chan struct{})
	wardenDone := make(chan struct{})
	go func() { defer close(wardenDone); s.warden(stopWarden) }()
	stopClose := context.AfterFunc(ctx, func() {
		s.closing.Store(true)
		ln.Close()
	})
	var err error
	var loops *evloop.Group
	if cfg.EventLoop && evloop.Supported {
		loops, err = evloop.NewGroup(0)
	}
	switch {
	case err != nil:
	case loops != nil:
		if err = loops.Listen(ln, s.serveTask); err == nil {
			<-ctx.Done()
		}
	default:
		err = s.accept(ln)
	}
	stopClose()
	s.closing.Store(true)
	ln.Close()
	s.shutdown(grace)
	if loops != nil {
		loops.Stop()
	}
	close(stopWarden)
	<-wardenDone
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func ticks(d, def time.Duration) int64 {
	if d <= 0 {
		d = def
	}
	return max(int64(d/tick), 1)
}

// accept runs the accept loop until the listener fails or closes.
func (s *server) accept(ln net.Listener) error {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// Out of descriptors, or a transient failure: wait, as
				// net/http does, rather than spin or give up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Debug("accept failed; retrying", "error", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, nc, nil)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

// serveTask serves a connection accepted by an event loop, as its task.
func (s *server) serveTask(t *evloop.Task, ec *evloop.Conn) {
	c := newConn(s, ec, t)
	s.mu.Lock()
	if s.closing.Load() {
		// Accepted as the server began to stop: shutdown is already
		// counting the connections it waits for.
		s.mu.Unlock()
		ec.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	c.serve()
}

// forget drops c from the server's set (closed or hijacked).
func (s *server) forget(c *conn) {
	s.mu.Lock()
	if _, ok := s.conns[c]; ok {
		delete(s.conns, c)
		s.wg.Done()
	}
	s.mu.Unlock()
}

// shutdown closes idle connections until none is left, or closes all
// once grace has passed, and waits for their goroutines.
func (s *server) shutdown(grace time.Duration) {
	deadline := time.Now().Add(grace)
	for {
		s.mu.Lock()
		n := len(s.conns)
		for c := range s.conns {
			c.closeIfIdle()
		}
		s.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			s.mu.Lock()
			for c := range s.conns {
				// Handlers still running learn it from their context.
				c.cancel()
				c.nc.Close()
			}
			s.mu.Unlock()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.wg.Wait()
}

// warden enforces the timeouts, keeps the Date line current, and cancels
// the context of a request whose client went away, until stop closes.
func (s *server) warden(stop <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			s.setDate(now)
			s.sweep(s.now.Add(1))
		}
	}
}

// sweep closes connections past their timeouts and watches requests in
// flight. A state's tick (since) may lag the real moment by up to a
// tick, so a timeout of n ticks fires after n+1 full ticks: never early,
// at most two ticks late.
func (s *server) sweep(now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		age := now - c.since.Load()
		switch c.state.Load() {
		case stateNew:
			if age > s.headTicks+1 || s.closing.Load() {
				c.closeIfIdle()
			}
		case stateIdle:
			if age > s.idleTicks+1 || s.closing.Load() {
				c.closeIfIdle()
			} else if age >= 1 && c.wait.Load() == waitArmed {
				if data, gone := peek(c.nc); data || gone {
					c.kick() // an armed wait that slept through them (sink.go)
				}
			}
		case stateHead:
			if age > s.headTicks+1 {
				c.nc.Close()
			}
		case stateActive:
			if _, gone := peek(c.nc); age >= 2 && !c.gone.Load() && gone {
				c.gone.Store(true)
				c.cancel()
			}
		}
	}
}

// peek looks at what waits on a connection without reading it: bytes
// (a pipelined request, a body), or the client's close (end of file or an
// error).
func peek(nc net.Conn) (data, gone bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false, true
	}
	raw.Control(func(fd uintptr) {
		var b [1]byte
		n, err := sockio.Peek(fd, b[:])
		data = n > 0
		gone = n == 0 && err == nil || err != nil && err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR
	})
	return data, gone
}

func (s *server) setDate(now time.Time) {
	b := now.UTC().AppendFormat(nil, http.TimeFormat)
	s.dateLine.Store(&b)
}

type connKey struct{}

// Ambiguous reports whether r carried both Content-Length and
// Transfer-Encoding: a request two parsers may frame differently (request
// smuggling). It is framed as chunked, and the connection closes after
// its answer; the gateways refuse it. served is false when r did not come
// through this package's server (nor can ambiguous be known here).
func Ambiguous(r *http.Request) (ambiguous, served bool) {
	c, ok := r.Context().Value(connKey{}).(*conn)
	return ok && c.ambiguous, ok
}
