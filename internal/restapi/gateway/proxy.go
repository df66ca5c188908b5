package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/evloop"
	"github.com/portolan/portolan/internal/upstream"
)

// integrate calls the method's integration and answers the request.
func (g *Gateway) integrate(w http.ResponseWriter, r *http.Request, rq *request) {
	is := rq.method.integ
	switch is.kind {
	case kindMock:
		g.mock(w, r, rq, is)
	case kindProxy, kindHTTP:
		g.call(w, r, rq, is)
	default:
		rq.integErr = is.reason
		rq.fail(w, errInternal)
	}
}

// call sends the request to an HTTP or HTTP_PROXY integration: to the URI
// (its {name}s filled from integration.request.path mappings, its
// ${stageVariables.x}s from the stage), or, through a VPC link, to the
// link's load balancer at the URI's port, with the URI's host as Host.
// HTTP_PROXY passes the client's method, headers, query and body through
// and relays the answer as it is; HTTP sends only what requestParameters
// map (and the body) and answers through the integration responses.
func (g *Gateway) call(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState) {
	if is.kind == kindHTTP && !is.bodyPasses(requestContentType(r)) {
		rq.fail(w, errUnsupportedMedia)
		return
	}
	host := is.uri.host
	if host == "" {
		host = g.render(is.uri.hostT, r, rq, is)
	}
	target := g.render(is.uri.path, r, rq, is)
	path, query, _ := strings.Cut(target, "?")
	if path == "" {
		path = "/"
	}
	if is.kind == kindProxy {
		query = joinQuery(query, rq.rawQuery)
	}
	query = g.mappedQuery(query, r, rq, is)
	method := r.Method
	if is.method != "" {
		method = is.method
	}
	var h http.Header
	if is.kind == kindProxy {
		// The client's header map becomes the upstream request's (net/http
		// lets a handler change it), so forwarding copies no headers.
		h = r.Header
		upstream.RemoveHopHeaders(h)
		delete(h, "Host")
		delete(h, "Expect") // the body is sent at once; net/http answered 100 Continue
	} else {
		h = http.Header{}
		if ct := r.Header["Content-Type"]; len(ct) > 0 {
			h["Content-Type"] = ct
		}
	}
	g.mappedHeaders(h, r, rq, is)
	rq.fields = g.forwardingFields(rq.fields[:0], h, r, rq)

	var body io.Reader
	if r.ContentLength != 0 {
		body = r.Body
		if r.ContentLength < 0 {
			body = http.MaxBytesReader(nil, r.Body, maxPayload)
		}
	}
	var pool *upstream.Pool
	switch {
	case is.uri.pool != nil:
		pool = is.uri.pool
	case is.vpcLink && is.uri.scheme == "http":
		pool = g.up.Pool(netip.AddrPortFrom(is.nlb, hostPort(host, "http")).String())
	case is.vpcLink:
		rq.integErr = "https integrations through a VPC link are not supported"
		rq.fail(w, errInternal)
		return
	case is.uri.scheme == "http":
		pool = g.up.Pool(withPort(host, "80"))
	}
	// An HTTP_PROXY answer is relayed as it came: its head needs no map.
	out := &upstream.Request{Method: method, Path: path, Query: query, Host: host, Header: h, Fields: rq.fields, Body: body, ContentLength: r.ContentLength, RelayHead: is.kind != kindHTTP}
	if pool != nil {
		out.Task = evloop.TaskOf(r.Context())
		g.viaPool(w, r, rq, is, pool, out)
		return
	}
	g.viaTransport(w, r, rq, is, out)
}

// viaPool is the plain-http path: the gateway's own keep-alive client,
// the integration timeout as the connection's deadline.
func (g *Gateway) viaPool(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState, pool *upstream.Pool, out *upstream.Request) {
	start := rq.start
	rq.integCalled = true
	resp, c, err := pool.RoundTrip(out, start, start.Add(is.timeout))
	answered := time.Now()
	rq.integLatency = answered.Sub(start)
	if err != nil {
		g.upstreamFailed(w, rq, err)
		return
	}
	complete := false
	defer func() { pool.Release(c, resp, complete, answered) }()
	g.answer(w, r, rq, is, resp, c)
	complete = rq.copied
}

// viaTransport sends an https integration request.
func (g *Gateway) viaTransport(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState, out *upstream.Request) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), is.timeout)
	defer cancel()
	upstream.AddFields(out.Header, out.Fields)
	if evloop.TaskOf(r.Context()) != nil && out.Body != nil {
		// The transport's own goroutine would read the body from the
		// client's connection, which only its event-loop task may: the
		// body is read here first, within the payload quota.
		b, err := upstream.ReadBody(out.Body, maxPayload)
		if err != nil {
			g.upstreamFailed(w, rq, err)
			return
		}
		out.Body = b
	}
	rc := io.NopCloser(out.Body)
	if out.Body == nil {
		rc = http.NoBody
	}
	req := (&http.Request{
		Method: out.Method, URL: &url.URL{Scheme: "https", Host: out.Host, Opaque: out.Path, RawQuery: out.Query},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: out.Header, Body: rc, ContentLength: out.ContentLength, Host: out.Host,
	}).WithContext(ctx)
	start := time.Now()
	rq.integCalled = true
	var resp *http.Response
	var err error
	// The transport waits on its own goroutines and connections: off the
	// event loop, as every read of the answer's body is.
	evloop.Block(r.Context(), func() { resp, err = g.transport.RoundTrip(req) })
	rq.integLatency = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			err = os.ErrDeadlineExceeded
		}
		g.upstreamFailed(w, rq, err)
		return
	}
	resp.Body = evloop.OffLoop(r.Context(), resp.Body)
	defer resp.Body.Close()
	g.answer(w, r, rq, is, resp, nil)
}

