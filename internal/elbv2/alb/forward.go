package alb

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/httpserve"
	"github.com/portolan/portolan/internal/upstream"
)

// bufferPool holds the buffers bodies are copied through (32 KiB each),
// for the forward path and for ReverseProxy (httputil.BufferPool).
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// serveForward sends r to the target of p and relays its answer. A
// request that upgrades its connection goes through p's ReverseProxy.
func serveForward(w http.ResponseWriter, r *http.Request, rt *route, p *targetPool, buffers *bufferPool) {
	if r.Header["Upgrade"] != nil {
		p.upgrade.ServeHTTP(w, r)
		return
	}
	now := time.Now()
	// The load balancer's idle timeout bounds the wait for the answer's
	// head; copyBody re-arms it as the body comes.
	// The fields are sent before RoundTrip returns: the connection's
	// buffer is free again for its next request.
	out := outbound(r, rt.port, now, &httpserve.Reused[fieldBuffer](w).b)
	resp, c, err := p.conns.RoundTrip(&out, now, now.Add(rt.idle))
	if err != nil {
		targetFailed(w, r, err)
		return
	}
	complete := false
	defer func() { p.conns.Release(c, resp, complete, time.Now()) }()
	relayHead(w, c, resp)
	var err2 error
	complete, err2 = copyBody(w, resp, c, rt.idle, buffers)
	if err2 != nil {
		// The status is sent: all that is left is to cut the client's
		// connection, so that it cannot take a truncated body for a whole one.
		panic(http.ErrAbortHandler)
	}
}

// fieldBuffer is a connection's buffer for its requests' forwarding
// fields (httpserve.Reused).
type fieldBuffer struct{ b []byte }

// scheme is the protocol r came in on, as X-Forwarded-Proto and a
// redirect's #{protocol} name it.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// outbound is r as it is forwarded to a target, its header changed in
// place: the target line as the client sent it, the client's Host, its
// fields but the hop-by-hop ones and those an ALB answers or sets itself
// (Expect, X-Forwarded-For, -Proto, -Port, X-Amzn-Trace-Id), which
// follow as wire lines made in fields (forwardFields). A body goes with
// its length (a Content-Length of 0 the client sent included) or chunked.
func outbound(r *http.Request, port string, now time.Time, fields *[]byte) upstream.Request {
	h := r.Header
	*fields = forwardFields((*fields)[:0], h, r, port, now)
	upstream.RemoveHopHeaders(h)
	delete(h, "Expect")
	out := upstream.Request{Method: r.Method, Path: r.RequestURI, Host: r.Host, Header: h, Fields: *fields, RelayHead: true}
	if !strings.HasPrefix(out.Path, "/") {
		out.Path = r.URL.RequestURI() // absolute-form or "*"
	}
	if r.ContentLength != 0 || h["Content-Length"] != nil {
		out.Body, out.ContentLength = r.Body, r.ContentLength
	}
	return out
}

// forwardFields appends to dst what an ALB sets on a request it
// forwards, as wire lines: the client's address appended to any
// X-Forwarded-For, the listener's protocol and port, the trace; and
// deletes the client's own from h.
func forwardFields(dst []byte, h http.Header, r *http.Request, port string, now time.Time) []byte {
	clientIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	dst = upstream.AppendForwardedFor(dst, h["X-Forwarded-For"], clientIP)
	dst = append(dst, "X-Forwarded-Proto: "...)
	dst = append(append(dst, scheme(r)...), "\r\nX-Forwarded-Port: "...)
	dst = append(append(dst, port...), "\r\nX-Amzn-Trace-Id: "...)
	if in := h.Get("X-Amzn-Trace-Id"); in != "" {
		dst = append(dst, traceHeader(in, now)...)
	} else {
		dst = awsapi.AppendTraceID(dst, now) // a new Root
	}
	dst = append(dst, "\r\n"...)
	for _, k := range [...]string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Amzn-Trace-Id"} {
		delete(h, k)
	}
	return dst
}

