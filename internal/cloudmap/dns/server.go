package dns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/store"
)

// DefaultAddr is where the server listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8600"

// Tuning. A batch is what one recvmmsg/sendmmsg moves; a busy socket fills
// it, so the per-query cost of the two system calls shrinks with load.
const (
	udpBatchSize   = 32
	udpReadBuf     = 4096 // a query larger than this is not a query
	forwardWorkers = 32
	forwardQueue   = 1024
	maxTCPConns    = 512
	tcpIdleTimeout = 10 * time.Second // RFC 7766 §6.2.3: seconds, not minutes
)

// Config is what a Server needs.
type Config struct {
	// Addrs are the host:port addresses served over both UDP and TCP;
	// port 0 picks a free port (the same for UDP and TCP). Default
	// DefaultAddr.
	Addrs []string
	// Upstreams are the resolvers ("host" or "host:port") that names
	// outside our zones are forwarded to. Nil means those of
	// /etc/resolv.conf.
	Upstreams []string
	// RecursionCIDRs are networks, besides loopback, whose clients may
	// have names outside our zones forwarded (e.g. the docker network the
	// tasks run on). Everyone gets authoritative answers for our zones.
	RecursionCIDRs []netip.Prefix
	// NoLoopbackRecursion refuses forwarding to loopback clients too, so
	// that tests can play a client from a foreign network.
	NoLoopbackRecursion bool
	// View is the Cloud Map read side the zones are built from.
	View *cloudmap.View
	// Records are more sources of names to answer for (the load
	// balancers' DNS names, VPC endpoints'…), served from the same table.
	Records []Records
	// Zones are sources of hosted zones (Route 53's), served from the
	// same table; the most specific zone answers for a name.
	Zones []Zones
	// Rules are sources of forwarding rules (Route 53 Resolver's) for
	// names outside our zones.
	Rules []ForwardRules
	// Listeners, when set, is a source of more addresses to serve while
	// running (Route 53 Resolver's inbound endpoints).
	Listeners Listeners
	// Metrics, when set, is where the query counters are registered.
	Metrics prometheus.Registerer
	Logger  *slog.Logger
}

// Server is the DNS server. New binds its sockets; Run serves.
type Server struct {
	cfg Config
	log *slog.Logger
	// tables is the compiled zone data, rebuilt off the query path from
	// the Cloud Map view; a query reads the latest with one atomic load.
	tables store.Feed[*table]
	fwd    *forwarder
	// The sockets, bound by New and Listen, served from Run on; mu orders
	// Listen against Run.
	mu        sync.Mutex
	running   bool
	udp       []*net.UDPConn
	tcp       []net.Listener
	addrs     []string
	upstreams []string // as configured, before leaving out our own addresses
	// fwdJobs carries UDP queries to forward from the read loops, which
	// must not wait on an upstream, to the forwarding workers.
	fwdJobs chan udpForward
	metrics *metrics // nil: metrics off
	// views are more Cloud Map views served beside Config.View (other
	// regions'), added while the server runs; viewsAdded tells follow.
	viewsMu    sync.Mutex
	views      []*cloudmap.View
	viewsAdded chan struct{}
}

type udpForward struct {
	f    *forward
	conn *net.UDPConn
	addr net.Addr
}