// answer relays an HTTP_PROXY answer as it is, or maps an HTTP one
// through its integration responses. c is the connection resp came on
// from the gateway's own client (nil: from the https transport), whose
// head an HTTP_PROXY answer relays as bytes. A failure to read the body
// once the status is sent cuts the connection, so the client cannot take
// a truncated body for a whole one.
func (g *Gateway) answer(w http.ResponseWriter, r *http.Request, rq *request, is *integrationState, resp *http.Response, c *upstream.Conn) {
	rq.integStatus = resp.StatusCode
	if is.kind == kindHTTP {
		ir := is.choose(statusText(resp.StatusCode))
		if ir == nil {
			rq.integErr = "no integration response matches status " + statusText(resp.StatusCode) + " and there is no default"
			rq.fail(w, errInternal)
			return
		}
		if g.respond(w, r, rq, ir, resp.Header) {
			// A template was the body: read the integration's to its end,
			// so that the connection can serve the next request.
			if _, err := io.Copy(io.Discard, resp.Body); err == nil {
				rq.copied = true
			}
			return
		}
	} else {
		rq.wroteHeader, rq.status = true, resp.StatusCode
		if c != nil {
			c.WriteHead(w, resp.StatusCode)
		} else {
			dst := w.Header()
			for k, vv := range resp.Header {
				dst[k] = vv
			}
			upstream.RemoveHopHeaders(dst)
			w.WriteHeader(resp.StatusCode)
		}
	}
	if err := g.copyBody(w, resp.Body, rq); err != nil {
		rq.integErr = err.Error()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			rq.integErr = "Endpoint request timed out"
		}
		panic(http.ErrAbortHandler)
	}
}

// upstreamFailed answers a request whose integration gave no response.
func (g *Gateway) upstreamFailed(w http.ResponseWriter, rq *request, err error) {
	var tooLarge *http.MaxBytesError
	var body upstream.BodyError
	switch {
	case errors.As(err, &tooLarge):
		rq.integErr = "request body over the 10 MB payload quota"
		rq.fail(w, errTooLarge)
	case errors.As(err, &body):
		rq.integErr = err.Error()
		rq.fail(w, errBadRequest)
	case errors.Is(err, os.ErrDeadlineExceeded):
		rq.integErr = "Endpoint request timed out"
		rq.fail(w, errTimeout)
	default:
		rq.integErr = err.Error()
		rq.fail(w, errInternal)
	}
}

// copyBody relays a body with a pooled buffer, setting rq.copied once it
// was read to its end; a client that goes away only ends the copy.
func (g *Gateway) copyBody(w http.ResponseWriter, src io.Reader, rq *request) error {
	bp := g.bufs.Get().(*[]byte)
	defer g.bufs.Put(bp)
	n, complete, err := upstream.Relay(w, src, *bp)
	rq.respLen += n
	rq.copied = complete
	return err
}

// forwardingFields appends to dst, as wire lines, what REST APIs tell a
// backend: the client's address, protocol and port (X-Forwarded-*), a
// trace id, the API's id (x-amzn-apigateway-api-id) and, through a VPC
// endpoint, its id (x-amzn-vpce-id); and deletes from h the client's
// fields they replace. X-Forwarded-For extends the client's list; the
// client's X-Amzn-Trace-Id stays when it names a Root, and its
// X-Forwarded-Port when the gateway's port is unknown. Lines rather than
// map entries spare the map's hashing and walk (upstream.Request.Fields).
func (g *Gateway) forwardingFields(dst []byte, h http.Header, r *http.Request, rq *request) []byte {
	dst = upstream.AppendForwardedFor(dst, h["X-Forwarded-For"], clientIP(r.RemoteAddr))
	dst = append(dst, "X-Forwarded-Proto: http\r\n"...)
	delete(h, "X-Forwarded-For")
	delete(h, "X-Forwarded-Proto")
	if port := g.portValue(r); port != "" {
		delete(h, "X-Forwarded-Port")
		dst = append(append(append(dst, "X-Forwarded-Port: "...), port...), "\r\n"...)
	}
	if t := h["X-Amzn-Trace-Id"]; len(t) == 0 || !strings.Contains(t[0], "Root=") {
		delete(h, "X-Amzn-Trace-Id")
		dst = append(append(append(dst, "X-Amzn-Trace-Id: "...), rq.traceID...), "\r\n"...)
	}
	delete(h, "X-Amzn-Apigateway-Api-Id")
	dst = append(append(append(dst, "X-Amzn-Apigateway-Api-Id: "...), rq.apiID...), "\r\n"...)
	delete(h, "X-Amzn-Vpce-Id")
	if rq.vpceID != "" {
		dst = append(append(append(dst, "X-Amzn-Vpce-Id: "...), rq.vpceID...), "\r\n"...)
	}
	return dst
}

// portValue is the X-Forwarded-Port of the connection r came on: its
// local port, made once per port (the gateway keeps the last one made;
// it listens on one or two); "" when unknown.
func (g *Gateway) portValue(r *http.Request) string {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok {
		return ""
	}
	if pv := g.lastPort.Load(); pv != nil && pv.port == a.Port {
		return pv.value
	}
	pv := &portValue{port: a.Port, value: itoa(a.Port)}
	g.lastPort.Store(pv)
	return pv.value
}

// portValue is a port and its X-Forwarded-Port value.
type portValue struct {
	port  int
	value string
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
