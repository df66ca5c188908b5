package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw/mapping"
	"github.com/portolan/portolan/internal/evloop"
	"github.com/portolan/portolan/internal/upstream"
)

// proxy sends the request to the route's integration and relays the answer.
// The client's header map becomes the upstream request's (net/http lets a
// handler change it; the server read what it needs before calling us), so
// forwarding copies no headers.
func (g *Gateway) proxy(w http.ResponseWriter, r *http.Request, rq *request, snap *snapshot) {
	is := rq.route.integ
	if is.kind == kindFail {
		rq.integErr = is.reason
		rq.fail(w, errInternal)
		return
	}
	if len(is.mappings) > 0 {
		g.evalMappings(r, rq, is)
	}

	var pool *upstream.Pool // nil: an https URL, sent through an http.Transport
	var scheme, host, path, query string
	transport := g.transport
	switch is.kind {
	case kindLoadBalancer:
		t := &snap.listeners[is.target]
		if t.pool == nil {
			rq.integErr = "load balancer listener " + t.arn + " does not exist"
			rq.fail(w, errInternal)
			return
		}
		// As for Cloud Map: the whole request path, stage included, to the
		// listener's address; the load balancer's rules see it all.
		scheme, host, path, query, pool = "http", t.addr, rq.upPath, rq.rawQuery, t.pool
		if is.tls != nil {
			scheme, pool, transport = "https", nil, is.tls
		}
	case kindCloudMap:
		var ok bool
		if pool, ok = snap.targets[is.target].pick(); !ok {
			rq.integErr = "no healthy instance is registered for the Cloud Map service"
			rq.fail(w, errUnavailable)
			return
		}
		// The request path goes through whole, stage included: a backend
		// behind a named stage sees /prod/... (a Cloud Map integration's
		// backend view in github.com/openabdev/openab pull 1275); map
		// overwrite:path to $request.path to drop it.
		scheme, host, path, query = "http", pool.Addr(), rq.upPath, rq.rawQuery
	case kindURL:
		t := is.uri
		if t.static {
			scheme, host, path, query, pool = t.scheme, t.host, t.path, t.query, t.pool
		} else {
			u, err := t.render(&rq.params, rq.st.vars)
			if err != nil {
				rq.integErr = err.Error()
				rq.fail(w, errInternal)
				return
			}
			scheme, host, path, query = u.Scheme, u.Host, u.EscapedPath(), u.RawQuery
			if scheme == "http" {
				pool = g.up.Pool(withPort(host, "80"))
			}
		}
		if path == "" {
			// A bare-host URI passes the request path through.
			path = rq.upPath
		}
		query = joinQuery(query, rq.rawQuery)
	}
	dialHost := host
	if is.pathMap >= 0 {
		if p := rq.mapped[is.pathMap]; p != "" {
			if p[0] != '/' {
				p = "/" + p
			}
			path = p
		}
	}
	if is.queryMap {
		query = applyQueryMappings(query, is, rq)
	}
	method := r.Method
	if is.method != "" {
		method = is.method
	}

	h := r.Header
	upstream.RemoveHopHeaders(h)
	applyHeaderMappings(h, is, rq)
	// overwrite:header.Host (the one host-ish header mapping allows) names
	// the Host the integration sees.
	if v := h["Host"]; len(v) > 0 {
		host = v[0]
		delete(h, "Host")
	}
	// The body is sent straight away, so the client's Expect (net/http has
	// already answered its 100 Continue) means nothing upstream.
	delete(h, "Expect")
	rq.fields = forwardingFields(rq.fields[:0], h, r, rq)
	rq.injectTrace(h)

	var body io.Reader
	if r.ContentLength != 0 {
		body = r.Body
		if r.ContentLength < 0 {
			// Unknown length (chunked): enforce the 10 MB quota as it streams.
			body = http.MaxBytesReader(nil, r.Body, maxPayload)
		}
	}
	if pool != nil {
		g.viaPool(w, rq, is, pool, &upstream.Request{Method: method, Path: path, Query: query, Host: host, Header: h, Fields: rq.fields, Body: body, ContentLength: r.ContentLength, RelayHead: true, Task: evloop.TaskOf(r.Context())})
		return
	}
	upstream.AddFields(h, rq.fields)
	uri := path
	if query != "" {
		uri = path + "?" + query
	}
	g.viaTransport(w, r, rq, is, transport, method, scheme, dialHost, host, uri, h, body)
}