// New binds the listening sockets, so that a caller knows the server can
// serve (and which ports it got) before Run starts.
func New(cfg Config) (*Server, error) {
	if cfg.View == nil {
		return nil, errors.New("dns: Config.View is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Addrs) == 0 {
		cfg.Addrs = []string{DefaultAddr}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, fwdJobs: make(chan udpForward, forwardQueue), views: []*cloudmap.View{cfg.View}, viewsAdded: make(chan struct{}, 1)}
	if cfg.Metrics != nil {
		s.metrics = newMetrics(cfg.Metrics)
	}
	for _, addr := range cfg.Addrs {
		u, t, err := listenPair(addr)
		if err != nil {
			s.closeAll()
			return nil, fmt.Errorf("dns: listen on %s: %w", addr, err)
		}
		s.udp = append(s.udp, u)
		s.tcp = append(s.tcp, t)
		s.addrs = append(s.addrs, u.LocalAddr().String())
	}
	upstreams := cfg.Upstreams
	if upstreams == nil {
		var err error
		if upstreams, err = resolvConfUpstreams("/etc/resolv.conf"); err != nil {
			s.log.Warn("no upstream resolvers: names outside Cloud Map namespaces will get SERVFAIL", "err", err)
		}
	}
	s.upstreams = upstreams
	s.fwd = &forwarder{upstreams: upstreamAddrs(upstreams, s.addrs), log: s.log}
	if t, rev, ok := s.build(); ok {
		s.tables.Publish(t, rev)
	}
	return s, nil
}

// listenPair binds UDP and TCP on the same address. With port 0 the TCP
// port may be taken already, so it tries a few UDP ports.
func listenPair(addr string) (*net.UDPConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		u := pc.(*net.UDPConn)
		bound := strconv.Itoa(u.LocalAddr().(*net.UDPAddr).Port)
		t, err := net.Listen("tcp", net.JoinHostPort(host, bound))
		if err == nil {
			return u, t, nil
		}
		u.Close()
		if port != "0" || attempt == 10 {
			return nil, nil, err
		}
	}
}

// Listen binds one more address, served like those of Config.Addrs, and
// returns the address bound. It is for addresses that exist only once
// something else has set them up (the docker runtime's network for DNS);
// it must come before Run.
func (s *Server) Listen(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return "", fmt.Errorf("dns: listen on %s: the server is already running", addr)
	}
	u, t, err := listenPair(addr)
	if err != nil {
		return "", fmt.Errorf("dns: listen on %s: %w", addr, err)
	}
	s.udp = append(s.udp, u)
	s.tcp = append(s.tcp, t)
	s.addrs = append(s.addrs, u.LocalAddr().String())
	// Never forward to ourselves.
	s.fwd.upstreams = upstreamAddrs(s.upstreams, s.addrs)
	return s.addrs[len(s.addrs)-1], nil
}

// Addrs are the bound addresses, one per Config.Addrs entry and per
// Listen, each served over UDP and TCP.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.addrs)
}

// Ready reports whether the server has zone data to answer from (before
// the view's first snapshot it answers SERVFAIL).
func (s *Server) Ready() bool { return s.current() != nil }

// current is the table queries are answered from (nil before the first).
func (s *Server) current() *table {
	t, _, _ := s.tables.Load()
	return t
}

// Upstreams are the resolvers outside names are forwarded to.
func (s *Server) Upstreams() []string { return s.fwd.upstreams }

// Close closes the sockets of a server that is not going to Run (Run
// closes them itself when it ends).
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeAll()
}

func (s *Server) closeAll() {
	for _, u := range s.udp {
		u.Close()
	}
	for _, t := range s.tcp {
		t.Close()
	}
}

