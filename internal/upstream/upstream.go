// Package upstream is the data planes' HTTP/1.1 client to the servers
// behind them: the HTTP API gateway (internal/apigw/gateway) and the REST
// API gateway (internal/restapi/gateway) send every Cloud Map instance,
// load balancer and public http:// call through it, and the Application
// Load Balancer (internal/elbv2/alb) every request to a target.
package upstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/evloop"
	"github.com/portolan/portolan/internal/sockio"
)

// Client is a gateway's HTTP/1.1 client for plain-http integrations
// (every Cloud Map instance, load balancer, and public http:// URL). http.Transport hands
// each request to a write goroutine and a read goroutine per connection and
// allocates heavily; a proxy in front of a few busy backends does better
// writing and reading on the request's own goroutine over a pool of
// kept-alive connections, with the integration timeout as a connection
// deadline (no timer per request). A response's head is parsed in place
// into field offsets the connection reuses (head.go), with
// http.ReadResponse's rules and framing (Content-Length, chunked, HEAD,
// 204/304, response.go); a proxy relays it as those bytes (Conn.Head)
// and builds a header map only when it must change the header.
// https:// integrations use an http.Transport.
type Client struct {
	// DialTimeout bounds a connect besides the request's deadline (0: the
	// deadline alone); MaxIdleTime is how long Reap keeps a connection
	// idle (0: IdleTimeout). Set before the first request.
	DialTimeout time.Duration
	MaxIdleTime time.Duration

	dials   *atomic.Int64
	mu      sync.Mutex
	pools   map[string]*Pool
	maxIdle int
}

// New returns a client that counts every connection it opens in dials
// (shared with the gateway's https transport).
func New(dials *atomic.Int64) *Client {
	return &Client{dials: dials, pools: map[string]*Pool{}, maxIdle: 1024}
}

// Pool returns the connection pool of addr ("ip:port" or "host:port").
func (u *Client) Pool(addr string) *Pool {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.pools[addr]
	if p == nil {
		p = &Pool{addr: addr, up: u}
		u.pools[addr] = p
	}
	return p
}

// Idle connections: kept this long, and checked for a peer close before
// reuse once idle this long (a backend such as Node closes idle
// connections after 5 s; reusing one that is already closed would fail a
// request that cannot be retried, one with a body).
const (
	IdleTimeout   = 90 * time.Second
	checkIdleOver = time.Second
)

// Run reaps idle connections every IdleTimeout/3 until ctx ends; the
// gateway that owns the client runs it.
func (u *Client) Run(ctx context.Context) error {
	tick := time.NewTicker(IdleTimeout / 3)
	defer tick.Stop()
	for {
		select {
		case now := <-tick.C:
			u.Reap(now)
		case <-ctx.Done():
			return nil
		}
	}
}

// Reap closes connections idle for longer than MaxIdleTime.
func (u *Client) Reap(now time.Time) {
	maxIdle := u.MaxIdleTime
	if maxIdle <= 0 {
		maxIdle = IdleTimeout
	}
	u.mu.Lock()
	pools := make([]*Pool, 0, len(u.pools))
	for _, p := range u.pools {
		pools = append(pools, p)
	}
	u.mu.Unlock()
	for _, p := range pools {
		p.reap(func(c *Conn) bool { return now.Sub(c.idleSince) > maxIdle })
	}
}

// Drop forgets the pool of addr and closes its idle connections now; the
// ones in use are closed when they are released. A later request to addr
// starts a new pool.
func (u *Client) Drop(addr string) {
	u.mu.Lock()
	p := u.pools[addr]
	delete(u.pools, addr)
	u.mu.Unlock()
	if p != nil {
		p.mu.Lock()
		p.dropped = true
		p.mu.Unlock()
		p.reap(func(*Conn) bool { return true })
	}
}

// Pool holds the idle connections to one address, newest last.
type Pool struct {
	addr    string
	up      *Client
	mu      sync.Mutex
	idle    []*Conn
	dropped bool // Drop was called: nothing is kept
}

