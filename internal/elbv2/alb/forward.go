package alb

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bufferPool holds the buffers bodies are copied through (32 KiB each),
// for the forward path and for ReverseProxy (httputil.BufferPool).
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// outbound is a request as it is forwarded to a target.
type outbound struct {
	r        *http.Request
	proto    string // the listener's, for X-Forwarded-Proto
	port     string // the listener's, for X-Forwarded-Port
	clientIP string
	trace    string // X-Amzn-Trace-Id
}

// serveForward sends r to the target of p and relays its answer. A
// request that upgrades its connection goes through p's ReverseProxy.
func serveForward(w http.ResponseWriter, r *http.Request, rt *route, p *targetPool, buffers *bufferPool) {
	if r.Header["Upgrade"] != nil {
		p.upgrade.ServeHTTP(w, r)
		return
	}
	now := time.Now()
	out := outbound{r: r, proto: scheme(r), port: rt.port, trace: traceHeader(r.Header.Get("X-Amzn-Trace-Id"), now)}
	out.clientIP, _, _ = net.SplitHostPort(r.RemoteAddr)
	resp, c, err := p.exchange(&out, now, rt.idle)
	if err != nil {
		targetFailed(w, r, err)
		return
	}
	complete := false
	defer func() { p.release(c, resp, complete, time.Now()) }()
	relayHeader(w, resp)
	var err2 error
	complete, err2 = copyBody(w, resp, c, rt.idle, buffers)
	if err2 != nil {
		// The status is sent: all that is left is to cut the client's
		// connection, so that it cannot take a truncated body for a whole one.
		panic(http.ErrAbortHandler)
	}
}

// scheme is the protocol r came in on, as X-Forwarded-Proto and a
// redirect's #{protocol} name it.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// replayable: sending the request twice is harmless (a safe method, no
// body), by the rule http.Transport follows.
func (o *outbound) replayable() bool {
	switch o.r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return o.r.ContentLength == 0
	}
	return false
}

// write sends the request line, the client's header (without hop-by-hop
// fields and the ones an ALB sets itself), what an ALB adds, and the body.
func (o *outbound) write(bw *bufio.Writer) error {
	r := o.r
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	if strings.HasPrefix(r.RequestURI, "/") {
		bw.WriteString(r.RequestURI) // as the client sent it
	} else {
		bw.WriteString(r.URL.RequestURI()) // absolute-form or "*"
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	connection := r.Header["Connection"]
	for k, vv := range r.Header {
		if notForwarded(k) || listsToken(connection, k) {
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("X-Forwarded-For: ")
	for _, v := range r.Header["X-Forwarded-For"] {
		bw.WriteString(v)
		bw.WriteString(", ")
	}
	bw.WriteString(o.clientIP)
	bw.WriteString("\r\nX-Forwarded-Proto: ")
	bw.WriteString(o.proto)
	bw.WriteString("\r\nX-Forwarded-Port: ")
	bw.WriteString(o.port)
	bw.WriteString("\r\nX-Amzn-Trace-Id: ")
	bw.WriteString(o.trace)
	bw.WriteString("\r\n")
	switch {
	case r.ContentLength > 0 || (r.ContentLength == 0 && r.Header["Content-Length"] != nil):
		var n [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(n[:0], r.ContentLength, 10))
		bw.WriteString("\r\n\r\n")
		if _, err := io.CopyN(bw, r.Body, r.ContentLength); err != nil {
			return bodyError{err}
		}
	case r.ContentLength < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		cw := httputil.NewChunkedWriter(bw)
		if _, err := io.Copy(cw, r.Body); err != nil {
			return bodyError{err}
		}
		cw.Close()
		bw.WriteString("\r\n")
	default:
		bw.WriteString("\r\n")
	}
	return nil
}

// notForwarded are the request header fields a target does not get from
// the client: hop-by-hop fields, the framing (written anew), Expect (the
// ALB answered it), and the ones an ALB sets itself.
func notForwarded(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade", "Content-Length", "Expect",
		"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Amzn-Trace-Id":
		return true
	}
	return false
}

// hopByHop are the answer's header fields that stay on the target's
// connection; the server writes its own framing.
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// listsToken reports whether a Connection header names field k (such
// fields are hop-by-hop too).
func listsToken(connection []string, k string) bool {
	for _, v := range connection {
		for v != "" {
			var token string
			token, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(token), k) {
				return true
			}
		}
	}
	return false
}

// relayHeader sends the target's status and header fields.
func relayHeader(w http.ResponseWriter, resp *http.Response) {
	dst := w.Header()
	connection := resp.Header["Connection"]
	for k, vv := range resp.Header {
		if !hopByHop(k) && !listsToken(connection, k) {
			dst[k] = vv
		}
	}
	for k := range resp.Trailer {
		dst.Add("Trailer", k)
	}
	w.WriteHeader(resp.StatusCode)
}

// copyBody relays the answer's body and trailers. Every read that waits
// for the target after the first re-arms the idle timeout (so a body that
// keeps coming is never cut, one that stalls for the idle timeout is) and
// first flushes what came so far (so a client whose answer is cut has its
// header and what arrived). A body of unknown length (a stream) is
// flushed as it comes. copyBody reports whether the body was read to its
// end, and a failure to read it; a client that went away only ends the
// copy.
func copyBody(w http.ResponseWriter, resp *http.Response, c *targetConn, idle time.Duration, buffers *bufferPool) (complete bool, err error) {
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
			c.readDeadline = time.Now().Add(idle)
			c.nc.SetReadDeadline(c.readDeadline)
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

// bodyError is a failure to read the client's request body: the
// client's doing, not the target's.
type bodyError struct{ err error }

func (e bodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e bodyError) Unwrap() error { return e.err }

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
	var be bodyError
	switch {
	case errors.As(err, &be):
		status = http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		status = http.StatusGatewayTimeout
	}
	writeELBError(w, status)
}
