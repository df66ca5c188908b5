package httpserve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/evloop"
	"github.com/portolan/portolan/internal/sockio"
)

// Connection states, as the warden sees them.
const (
	stateNew    int32 = iota // no request yet
	stateIdle                // between requests
	stateHead                // reading a head
	stateActive              // a handler runs
	stateClosed              // the warden closed it while new or idle
)

// conn is one client connection and every object its requests reuse.
type conn struct {
	srv    *server
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	ctx    context.Context
	cancel context.CancelFunc
	state  atomic.Int32
	since  atomic.Int64 // warden tick of the last state change
	gone   atomic.Bool  // the warden saw the client go
	out    sink         // where bw writes
	wait   atomic.Int32 // an armed wait for the next request (sink.go)

	blank   http.Request // the request template: its context only
	req     http.Request
	hdr     http.Header
	url     url.URL
	head    []byte   // the request head as read
	headStr string   // the head as the string its fields are cut from
	lines   []int    // the end of each line in head
	line    int      // the next line nextLine returns
	vals    []string // backing array of the header values
	body    body
	w       response

	remote    string
	slot      any  // the handler's memory for the connection (Reused)
	ambiguous bool // the request had Content-Length and Transfer-Encoding
	lastPOST  bool
	broken    bool // a write failed
	hijacked  bool
}

func newConn(s *server, nc net.Conn, t *evloop.Task) *conn {
	c := &conn{srv: s, nc: nc, hdr: http.Header{}}
	c.br = bufio.NewReaderSize(sockio.NewReader(nc), 4<<10)
	c.out.c = c
	if sc, ok := nc.(syscall.Conn); ok {
		c.out.raw, _ = sc.SyscallConn()
	}
	c.bw = bufio.NewWriterSize(&c.out, 4<<10)
	if ra := nc.RemoteAddr(); ra != nil {
		c.remote = ra.String()
	}
	ctx := context.WithValue(s.base, http.LocalAddrContextKey, nc.LocalAddr())
	ctx = context.WithValue(ctx, connKey{}, c)
	if t != nil {
		ctx = evloop.WithTask(ctx, t)
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.blank = *c.blank.WithContext(c.ctx)
	c.since.Store(s.now.Load())
	return c
}

// setState moves c to st unless the warden has closed it.
func (c *conn) setState(st int32) bool {
	for {
		old := c.state.Load()
		if old == stateClosed {
			return false
		}
		if c.state.CompareAndSwap(old, st) {
			c.since.Store(c.srv.now.Load())
			return true
		}
	}
}

// closeIfIdle closes c when no request is under way on it.
func (c *conn) closeIfIdle() {
	for {
		old := c.state.Load()
		if old != stateNew && old != stateIdle {
			return
		}
		if c.state.CompareAndSwap(old, stateClosed) {
			c.nc.Close()
			return
		}
	}
}

func (c *conn) hijack() {
	c.hijacked = true
	c.srv.forget(c)
}

// serve reads and answers requests until the connection ends.
func (c *conn) serve() {
	defer func() {
		c.cancel()
		if !c.hijacked {
			// Answers held back for a pipelined request that never came
			// whole still go out.
			c.bw.Flush()
			c.nc.Close()
			c.srv.forget(c)
		}
	}()
	for {
		if err := c.readHead(); err != nil {
			c.refuse(err)
			return
		}
		c.req = c.blank
		c.req.Header = c.hdr
		if err := c.parseRequest(); err != nil {
			c.refuse(err)
			return
		}
		if !c.setState(stateActive) {
			return
		}
		r := &c.req
		r.RemoteAddr = c.remote
		c.lastPOST = r.Method == http.MethodPost
		c.w.reset(c)
		if !c.expect(r) {
			return
		}
		if !c.handle(r) || c.hijacked {
			return
		}
		if !c.w.headWritten && !c.body.drain() {
			c.w.closeAfter = true
		}
		c.w.finish()
		if c.w.headWritten && !c.w.closeAfter && !c.body.drain() {
			c.w.closeAfter = true
		}
		// Every answer goes out when it is complete (holding one back for
		// a pipelined request would stall a client whose next request
		// is not whole yet). When nothing more is buffered, the flush
		// also waits for the next request (sink).
		c.out.armed = !c.w.closeAfter && !c.broken && c.out.raw != nil && c.br.Buffered() == 0 && !c.srv.closing.Load()
		err := c.bw.Flush()
		c.out.armed = false
		if err != nil {
			return
		}
		if c.broken {
			return
		}
		if c.w.closeAfter {
			c.lingerIfUnread()
			return
		}
		if c.srv.closing.Load() || !c.setState(stateIdle) {
			return
		}
	}
}

// expect handles the Expect header: 100-continue is sent when the handler
// first reads the body; any other expectation is refused with 417.
func (c *conn) expect(r *http.Request) bool {
	e := r.Header["Expect"]
	if len(e) == 0 || e[0] == "" {
		return true
	}
	if strings.EqualFold(e[0], "100-continue") || hasToken(e[0], "100-continue") {
		c.body.continueOwed = r.ProtoAtLeast(1, 1) && r.ContentLength != 0
		return true
	}
	c.bw.WriteString("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	c.bw.Flush()
	return false
}

func hasToken(v, token string) bool {
	for _, f := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(f), token) {
			return true
		}
	}
	return false
}

// handle runs the handler, recovering a panic as net/http does: logged
// (unless http.ErrAbortHandler), what was written is sent, and the
// connection closes. It reports whether the connection may go on.
func (c *conn) handle(r *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				c.srv.log.Error("panic serving HTTP request", "remote", c.remote, "panic", p, "stack", string(debug.Stack()))
			}
			if !c.hijacked {
				c.bw.Flush()
			}
			ok = false
		}
	}()
	if r.RequestURI == "*" && r.Method == http.MethodOptions {
		// Answered by the server, as net/http's globalOptionsHandler.
		c.w.header["Content-Length"] = []string{"0"}
		c.w.WriteHeader(http.StatusOK)
		return true
	}
	c.srv.handler.ServeHTTP(&c.w, r)
	return true
}

// refuse answers a request the server could not read, as net/http does,
// and lets the caller close the connection. Read errors get no answer.
func (c *conn) refuse(err error) {
	var re *requestError
	if !errors.As(err, &re) {
		return
	}
	const fields = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	status := re.text
	if re.status == http.StatusNotImplemented {
		status = "501 Not Implemented"
	}
	c.bw.WriteString("HTTP/1.1 " + status + fields + re.text)
	c.bw.Flush()
	if re == errTooLarge {
		// The client may still be sending the rest of its head.
		c.linger()
	}
}

// lingerIfUnread half-closes a connection the client may still be
// writing to and reads what arrives for a moment before the caller closes
// it: closing with unread bytes would reset the connection and could
// destroy the answer before the client reads it.
func (c *conn) lingerIfUnread() {
	if c.br.Buffered() == 0 && c.body.eof {
		return
	}
	c.linger()
}

func (c *conn) linger() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	// Discarding (rather than leaving unread) lets the client finish its
	// write and read the answer; the deadline bounds what it costs.
	c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.Copy(io.Discard, c.nc)
}