// Run serves until ctx ends; then it closes the sockets and returns once
// every goroutine it started has stopped.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.follow(gctx) })
	if s.cfg.Listeners != nil {
		g.Go(func() error { return s.followListeners(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		s.closeAll()
		return nil
	})
	for range forwardWorkers {
		g.Go(func() error { return s.forwardUDP(gctx) })
	}
	// Several readers per socket: while one is answering its batch,
	// another is already in recvmmsg.
	readers := max(runtime.GOMAXPROCS(0), 1)
	for _, u := range s.udp {
		for range readers {
			g.Go(func() error { return s.serveUDP(gctx, u) })
		}
	}
	for _, t := range s.tcp {
		g.Go(func() error { return s.serveTCP(gctx, t) })
	}
	s.log.Info("dns serving", "addrs", s.addrs, "upstreams", s.fwd.upstreams)
	err := g.Wait()
	if ctx.Err() != nil {
		err = nil // asked to stop: whatever the goroutines saw on the way out is not a failure
	}
	return err
}

// AddView serves v's namespaces too, from the next build on: another
// region's Cloud Map. Namespaces of the same name share one zone, the
// oldest namespace's SOA and services winning any conflict, as private
// namespaces of different VPCs do here.
func (s *Server) AddView(v *cloudmap.View) {
	s.viewsMu.Lock()
	s.views = append(s.views[:len(s.views):len(s.views)], v)
	s.viewsMu.Unlock()
	select {
	case s.viewsAdded <- struct{}{}:
	default:
	}
}

func (s *Server) cloudMapViews() []*cloudmap.View {
	s.viewsMu.Lock()
	defer s.viewsMu.Unlock()
	return s.views
}

// follow rebuilds the table whenever a Cloud Map view or one of the
// other sources publishes something newer. A burst of changes costs one
// build per snapshot the sources publish, and they already coalesce
// bursts. A view added starts the following over with it.
func (s *Server) follow(ctx context.Context) error {
	for {
		var sources []store.Source
		for _, v := range s.cloudMapViews() {
			sources = append(sources, v)
		}
		for _, r := range s.cfg.Records {
			sources = append(sources, r)
		}
		for _, z := range s.cfg.Zones {
			sources = append(sources, z)
		}
		for _, r := range s.cfg.Rules {
			sources = append(sources, r)
		}
		joinCtx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-s.viewsAdded:
				cancel()
			case <-joinCtx.Done():
			}
		}()
		// Join's first build sees the added view: the table's viewRevs
		// no longer match.
		store.Join(joinCtx, &s.tables, s.build, sources...)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// build compiles the sources' latest state, unless the current table
// already has it. The table's revision is the newest of the sources'.
func (s *Server) build() (*table, int64, bool) {
	prev := s.current()
	var snaps []*cloudmap.Snapshot
	viewRevs := []int64{}
	for _, v := range s.cloudMapViews() {
		if snap := v.Snapshot(); snap != nil {
			snaps = append(snaps, snap)
			viewRevs = append(viewRevs, snap.Revision)
		} else if v == s.cfg.View {
			return nil, 0, false
		}
	}
	recs, revs := gather(s.cfg.Records, Records.Records)
	zones, zoneRevs := gather(s.cfg.Zones, Zones.Zones)
	rules, ruleRevs := gather(s.cfg.Rules, ForwardRules.ForwardRules)
	if prev != nil && slices.Equal(prev.viewRevs, viewRevs) && slices.Equal(prev.recordsRevs, revs) && slices.Equal(prev.zonesRevs, zoneRevs) &&
		slices.Equal(prev.rulesRevs, ruleRevs) {
		return nil, 0, false
	}
	start := time.Now()
	t := buildTable(snaps, prev, s.log)
	t.viewRevs = viewRevs
	t.addRecords(recs, revs, s.log)
	t.addZones(zones, zoneRevs, prev, s.log)
	own := s.Addrs()
	if s.cfg.Listeners != nil {
		own = append(own, s.cfg.Listeners.ListenAddrs()...)
	}
	t.addRules(rules, ruleRevs, own, s.log)
	s.metrics.attach(t)
	newest := t.revision
	for _, r := range slices.Concat(revs, zoneRevs, ruleRevs) {
		newest = max(newest, r)
	}
	s.log.Debug("dns zones rebuilt", "revision", t.revision, "viewRevisions", viewRevs, "recordsRevisions", revs, "zonesRevisions", zoneRevs, "names", len(t.names), "took", time.Since(start))
	return t, newest, true
}

// gather reads every source of one kind: all their items, and each
// one's revision, in order.
func gather[S, T any](sources []S, read func(S) ([]T, int64)) ([]T, []int64) {
	var items []T
	revs := make([]int64, len(sources))
	for i, src := range sources {
		var got []T
		got, revs[i] = read(src)
		items = append(items, got...)
	}
	return items, revs
}

// ZonesRevision is the revision of src (one of Config.Zones) that the
// answers reflect now, or -1 before the first table or for a source the
// server does not follow: Route 53 reports a change INSYNC once this
// reaches the change's revision.
func (s *Server) ZonesRevision(src Zones) int64 {
	t := s.current()
	if t == nil {
		return -1
	}
	for i, z := range s.cfg.Zones {
		if z == src && i < len(t.zonesRevs) {
			return t.zonesRevs[i]
		}
	}
	return -1
}

// allowed reports whether a client may have outside names forwarded.
func (s *Server) allowed(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() && !s.cfg.NoLoopbackRecursion {
		return true
	}
	for _, p := range s.cfg.RecursionCIDRs {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// serveUDP is one read loop: read a batch, answer each query into its own
// preallocated buffer, write the batch. Queries that must be forwarded go
// to the forwarding workers so the loop never waits on an upstream.
func (s *Server) serveUDP(ctx context.Context, conn *net.UDPConn) error {
	b, err := newUDPBatch(conn, s.log)
	if err != nil {
		return err
	}
	sc := newScratch()
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for {
		n, err := b.read()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.log.Warn("dns udp read", "err", err)
			time.Sleep(time.Millisecond) // do not spin on an error that persists
			continue
		}
		t := s.current()
		k := 0
		for i := range n {
			q, from := b.query(i)
			if q == nil {
				continue
			}
			allowed := s.allowed(from.Addr())
			reply, ok := t.answerFast(b.replyBuf(k), q, allowed, false, r, sc)
			if !ok {
				msg, f := t.answerFull(q, allowed, false, r, sc)
				if f != nil {
					s.enqueueForward(udpForward{f: f, conn: conn, addr: net.UDPAddrFromAddrPort(from)})
					continue
				}
				if msg == nil {
					continue
				}
				s.metrics.countMsg(sc.zone, msg)
				if reply, err = msg.PackBuffer(b.replyBuf(k)); err != nil {
					s.log.Debug("dns pack", "err", err)
					continue
				}
			}
			if ok {
				s.metrics.count(sc.zone, reply)
			}
			b.setReply(k, i, reply)
			k++
		}
		if err := b.write(k); err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.log.Warn("dns udp write", "err", err)
		}
	}
}

func (s *Server) enqueueForward(j udpForward) {
	select {
	case s.fwdJobs <- j:
	default:
		// Upstreams are too slow for the load: say so at once rather
		// than queue without bound.
		m := new(dns.Msg)
		m.SetRcode(j.f.req, dns.RcodeServerFailure)
		m.RecursionAvailable = true
		if b, err := m.Pack(); err == nil {
			j.conn.WriteTo(b, j.addr)
		}
	}
}

func (s *Server) forwardUDP(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case j := <-s.fwdJobs:
			m := s.fwd.resolve(ctx, j.f, false)
			s.metrics.forward(m)
			if b, err := m.Pack(); err == nil {
				j.conn.WriteTo(b, j.addr)
			}
		}
	}
}