// reap closes the idle connections stale picks, keeping the others in
// their order.
func (p *Pool) reap(stale func(*Conn) bool) {
	p.mu.Lock()
	keep := p.idle[:0]
	var closing []*Conn
	for _, c := range p.idle {
		if stale(c) {
			closing = append(closing, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.mu.Unlock()
	for _, c := range closing {
		c.nc.Close()
	}
}

// Conn is one kept-alive connection, handed out by RoundTrip and given
// back with Release.
type Conn struct {
	nc            net.Conn
	loop          *evloop.Loop // the loop nc belongs to; nil: none
	br            *bufio.Reader
	bw            *bufio.Writer
	idleSince     time.Time
	readDeadline  time.Time // as last set
	reused        bool
	writeDeadline bool // a write deadline is set

	out sink // what bw writes to

	// What readResponse reuses from one response to the next: the
	// response handed out is valid until Release.
	head          []byte  // the head as read
	lines         []int   // where each of its lines ends
	fields        []field // its header fields
	proto, status string  // the last status line's parts (intern)
	resp          http.Response
	respHeader    http.Header
	body          responseBody
	block         []byte // Head's fields

	// What frame found in the fields.
	connection bool  // there is a Connection field
	closeField bool  // ... and it says close, on HTTP/1.1 or later
	chunked    bool  // the body is chunked
	declared   int64 // the Content-Length; -1: none (or chunked)
}

// Addr is the address the pool connects to ("ip:port" or "host:port").
func (p *Pool) Addr() string { return p.addr }

func (p *Pool) get(now time.Time, loop *evloop.Loop) *Conn {
	for {
		p.mu.Lock()
		// The newest connection of the caller's loop (nil: of the
		// runtime's netpoller): a loop's connections wait only on it.
		i := len(p.idle) - 1
		for i >= 0 && p.idle[i].loop != loop {
			i--
		}
		if i < 0 {
			p.mu.Unlock()
			return nil
		}
		c := p.idle[i]
		last := len(p.idle) - 1
		copy(p.idle[i:], p.idle[i+1:])
		p.idle[last] = nil
		p.idle = p.idle[:last]
		p.mu.Unlock()
		if now.Sub(c.idleSince) > checkIdleOver && !alive(c.nc) {
			c.nc.Close()
			continue
		}
		c.reused = true
		return c
	}
}

func (p *Pool) put(c *Conn, now time.Time) {
	c.idleSince = now
	p.mu.Lock()
	if !p.dropped && len(p.idle) < p.up.maxIdle {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.nc.Close()
}

// alive peeks at an idle connection without blocking: a closed peer reads
// as end of file, a live idle one has nothing to read.
func alive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = true
	var buf [1]byte
	raw.Read(func(fd uintptr) bool {
		n, err := sockio.Peek(fd, buf[:])
		// Data on an idle connection is a protocol error; EOF is a close.
		ok = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
		return true
	})
	return ok
}

func (p *Pool) dial(deadline time.Time, task *evloop.Task) (*Conn, error) {
	p.up.dials.Add(1)
	var nc net.Conn
	var loop *evloop.Loop
	if task != nil {
		if t := time.Now().Add(p.up.DialTimeout); p.up.DialTimeout > 0 && t.Before(deadline) {
			deadline = t
		}
		ec, err := task.Dial(context.Background(), p.addr, deadline)
		if err != nil {
			return nil, err
		}
		nc, loop = ec, task.Loop()
	} else {
		d := net.Dialer{Deadline: deadline, Timeout: p.up.DialTimeout, KeepAlive: 30 * time.Second}
		var err error
		if nc, err = d.DialContext(context.Background(), "tcp", p.addr); err != nil {
			return nil, err
		}
	}
	c := &Conn{nc: nc, loop: loop, br: bufio.NewReaderSize(sockio.NewReader(nc), 16<<10), respHeader: http.Header{}}
	c.out.c = c
	if sc, ok := nc.(syscall.Conn); ok {
		c.out.raw, _ = sc.SyscallConn()
	}
	c.bw = bufio.NewWriterSize(&c.out, 16<<10)
	return c, nil
}

// Request is what the proxy sends.
type Request struct {
	Method string
	Path   string // escaped
	Query  string // escaped, without '?'; "": none
	Host   string
	Header http.Header
	// Fields are header lines sent after Header's, as the wire carries
	// them ("Name: value\r\n" each): fields a proxy adds to every
	// request (its forwarding fields) without a map entry each. The
	// caller vouches for them as for Head.Fields: valid names, no CR, LF
	// or NUL in a value, no framing field.
	Fields        []byte
	Body          io.Reader // nil: none
	ContentLength int64     // -1: unknown (sent chunked)
	// RelayHead leaves the response's Header nil: the caller relays
	// the head with Conn.Head or Conn.CopyHeader (or builds the map
	// with Conn.Header).
	RelayHead bool
	// Task is the event-loop task the caller runs as (evloop.TaskOf of
	// its request's context), nil for a goroutine: the exchange then uses
	// a connection of the task's loop, waiting through it.
	Task *evloop.Task
}

// AppendForwardedFor appends an X-Forwarded-For line to dst: the
// addresses the request carried (prior, the client's field), then ip. An
// empty value is left out, and so is one holding CR, LF or NUL, which a
// gateway's header mapping may have put there (a client's cannot: the
// servers refuse them).
func AppendForwardedFor(dst []byte, prior []string, ip string) []byte {
	dst = append(dst, "X-Forwarded-For: "...)
	for _, v := range prior {
		if v != "" && !strings.ContainsAny(v, "\r\n\x00") {
			dst = append(append(dst, v...), ", "...)
		}
	}
	return append(append(dst, ip...), "\r\n"...)
}

// AddFields adds wire lines (a Request's Fields) to h after the values h
// already holds, for a client that sends only a map (http.Transport).
func AddFields(h http.Header, fields []byte) {
	for len(fields) > 0 {
		line, rest, _ := bytes.Cut(fields, []byte("\r\n"))
		name, value, _ := bytes.Cut(line, []byte(": "))
		k, prior := string(name), h[string(name)]
		// Capped: the values may share an array with other fields'.
		h[k] = append(prior[:len(prior):len(prior)], string(value))
		fields = rest
	}
}

// ErrProtocol is a backend that switched protocols although Upgrade was
// never forwarded.
var ErrProtocol = errors.New("integration answered 101 Switching Protocols")

// RoundTrip sends r over a pooled connection (retrying once on a fresh one
// when a reused connection turns out closed before answering and r can be
// replayed) and returns the response with the connection it is read from;
// release gives the connection back.
func (p *Pool) RoundTrip(r *Request, now, deadline time.Time) (*http.Response, *Conn, error) {
	var loop *evloop.Loop
	if r.Task != nil {
		loop = r.Task.Loop()
	}
	for attempt := 0; ; attempt++ {
		c := p.get(now, loop)
		if c == nil {
			var err error
			if c, err = p.dial(deadline, r.Task); err != nil {
				return nil, nil, err
			}
		}
		if loop != nil {
			c.nc.(*evloop.Conn).Bind(r.Task)
		}
		// The read deadline bounds the response; a write can only stall
		// on a body larger than the socket buffers, so only then does it
		// need its own. Each deadline costs a timer update, so a busy
		// connection keeps its read deadline while it is at most 1/64 of
		// the timeout early (30 s: by 0.5 s at most).
		if d := deadline.Sub(c.readDeadline); d < 0 || d > (deadline.Sub(now))/64 {
			c.nc.SetReadDeadline(deadline)
			c.readDeadline = deadline
		}
		if r.Body != nil {
			c.nc.SetWriteDeadline(deadline)
		} else if c.writeDeadline {
			c.nc.SetWriteDeadline(time.Time{})
		}
		c.writeDeadline = r.Body != nil
		resp, err := c.exchange(r)
		if err == nil {
			return resp, c, nil
		}
		c.nc.Close()
		if attempt == 0 && c.reused && r.replayable() && retryable(err) {
			continue
		}
		return nil, nil, err
	}
}

// replayable: sending r twice is harmless, by the rule http.Transport
// follows (a safe method, or an idempotency key), and it has no body that
// was consumed by the first attempt (an empty one was not).
func (r *Request) replayable() bool {
	if r.Body != nil && r.ContentLength != 0 {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return r.Header["Idempotency-Key"] != nil || r.Header["X-Idempotency-Key"] != nil
}

// retryable: the peer closed a kept-alive connection before answering.
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (c *Conn) exchange(r *Request) (*http.Response, error) {
	bw := c.bw
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(r.Path)
	if r.Query != "" {
		bw.WriteByte('?')
		bw.WriteString(r.Query)
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	for k, vv := range r.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection":
			continue
		}
		for _, v := range vv {
			if !validHeaderValue(v) {
				// A mapped value carrying CR or LF (a decoded query string
				// parameter) must not split the request.
				continue
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.Write(r.Fields)
	chunked := false
	switch {
	case r.Body == nil:
	case r.ContentLength >= 0:
		var n [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(n[:0], r.ContentLength, 10))
		bw.WriteString("\r\n")
	default:
		chunked = true
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	bw.WriteString("\r\n")
	c.out.writes = 0
	if r.Body != nil {
		if chunked {
			cw := httputil.NewChunkedWriter(bw)
			if _, err := io.Copy(cw, r.Body); err != nil {
				return nil, BodyError{Err: err}
			}
			cw.Close()
			bw.WriteString("\r\n")
		} else if _, err := io.CopyN(bw, r.Body, r.ContentLength); err != nil {
			return nil, BodyError{Err: err}
		}
	}
	// The whole request is in the buffer: send it and wait for the answer
	// in one step (sink.Write), instead of reading before it can be there.
	c.out.armed = c.out.writes == 0 && c.out.raw != nil
	err := bw.Flush()
	c.out.armed = false
	if err != nil {
		return nil, err
	}
	// Wait for the first byte apart: a kept-alive connection the backend
	// closed reads as EOF with nothing received, which is safe to retry
	// (ReadResponse would report any EOF as ErrUnexpectedEOF).
	if _, err := c.br.Peek(1); err != nil {
		return nil, err
	}
	for {
		resp, err := c.readResponse(r.Method, r.RelayHead)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, ErrProtocol
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue // 100 Continue and other interim answers
		case resp.StatusCode < 100:
			// http.ReadResponse reads "000"; no server can answer it.
			return nil, fmt.Errorf("upstream: status %03d", resp.StatusCode)
		}
		return resp, nil
	}
}

// ReadBody reads a request body whole, up to limit bytes, for a sender
// that must not read it itself (an https transport's goroutine, when only
// the client connection's event-loop task may read it). A body over
// limit is an *http.MaxBytesError, one that breaks off a BodyError.
func ReadBody(body io.Reader, limit int64) (*bytes.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || int64(len(b)) > limit:
		return nil, &http.MaxBytesError{Limit: limit}
	case err != nil:
		return nil, BodyError{err}
	}
	return bytes.NewReader(b), nil
}

// BodyError is a failure to read the client's request body: the client's
// fault (or its quota), not the integration's.
type BodyError struct{ Err error }

func (e BodyError) Error() string { return "reading the request body: " + e.Err.Error() }
func (e BodyError) Unwrap() error { return e.Err }

// validHeaderValue: no CR, LF or NUL (each an IndexByte, which scans a
// word or more at a time).
func validHeaderValue(v string) bool {
	return strings.IndexByte(v, '\r') < 0 && strings.IndexByte(v, '\n') < 0 && strings.IndexByte(v, 0) < 0
}

// SetReadDeadline moves the deadline of c's reads: a proxy whose timeout
// runs from the last byte received (a load balancer's idle timeout)
// re-arms it as the body comes.
func (c *Conn) SetReadDeadline(t time.Time) {
	c.readDeadline = t
	c.nc.SetReadDeadline(t)
}

// Release returns c to its pool once resp's body was read to the end and
// neither side asked to close; otherwise it closes c. resp (and its
// header map) belongs to c again: the caller must not use it after.
func (p *Pool) Release(c *Conn, resp *http.Response, complete bool, now time.Time) {
	if complete && !resp.Close {
		p.put(c, now)
		return
	}
	c.nc.Close()
}

// Relay copies a response body from src to w through buf, flushing
// nothing early: the server's buffered writer batches small writes. A
// client that goes away (a failed write) only ends the copy; a failed read
// of the integration's body is returned. complete reports that src was
// read to its end.
func Relay(w io.Writer, src io.Reader, buf []byte) (written int64, complete bool, err error) {
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr != nil {
				return written, false, nil
			}
		}
		if rerr == io.EOF {
			return written, true, nil
		}
		if rerr != nil {
			return written, false, rerr
		}
	}
}
