package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/portolan/portolan/internal/restapi/gateway/resourcetree"
)

// request is one request's state, pooled: what the integration, the
// access log and the error answers need to know about it.
type request struct {
	start       time.Time
	id          string // x-amzn-RequestId, $context.requestId (a UUID)
	extendedID  string // x-amz-apigw-id, $context.extendedRequestId
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
	*rq = request{params: params, policyCtx: pctx}
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

// newExtendedID returns an x-amz-apigw-id: 16 characters of base64, such
// as "fTX0oGxcoAMEawg=" (11 random bytes).
func newExtendedID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	var out [16]byte
	base64.StdEncoding.Encode(out[:], b[:11])
	return string(out[:])
}