// applyHeaderMappings applies the header mappings to h.
func applyHeaderMappings(h http.Header, is *integrationState, rq *request) {
	for i, m := range is.mappings {
		if m.Location != mapping.LocationHeader {
			continue
		}
		switch m.Action {
		case mapping.ActionRemove:
			delete(h, m.Name)
		case mapping.ActionOverwrite:
			if v := rq.mapped[i]; v != "" {
				h[m.Name] = []string{v}
			}
		case mapping.ActionAppend:
			if v := rq.mapped[i]; v != "" {
				h[m.Name] = append(h[m.Name], v)
			}
		}
	}
}

// withPort adds the default port to a host without one.
func withPort(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// viaPool is the plain-http path: the gateway's own keep-alive client.
// The integration timeout is the connection's deadline, for the response
// (head and body) and for sending a request body. A client that goes away does not
// cancel the integration call, so its connection survives for the next
// request (as nginx's proxy_ignore_client_abort).
func (g *Gateway) viaPool(w http.ResponseWriter, rq *request, is *integrationState, pool *upstream.Pool, out *upstream.Request) {
	// The request's arrival stands in for the integration's start: routing
	// takes microseconds, latencies are logged in milliseconds, and
	// reading the clock costs.
	start := rq.start
	rq.integCalled, rq.instance = true, pool.Addr()
	resp, c, err := pool.RoundTrip(out, start, start.Add(is.timeout))
	answered := time.Now()
	rq.integLatency = answered.Sub(start)
	if err != nil {
		g.upstreamFailed(w, rq, is, err)
		return
	}
	complete := false
	defer func() { pool.Release(c, resp, complete, answered) }()
	g.relayHead(w, rq, resp.StatusCode, c)
	if err := g.copyBody(w, resp.Body, rq); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			rq.integErr = "Endpoint request timed out"
		} else {
			rq.integErr = err.Error()
		}
		// The status is sent: all that is left is to cut the connection so
		// the client cannot take a truncated body for a whole one.
		panic(http.ErrAbortHandler)
	}
	complete = rq.copied
}

// viaTransport sends an https integration request through transport.
func (g *Gateway) viaTransport(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState, transport *http.Transport, method, scheme, dialHost, host, uri string, h http.Header, body io.Reader) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), is.timeout)
	defer cancel()
	if evloop.TaskOf(r.Context()) != nil && body != nil {
		// The transport's own goroutine would read the body from the
		// client's connection, which only its event-loop task may: the
		// body is read here first, within the payload quota.
		b, err := upstream.ReadBody(body, maxPayload)
		if err != nil {
			g.upstreamFailed(w, rq, is, err)
			return
		}
		body = b
	}
	rc := io.NopCloser(body)
	if body == nil {
		rc = http.NoBody
	}
	out := (&http.Request{
		Method:        method,
		URL:           &url.URL{Scheme: scheme, Host: dialHost, Opaque: uri},
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          rc,
		ContentLength: r.ContentLength,
		Host:          host,
	}).WithContext(ctx)
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		out.URL.Opaque, out.URL.RawQuery = uri[:i], uri[i+1:]
	}
	start := time.Now()
	rq.integCalled = true
	var resp *http.Response
	var err error
	// The transport waits on its own goroutines and connections: off the
	// event loop (evloop.Block), as every read of the answer's body is.
	evloop.Block(r.Context(), func() { resp, err = transport.RoundTrip(out) })
	rq.integLatency = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			err = os.ErrDeadlineExceeded
		}
		g.upstreamFailed(w, rq, is, err)
		return
	}
	// The body's reads wait on the transport's connection: off the loop.
	answer := evloop.OffLoop(r.Context(), resp.Body)
	defer answer.Close()
	g.relay(w, rq, resp)
	if err := g.copyBody(w, answer, rq); err != nil {
		rq.integErr = err.Error()
		if ctx.Err() != nil {
			rq.integErr = "Endpoint request timed out"
		}
		panic(http.ErrAbortHandler)
	}
}

// relayHead sends the status and header of an integration's answer read
// by the gateway's own client: as they came (upstream.Conn.WriteHead),
// unless CORS must change them.
func (g *Gateway) relayHead(w http.ResponseWriter, rq *request, status int, c *upstream.Conn) {
	rq.integStatus = status
	rq.wroteHeader, rq.status = true, status
	if rq.cors == nil {
		c.WriteHead(w, status)
		return
	}
	dst := w.Header()
	c.CopyHeader(dst)
	rq.cors.Actual(dst, rq.origin)
	w.WriteHeader(status)
}

// relay sends the status and header of an answer through the https
// transport.
func (g *Gateway) relay(w http.ResponseWriter, rq *request, resp *http.Response) {
	rq.integStatus = resp.StatusCode
	dst := w.Header()
	for k, vv := range resp.Header {
		dst[k] = vv
	}
	upstream.RemoveHopHeaders(dst)
	if rq.cors != nil {
		rq.cors.Actual(dst, rq.origin)
	}
	rq.wroteHeader, rq.status = true, resp.StatusCode
	w.WriteHeader(resp.StatusCode)
}