// copyBody relays the answer's body and trailers. Every read that waits
// for the target after the first re-arms the idle timeout (so a body that
// keeps coming is never cut, one that stalls for the idle timeout is) and
// first flushes what came so far (so a client whose answer is cut has its
// header and what arrived). A body of unknown length (a stream) is
// flushed as it comes. copyBody reports whether the body was read to its
// end, and a failure to read it; a client that went away only ends the
// copy.
func copyBody(w http.ResponseWriter, resp *http.Response, c *upstream.Conn, idle time.Duration, buffers *bufferPool) (complete bool, err error) {
	bp := buffers.pool.Get().(*[]byte)
	defer buffers.pool.Put(bp)
	buf := *bp
	flusher, _ := w.(http.Flusher)
	stream := resp.ContentLength < 0
	var total int64
	for reads := 0; ; reads++ {
		if reads > 0 && (stream || total < resp.ContentLength) {
			if !stream && flusher != nil {
				flusher.Flush()
			}
			c.SetReadDeadline(time.Now().Add(idle))
		}
		n, rerr := resp.Body.Read(buf)
		total += int64(n)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return false, nil
			}
			if stream && flusher != nil {
				flusher.Flush()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return false, rerr
		}
	}
	for k, vv := range resp.Trailer {
		w.Header()[http.TrailerPrefix+k] = vv
	}
	return true, nil
}

// newUpgradeTransport is the pool for requests that upgrade their
// connection (WebSocket), which go through a ReverseProxy.
func newUpgradeTransport(dialTimeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		MaxIdleConnsPerHost:   -1, // an upgraded connection is never reused
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// newUpgradeProxy is the reverse proxy that upgrades connections to addr.
func newUpgradeProxy(addr string, tr http.RoundTripper, buffers httputil.BufferPool) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", addr
			pr.Out.Host = pr.In.Host // an ALB passes the client's Host through
			clientIP, _, _ := net.SplitHostPort(pr.In.RemoteAddr)
			var port string
			if la, ok := pr.In.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
				_, port, _ = net.SplitHostPort(la.String())
			}
			for k, v := range forwardedHeaders(pr.In.Header, clientIP, scheme(pr.In), port) {
				pr.Out.Header[k] = []string{v}
			}
		},
		Transport:    tr,
		BufferPool:   buffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { targetFailed(w, r, err) },
		ErrorLog:     discardLog,
	}
}

// forwardedHeaders are what an ALB adds to a request it forwards:
// X-Forwarded-For (the client's address appended to any the request
// carried), -Proto, -Port and X-Amzn-Trace-Id.
func forwardedHeaders(in http.Header, clientIP, proto, port string) map[string]string {
	xff := clientIP
	if prior := in["X-Forwarded-For"]; len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + clientIP
	}
	return map[string]string{"X-Forwarded-For": xff, "X-Forwarded-Proto": proto, "X-Forwarded-Port": port,
		"X-Amzn-Trace-Id": traceHeader(in.Get("X-Amzn-Trace-Id"), time.Now())}
}

// traceHeader is the X-Amzn-Trace-Id an ALB forwards: a new Root when the
// client sent none; with a Root, a new Self in front (replacing any Self),
// every other field kept.
func traceHeader(in string, now time.Time) string {
	id := traceID(now)
	if in == "" {
		return "Root=" + id
	}
	fields := strings.Split(in, ";")
	kept := fields[:0]
	hasRoot := false
	for _, f := range fields {
		name, _, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch name {
		case "Self":
			continue
		case "Root":
			hasRoot = true
		}
		kept = append(kept, strings.TrimSpace(f))
	}
	field := "Self="
	if !hasRoot {
		field = "Root="
	}
	return field + id + ";" + strings.Join(kept, ";")
}

// traceID is "1-<epoch seconds, 8 hex>-<24 random hex>".
func traceID(now time.Time) string {
	const digits = "0123456789abcdef"
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	sec := uint32(now.Unix())
	for i := 9; i >= 2; i-- {
		b[i] = digits[sec&0xf]
		sec >>= 4
	}
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 34; i >= 11; i-- {
		b[i] = digits[lo&0xf]
		lo = lo>>4 | hi<<60
		hi >>= 4
	}
	return string(b[:])
}

// targetFailed answers a request that got no answer from its target, as
// an ALB does: 504 when the target did not answer within the idle timeout
// (or could not be reached in time), 502 when it refused or closed the
// connection, 400 when the client's own body broke off.
func targetFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away; nobody to answer (AWS logs 460)
	}
	status := http.StatusBadGateway
	var ne net.Error
	var be upstream.BodyError
	switch {
	case errors.As(err, &be):
		status = http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		status = http.StatusGatewayTimeout
	}
	writeELBError(w, status)
}
