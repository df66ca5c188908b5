package dns

import (
	"context"
	"net"
	"runtime"
	"slices"
	"sync"

	"github.com/portolan/portolan/internal/store"
)

// Listeners is a source of addresses to serve besides Config.Addrs, that
// come and go while the server runs (Route 53 Resolver's inbound
// endpoints): each is served over UDP and TCP like the others, from the
// moment the source lists it until it stops listing it.
type Listeners interface {
	store.Source
	// ListenAddrs are the host:port addresses to serve now.
	ListenAddrs() []string
}

// dynamic is one address served for Config.Listeners.
type dynamic struct {
	udp    *net.UDPConn
	tcp    net.Listener
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// followListeners serves the addresses Config.Listeners lists, binding
// each when it appears and closing it when it goes. An address that
// cannot be bound (not this machine's, or taken) is logged and tried
// again at the source's next change.
func (s *Server) followListeners(ctx context.Context) error {
	served := map[string]*dynamic{}
	defer func() {
		for _, d := range served {
			d.stop()
		}
	}()
	return store.Watch(ctx, func() {
		want := s.cfg.Listeners.ListenAddrs()
		for addr, d := range served {
			if !slices.Contains(want, addr) {
				d.stop()
				delete(served, addr)
				s.log.Info("dns stopped serving an address", "addr", addr)
			}
		}
		for _, addr := range want {
			if served[addr] != nil {
				continue
			}
			d, err := s.serveDynamic(ctx, addr)
			if err != nil {
				s.log.Warn("dns cannot serve an address", "addr", addr, "err", err)
				continue
			}
			served[addr] = d
			s.log.Info("dns serving an address", "addr", addr)
		}
	}, s.cfg.Listeners)
}

// serveDynamic binds addr and serves it until stop.
func (s *Server) serveDynamic(ctx context.Context, addr string) (*dynamic, error) {
	u, t, err := listenPair(addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &dynamic{udp: u, tcp: t, cancel: cancel}
	run := func(f func() error) {
		d.done.Add(1)
		go func() {
			defer d.done.Done()
			if err := f(); err != nil {
				s.log.Warn("dns serving an address", "addr", addr, "err", err)
			}
		}()
	}
	for range max(runtime.GOMAXPROCS(0), 1) {
		run(func() error { return s.serveUDP(ctx, u) })
	}
	run(func() error { return s.serveTCP(ctx, t) })
	return d, nil
}

// stop closes the sockets and waits for their goroutines.
func (d *dynamic) stop() {
	d.cancel()
	d.udp.Close()
	d.tcp.Close()
	d.done.Wait()
}