// upstreamFailed answers a request whose integration gave no response.
func (g *Gateway) upstreamFailed(w http.ResponseWriter, rq *request, is *integrationState, err error) {
	var tooLarge *http.MaxBytesError
	var body upstream.BodyError
	switch {
	case errors.As(err, &tooLarge):
		rq.integErr = "request body over the 10 MB payload quota"
		rq.fail(w, errTooLarge)
	case errors.As(err, &body):
		// The client's body broke off: nothing the integration did.
		rq.integErr = err.Error()
		rq.fail(w, errBadRequest)
	case errors.Is(err, os.ErrDeadlineExceeded):
		rq.integErr = "Endpoint request timed out"
		rq.fail(w, errUnavailable)
	case is.kind == kindCloudMap || is.kind == kindLoadBalancer:
		// A private integration's target that does not answer.
		rq.integErr = err.Error()
		rq.fail(w, errUnavailable)
	default:
		rq.integErr = err.Error()
		rq.fail(w, errInternal)
	}
}

// copyBody relays the response body with a pooled buffer (upstream.Relay),
// setting rq.copied once it was read to its end.
func (g *Gateway) copyBody(w http.ResponseWriter, src io.Reader, rq *request) error {
	bp := g.bufs.Get().(*[]byte)
	defer g.bufs.Put(bp)
	n, complete, err := upstream.Relay(w, src, *bp)
	rq.respLen += n
	rq.copied = complete
	return err
}

// forwardingFields appends to dst, as wire lines, the fields the gateway
// adds to every integration request, and deletes from h the client's
// fields they replace. HTTP APIs add Forwarded and "Via: HTTP/1.1
// AmazonAPIGateway" (a backend's view quoted in github.com/expressjs/session
// issue 886, and Via in github.com/openabdev/openab pull 1275 for a Cloud
// Map integration) and X-Amzn-Trace-Id; X-Forwarded-For/-Proto/-Port are
// what AWS hands Lambda integrations (github.com/aws/aws-lambda-java-libs
// pull 230) and what most frameworks read, so Portolan sends them too.
// X-Forwarded-For extends the client's list; Forwarded and Via follow the
// client's own lines, which stay in h; the client's X-Amzn-Trace-Id stays
// when it names a Root. Lines rather than map entries: six entries a
// request cost the map's hashing here and its walk when the head is
// written.
func forwardingFields(dst []byte, h http.Header, r *http.Request, rq *request) []byte {
	ip := clientIP(r.RemoteAddr)
	dst = upstream.AppendForwardedFor(dst, h["X-Forwarded-For"], ip)
	dst = append(dst, "X-Forwarded-Proto: http\r\n"...)
	delete(h, "X-Forwarded-For")
	delete(h, "X-Forwarded-Proto")
	if rq.port != "" {
		dst = append(append(append(dst, "X-Forwarded-Port: "...), rq.port...), "\r\n"...)
	}
	delete(h, "X-Forwarded-Port")
	dst = append(dst, "Forwarded: for="...)
	if strings.IndexByte(ip, ':') >= 0 {
		dst = append(append(append(dst, `"[`...), ip...), `]"`...) // IPv6, quoted
	} else {
		dst = append(dst, ip...)
	}
	dst = append(append(append(dst, ";host="...), r.Host...), ";proto=http\r\n"...)
	dst = append(dst, "Via: HTTP/1.1 AmazonAPIGateway\r\n"...)
	if t := h["X-Amzn-Trace-Id"]; len(t) == 0 || !strings.Contains(t[0], "Root=") {
		delete(h, "X-Amzn-Trace-Id")
		dst = append(append(append(dst, "X-Amzn-Trace-Id: "...), rq.traceID...), "\r\n"...)
	}
	return dst
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

func joinQuery(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}

// applyQueryMappings applies the query string mappings to query.
func applyQueryMappings(query string, is *integrationState, rq *request) string {
	values, _ := url.ParseQuery(query)
	if values == nil {
		values = url.Values{}
	}
	for i, m := range is.mappings {
		if m.Location != mapping.LocationQueryString {
			continue
		}
		switch m.Action {
		case mapping.ActionRemove:
			values.Del(m.Name)
		case mapping.ActionOverwrite:
			if v := rq.mapped[i]; v != "" {
				values.Set(m.Name, v)
			}
		case mapping.ActionAppend:
			if v := rq.mapped[i]; v != "" {
				values.Add(m.Name, v)
			}
		}
	}
	return values.Encode()
}
