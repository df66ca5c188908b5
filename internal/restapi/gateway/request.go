package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"time"
	"unsafe"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/restapi/gateway/resourcetree"
)

// request is one request's state, pooled: what the integration, the
// access log and the error answers need to know about it.
type request struct {
	start       time.Time
	id          string // x-amzn-RequestId, $context.requestId (a UUID)
	extendedID  string // x-amz-apigw-id, $context.extendedRequestId
	traceID     string // X-Amzn-Trace-Id for a request that carries none
	fields      []byte // the forwarding fields (forwardingFields), kept by the pool
	rawPath     string // as received, stage included
	rawQuery    string
	stagePath   string // rawPath without the stage prefix
	apiID       string
	vpceID      string // the VPC endpoint the request came through, or ""
	st          *stageState
	method      *methodState
	params      resourcetree.Params
	apiKey      *keyState // the caller's API key, when the method needs one
	apiKeyValue string
	policyCtx   map[string]string // condition keys, reused across requests

	wroteHeader bool
	status      int
	respLen     int64
	errResponse *gatewayResponse // the gateway's own answer, or nil
	errMessage  string           // $context.error.message when not errResponse's

	integStatus  int
	integLatency time.Duration
	integErr     string
	integCalled  bool
	copied       bool // the integration's body was relayed to its end
}

func (rq *request) reset() {
	params, pctx := rq.params, rq.policyCtx
	params.Reset()
	clear(pctx)
	*rq = request{params: params, policyCtx: pctx, fields: rq.fields[:0]}
}

// errorMessage is $context.error.message.
func (rq *request) errorMessage() string {
	if rq.errMessage != "" {
		return rq.errMessage
	}
	if rq.errResponse != nil {
		return rq.errResponse.message
	}
	return ""
}

// requestIDs is what a request's answer refers to past its handler: its
// ids, and the value slices of its x-amzn-RequestId and x-amz-apigw-id
// fields.
// The answer's head may be written after the handler returns and the
// pooled request is reused, so neither can live in the request. One
// lives in each HTTP engine connection (httpserve.Reused), reused request
// after request; elsewhere each request makes its own.
type requestIDs struct {
	text   [36 + 16 + 40]byte // the id, the extended id, the trace id
	values [2]string
}

// newIDs makes a request's ids into ids: the request id (a UUID:
// $context.requestId, x-amzn-RequestId), the extended id (16 characters
// of base64 such as "fTX0oGxcoAMEawg=", 11 random bytes:
// $context.extendedRequestId, x-amz-apigw-id) and the X-Ray trace id the
// request is forwarded with when it carries none. All three are strings
// over ids.text, which nothing writes again while they are in use: not
// before the connection's next request (httpserve.Reused).
func newIDs(ids *requestIDs, start time.Time) (id, extendedID, traceID string) {
	t := awsapi.AppendUUID(ids.text[:0])
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	t = t[:len(t)+16]
	base64.StdEncoding.Encode(t[36:], b[:11])
	t = awsapi.AppendTraceID(t, start)
	if len(t) != len(ids.text) || &t[0] != &ids.text[0] {
		panic("gateway: ids of an unexpected length")
	}
	s := unsafe.String(&ids.text[0], len(ids.text))
	return s[:36], s[36:52], s[52:]
}
