package alb

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"
)

// bufferPool holds the buffers bodies are copied through: without one
// ReverseProxy allocates 32 KiB per request.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// newTransport is the keep-alive pool to targets of load balancers whose
// idle timeout is idle: a target that sends no response header for that
// long is answered 504.
func newTransport(idle, dialTimeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       idle,
		ResponseHeaderTimeout: idle,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // bodies pass through as the target sent them
	}
}

// newTargetProxy is the reverse proxy to one target.
func newTargetProxy(t *Target, tr http.RoundTripper, buffers httputil.BufferPool) *httputil.ReverseProxy {
	u := targetURL(t)
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = u.Scheme, u.Host
			pr.Out.Host = pr.In.Host // an ALB passes the client's Host through
			setForwardedHeaders(pr.Out.Header, pr.In)
		},
		Transport:    tr,
		BufferPool:   buffers,
		ErrorHandler: proxyError,
		ErrorLog:     discardLog,
	}
}

// setForwardedHeaders adds what an ALB adds to a request it forwards.
// ReverseProxy has removed the client's X-Forwarded-* from out already;
// X-Forwarded-For is rebuilt from in, the client's address appended.
func setForwardedHeaders(out http.Header, in *http.Request) {
	clientIP := in.RemoteAddr
	if h, _, err := net.SplitHostPort(clientIP); err == nil {
		clientIP = h
	}
	if prior := in.Header["X-Forwarded-For"]; len(prior) > 0 {
		clientIP = strings.Join(prior, ", ") + ", " + clientIP
	}
	out["X-Forwarded-For"] = []string{clientIP}
	out["X-Forwarded-Proto"] = []string{"http"}
	if la, ok := in.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(la.String()); err == nil {
			out["X-Forwarded-Port"] = []string{port}
		}
	}
	out["X-Amzn-Trace-Id"] = []string{traceHeader(in.Header.Get("X-Amzn-Trace-Id"), time.Now())}
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

// proxyError answers a failed forward as an ALB does: 504 when the target
// did not answer within the idle timeout (or could not be reached in
// time), 502 when it refused or closed the connection.
func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away; nobody to answer (AWS logs 460)
	}
	status := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		status = http.StatusGatewayTimeout
	}
	writeELBError(w, status)
}
