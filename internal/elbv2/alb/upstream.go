package alb

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/sockio"
)

// targetPool holds the kept-alive connections to one target. A request is
// written and its answer read on the request's own goroutine (no
// per-connection goroutines, no channels, as http.Transport has), with the
// load balancer's idle timeout as the connection's read deadline.
// Requests that upgrade the connection (WebSocket) go through upgrade, a
// ReverseProxy, which knows how to splice the two connections.
type targetPool struct {
	addr        string
	dialTimeout time.Duration
	upgrade     *httputil.ReverseProxy

	mu     sync.Mutex
	idle   []*targetConn // newest last
	closed bool
}

type targetConn struct {
	nc           net.Conn
	br           *bufio.Reader
	bw           *bufio.Writer
	idleSince    time.Time
	readDeadline time.Time // as last set
	reused       bool
}

// An idle connection is checked for a close by the target before reuse
// once it has been idle this long: a target that closes idle connections
// (Node after 5 s) would otherwise fail the next request sent on one.
const checkIdleOver = time.Second

func (p *targetPool) get(now time.Time) *targetConn {
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if now.Sub(c.idleSince) > checkIdleOver && !peerOpen(c.nc) {
			c.nc.Close()
			continue
		}
		c.reused = true
		return c
	}
}

// maxIdlePerTarget bounds the connections kept to one target.
const maxIdlePerTarget = 256

func (p *targetPool) put(c *targetConn, now time.Time) {
	c.idleSince = now
	p.mu.Lock()
	if !p.closed && len(p.idle) < maxIdlePerTarget {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.nc.Close()
}

// reap closes the connections idle since before cutoff (oldest first in
// the slice), and all of them once the pool is closed.
func (p *targetPool) reap(cutoff time.Time) {
	p.mu.Lock()
	n := 0
	for n < len(p.idle) && (p.closed || p.idle[n].idleSince.Before(cutoff)) {
		n++
	}
	stale := append([]*targetConn(nil), p.idle[:n]...)
	kept := append(p.idle[:0], p.idle[n:]...)
	clear(p.idle[len(kept):]) // the moved-down tail: no stale pointers
	p.idle = kept
	p.mu.Unlock()
	for _, c := range stale {
		c.nc.Close()
	}
}

// close ends the pool's use: its idle connections are closed now, the
// busy ones when their requests end.
func (p *targetPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.reap(time.Time{})
}

// peerOpen peeks at an idle connection without blocking: a target that
// closed it reads as end of file, a live idle one has nothing to read.
func peerOpen(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := true
	var b [1]byte
	raw.Read(func(fd uintptr) bool {
		n, err := sockio.Peek(fd, b[:])
		open = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
		return true
	})
	return open
}

func (p *targetPool) dial() (*targetConn, error) {
	d := net.Dialer{Timeout: p.dialTimeout, KeepAlive: 30 * time.Second}
	nc, err := d.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &targetConn{nc: nc, br: bufio.NewReaderSize(sockio.NewReader(nc), 8<<10), bw: bufio.NewWriterSize(nc, 8<<10)}, nil
}

// exchange sends out on a pooled connection and
// reads the answer's head, retrying once on a new connection when a
// kept-alive one turns out closed before it answered and the request can
// be sent twice. The caller reads the body and gives c back with release.
func (p *targetPool) exchange(out *outbound, now time.Time, idle time.Duration) (resp *http.Response, c *targetConn, err error) {
	deadline := now.Add(idle)
	for attempt := 0; ; attempt++ {
		if c = p.get(now); c == nil {
			if c, err = p.dial(); err != nil {
				return nil, nil, err
			}
		}
		// Each deadline set costs a timer update: a busy connection keeps
		// its deadline while it is at most 1/64 of the timeout early.
		if d := deadline.Sub(c.readDeadline); d < 0 || d > idle/64 {
			c.nc.SetReadDeadline(deadline)
			c.readDeadline = deadline
		}
		resp, err = c.roundTrip(out)
		if err == nil {
			return resp, c, nil
		}
		c.nc.Close()
		if attempt == 0 && c.reused && out.replayable() && closedBeforeAnswer(err) {
			continue
		}
		return nil, nil, err
	}
}

// Requests ReadResponse needs only for their method (a HEAD answer has no
// body); shared, never modified.
var (
	headRequest  = &http.Request{Method: http.MethodHead}
	otherRequest = &http.Request{Method: http.MethodGet}
)

// errSwitched is a target that switched protocols on a request that did
// not ask to upgrade.
var errSwitched = errors.New("target answered 101 Switching Protocols")

func (c *targetConn) roundTrip(out *outbound) (*http.Response, error) {
	if err := out.write(c.bw); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	// The first byte apart: a kept-alive connection the target closed
	// reads as EOF with nothing received (ReadResponse would call any EOF
	// unexpected), which is what makes a retry safe.
	if _, err := c.br.Peek(1); err != nil {
		return nil, err
	}
	req := otherRequest
	if out.r.Method == http.MethodHead {
		req = headRequest
	}
	for {
		resp, err := http.ReadResponse(c.br, req)
		switch {
		case err != nil:
			return nil, err
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errSwitched
		case resp.StatusCode < 200:
			continue // 100 Continue and other interim answers
		}
		return resp, nil
	}
}

// closedBeforeAnswer: the target closed a kept-alive connection before
// answering.
func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// release gives c back once the answer's body was read to its end and
// neither side asked to close the connection; otherwise it closes c.
func (p *targetPool) release(c *targetConn, resp *http.Response, complete bool, now time.Time) {
	if complete && !resp.Close {
		p.put(c, now)
		return
	}
	c.nc.Close()
}