// serveTCP accepts connections until the listener closes, each served by
// a goroutine it owns and waits for.
func (s *Server) serveTCP(ctx context.Context, ln net.Listener) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		for c := range conns {
			c.Close()
		}
	})
	defer stop()
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.log.Warn("dns tcp accept", "err", err)
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		mu.Lock()
		if len(conns) >= maxTCPConns || ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveTCPConn(ctx, c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		}()
	}
}

// serveTCPConn answers length-prefixed queries in order until the client
// closes, goes idle, or sends garbage.
func (s *Server) serveTCPConn(ctx context.Context, c net.Conn) {
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	allowed := s.allowed(ap.Addr())
	sc := newScratch()
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	q := make([]byte, maxTCPReply)
	out := make([]byte, 2, 2+maxTCPReply)
	for {
		c.SetReadDeadline(time.Now().Add(tcpIdleTimeout))
		if _, err := io.ReadFull(c, q[:2]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(q))
		if n < headerLen {
			return
		}
		if _, err := io.ReadFull(c, q[:n]); err != nil {
			return
		}
		t := s.current()
		reply, ok := t.answerFast(out[2:], q[:n], allowed, true, r, sc)
		if !ok {
			msg, f := t.answerFull(q[:n], allowed, true, r, sc)
			if f != nil {
				msg = s.fwd.resolve(ctx, f, true)
				s.metrics.forward(msg)
			} else {
				s.metrics.countMsg(sc.zone, msg)
			}
			if msg == nil {
				continue
			}
			b, err := msg.Pack()
			if err != nil || len(b) > maxTCPReply {
				return
			}
			reply = append(out[2:2], b...)
		} else {
			s.metrics.count(sc.zone, reply)
		}
		binary.BigEndian.PutUint16(out, uint16(len(reply)))
		c.SetWriteDeadline(time.Now().Add(tcpIdleTimeout))
		if _, err := c.Write(out[:2+len(reply)]); err != nil {
			return
		}
	}
}
