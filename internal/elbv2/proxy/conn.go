package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/sockio"
)

// serve starts l's accept loop. p.mu is held.
func (p *Proxy) serve(l *listener) {
	l.serving = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.accept(l)
	}()
}

func (p *Proxy) accept(l *listener) {
	var backoff time.Duration
	for {
		client, err := l.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait rather than spin.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			p.log.Warn("accepting a connection", "address", l.addr.String(), "err", err)
			select {
			case <-time.After(backoff):
				continue
			case <-l.ctx.Done():
				return
			}
		}
		backoff = 0
		r := l.route.Load()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(client, r)
		}()
	}
}

// handle connects client to the target its flow hashes to, and splices
// the two until both sides are done or the target's life ends.
func (p *Proxy) handle(client *net.TCPConn, r *route) {
	var flow uint64
	if from, ok := client.RemoteAddr().(*net.TCPAddr); ok {
		flow = flowHash(from.AddrPort())
	}
	t := r.pick(flow)
	if t == nil || t.life == nil {
		reset(client) // no target registered: the client sees a reset, as from an NLB
		return
	}
	ctx, cancel := context.WithTimeout(t.life.ctx, p.dialTimeout)
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", t.address)
	cancel()
	if err != nil {
		// An NLB does not try another target: the client's connection ends.
		p.log.Debug("connecting to target", "target", t.address, "err", err)
		reset(client)
		return
	}
	upstream := conn.(*net.TCPConn)
	t.flows.established.Add(1)
	t.flows.active.Add(1)
	stop := context.AfterFunc(t.life.ctx, func() {
		reset(client)
		_ = upstream.Close()
	})
	splice(client, upstream)
	stop()
	_ = client.Close()
	_ = upstream.Close()
	t.flows.active.Add(-1)
}

// splice copies both ways. A side that ends its writing (EOF) gets its
// peer's write side closed, so half-closed connections work; a side that
// fails ends both.
func splice(client, upstream *net.TCPConn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyHalf(upstream, client)
	}()
	copyHalf(client, upstream)
	<-done
}

// copyBuffers are the buffers copyHalf moves bytes through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyHalf copies src to dst through a buffer in user space, with raw
// socket calls (sockio: no system-call bookkeeping, no file layer). io.Copy
// between two TCP connections would let the kernel splice, for less CPU,
// but under load (bench/nlb.sh) a spliced connection stalled for good with
// both directions parked waiting for a write readiness that never came,
// the peers' buffers empty: a lost edge-triggered wakeup. A copy that
// costs more and never stalls is the right trade for a load balancer.
// Each read tries the socket before it waits (sockio.Reader): the other
// direction's copy may have made the peer answer already.
func copyHalf(dst, src *net.TCPConn) {
	buf := copyBuffers.Get().(*[]byte)
	_, err := io.CopyBuffer(sockio.NewWriter(dst), sockio.NewReader(src), *buf)
	copyBuffers.Put(buf)
	if err != nil {
		_ = src.Close()
		_ = dst.Close()
		return
	}
	_ = dst.CloseWrite()
}

// reset closes c with an RST rather than a FIN.
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
