package gateway

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/trace"

	"github.com/portolan/portolan/internal/apigw/gateway/cors"
	"github.com/portolan/portolan/internal/apigw/jwtauth"
	"github.com/portolan/portolan/internal/apigw/router"

	"github.com/portolan/portolan/internal/awsapi"
)

// request is one request's state, pooled: what the proxy, parameter
// mapping and the access log need to know about it.
type request struct {
	start     time.Time
	id        string
	traceID   string // X-Amzn-Trace-Id, when the client sent none
	port      string // X-Forwarded-Port: the gateway's listening port
	fields    []byte // the forwarding fields (forwardingFields), kept by the pool
	boundAPI  string // the API id or name the listener serves, or "" to select by Host
	rawPath   string // as received, stage included
	upPath    string // what integrations that pass the path through send: rawPath, without the mapping key on a custom domain
	rawQuery  string
	stagePath string // rawPath without the stage prefix ($request.path)
	st        *stageState
	route     *routeState
	params    router.Params

	wroteHeader bool
	status      int
	respLen     int64
	errMessage  string // $context.error.message

	integStatus  int
	integLatency time.Duration
	integErr     string
	integCalled  bool
	copied       bool // the integration's body was relayed to its end

	mapped []string // rendered mapping values, aligned with the integration's mappings

	cors    *cors.Policy // the API's CORS configuration, or nil
	origin  string       // the request's Origin, when cors is set
	claims  *jwtauth.Claims
	authErr string // $context.authorizer.error

	instance string          // the integration's host:port, when a pool served it
	span     trace.Span      // nil: tracing off
	traceCtx context.Context // carries span, for the backend's traceparent
}

// useCors takes the API's CORS configuration for the request and reports
// whether the request is a preflight.
func (rq *request) useCors(r *http.Request, api *apiState) bool {
	if api.cors == nil {
		return false
	}
	rq.cors, rq.origin = api.cors, cors.Origin(r)
	return cors.IsPreflight(r)
}

// reset readies rq for the next request, keeping its buffers (mapped,
// fields).
func (rq *request) reset() {
	mapped := rq.mapped[:0]
	clear(rq.mapped)
	params := rq.params
	params.Reset()
	*rq = request{mapped: mapped, params: params, fields: rq.fields[:0]}
}

// gatewayError is an answer the gateway gives itself. The bodies are AWS's
// for HTTP APIs ({"message":"Not Found"} and friends), built once.
type gatewayError struct {
	status  int
	message string
	body    []byte
	length  []string
}

func newGatewayError(status int, message string) *gatewayError {
	body := []byte(`{"message":"` + message + `"}`)
	return &gatewayError{status: status, message: message, body: body, length: []string{strconv.Itoa(len(body))}}
}

var (
	// No API, stage or route matches: the router guide's {"message":"Not Found"}.
	errNotFound = newGatewayError(http.StatusNotFound, "Not Found")
	// A request path the router refuses. AWS does not document these; 400
	// with the same body shape (docs/compat.md).
	errBadRequest = newGatewayError(http.StatusBadRequest, "Bad Request")
	errForbidden  = newGatewayError(http.StatusForbidden, "Forbidden")
	// A JWT authorizer refused the token (none, invalid, expired...); a
	// valid token without the route's scope gets errForbidden.
	errUnauthorized = newGatewayError(http.StatusUnauthorized, "Unauthorized")
	// Over the stage's, route's or account's throttling limits.
	errThrottled = newGatewayError(http.StatusTooManyRequests, "Too Many Requests")
	// Over the 10 MB payload quota.
	errTooLarge = newGatewayError(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	// No healthy (or no) instance, a backend that cannot be reached, and an
	// integration timeout. HTTP APIs answer a timeout with 503
	// {"message":"Service Unavailable"}, not REST APIs' 504 "Endpoint request
	// timed out" (an HTTP API response with apigw-requestid quoted in
	// github.com/cortexlabs/cortex issue 1225); Cloud Map integrations whose
	// instances are gone answer 503 too (github.com/aws-samples/
	// aws-apigw-http-api-private--integrations issue 2).
	errUnavailable = newGatewayError(http.StatusServiceUnavailable, "Service Unavailable")
	// A public integration that cannot be reached, or one Portolan cannot
	// call yet (ELB listeners, a deleted VPC link).
	errInternal = newGatewayError(http.StatusInternalServerError, "Internal Server Error")
)

var jsonContentType = []string{"application/json"}

// fail answers with a gateway error.
func (rq *request) fail(w http.ResponseWriter, e *gatewayError) {
	h := w.Header()
	if rq.cors != nil {
		// Browsers only let a page read an error that carries CORS headers.
		rq.cors.Actual(h, rq.origin)
	}
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = e.length
	rq.wroteHeader, rq.status, rq.errMessage = true, e.status, e.message
	w.WriteHeader(e.status)
	n, _ := w.Write(e.body)
	rq.respLen = int64(n)
}

// requestIDs is what a request's answer refers to past its handler: its
// ids, and the Apigw-Requestid field's value slice. The answer's head
// may be written after the handler returns and the pooled request is
// reused, so neither can live in the request. One lives in each HTTP
// engine connection (httpserve.Reused), reused request after request;
// elsewhere each request makes its own.
type requestIDs struct {
	text    [16 + 40]byte // the id, then the trace id
	idValue [1]string
}

// newIDs makes into ids a request id in the form HTTP APIs use for
// $context.requestId and the apigw-requestid header (16 characters of
// base64, such as "WSg1ihmdliAEJXA=": 11 random bytes), and the X-Ray
// trace id the request is forwarded with when it carries none. Both are
// strings over ids.text, which nothing writes again while they are in
// use: not before the connection's next request (httpserve.Reused).
func newIDs(ids *requestIDs, start time.Time) (id, traceID string) {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	base64.StdEncoding.Encode(ids.text[:16], b[:11])
	t := awsapi.AppendTraceID(ids.text[:16], start)
	if len(t) != len(ids.text) {
		panic("gateway: trace id of an unexpected length")
	}
	s := unsafe.String(&ids.text[0], len(ids.text))
	return s[:16], s[16:]
}
