package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// gatewayResponse is an answer the gateway gives itself, as REST APIs give
// them ("Gateway response types for API Gateway",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):
// a status, the x-amzn-ErrorType header, and the default template's body
// {"message":$context.error.messageString}. Built once; the bytes are
// AWS's as clients receive them (the 5XX bodies have a space after the
// colon, the 4XX ones none).
type gatewayResponse struct {
	status       int
	responseType string // $context.error.responseType
	message      string // $context.error.message
	errorType    []string
	body         []byte
	length       []string
}

func newResponse(status int, responseType, errorType, body string) *gatewayResponse {
	msg := body[strings.IndexByte(body, ':')+1:]
	msg = strings.Trim(strings.TrimSpace(msg), `"}`)
	return &gatewayResponse{status: status, responseType: responseType, message: msg, errorType: []string{errorType},
		body: []byte(body), length: []string{strconv.Itoa(len(body))}}
}

var (
	// MISSING_AUTHENTICATION_TOKEN: no such stage, resource or method (the
	// name is AWS's: an unsigned call to an AWS_IAM method gets it too).
	errMissingToken = newResponse(http.StatusForbidden, "MISSING_AUTHENTICATION_TOKEN", "MissingAuthenticationTokenException",
		`{"message":"Missing Authentication Token"}`)
	// A host that names no API, a private API on its public host, a public
	// API through a VPC endpoint, disableExecuteApiEndpoint, and a missing
	// or refused API key (INVALID_API_KEY) all answer 403 Forbidden with
	// ForbiddenException (a raw execute-api address answers the same).
	errForbidden = newResponse(http.StatusForbidden, "DEFAULT_4XX", "ForbiddenException", `{"message":"Forbidden"}`)
	errBadAPIKey = newResponse(http.StatusForbidden, "INVALID_API_KEY", "ForbiddenException", `{"message":"Forbidden"}`)
	// THROTTLED and QUOTA_EXCEEDED.
	errThrottled = newResponse(http.StatusTooManyRequests, "THROTTLED", "TooManyRequestsException", `{"message":"Too Many Requests"}`)
	errQuota     = newResponse(http.StatusTooManyRequests, "QUOTA_EXCEEDED", "LimitExceededException", `{"message":"Limit Exceeded"}`)
	// INTEGRATION_TIMEOUT: 504 with InternalServerErrorException, as AWS
	// answers it.
	errTimeout = newResponse(http.StatusGatewayTimeout, "INTEGRATION_TIMEOUT", "InternalServerErrorException",
		`{"message": "Endpoint request timed out"}`)
	// An integration that cannot be called or answers nothing usable
	// (connection refused, a VPC link that is not AVAILABLE, an integration
	// response that cannot be chosen).
	errInternal = newResponse(http.StatusInternalServerError, "API_CONFIGURATION_ERROR", "InternalServerErrorException",
		`{"message": "Internal server error"}`)
	// Request paths the router refuses ('..', '//', bad escapes) and
	// requests with two framings: not documented, refused before any
	// integration sees them (docs/compat.md).
	errBadRequest = newResponse(http.StatusBadRequest, "DEFAULT_4XX", "BadRequestException", `{"message":"Bad Request"}`)
	// Over the 10 MB payload quota (REQUEST_TOO_LARGE).
	errTooLarge = newResponse(http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "RequestTooLargeException",
		`{"message":"Request Too Long"}`)
	// No snapshot yet.
	errUnavailable = newResponse(http.StatusServiceUnavailable, "DEFAULT_5XX", "ServiceUnavailableException",
		`{"message":"Service Unavailable"}`)
	// MOCK integration without a usable integration response, or
	// passthroughBehavior NEVER for a content type without a template.
	errUnsupportedMedia = newResponse(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "UnsupportedMediaTypeException",
		`{"message":"Unsupported Media Type"}`)
)

var jsonContentType = []string{"application/json"}

// fail answers with a gateway response.
func (rq *request) fail(w http.ResponseWriter, e *gatewayResponse) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = e.length
	h["X-Amzn-Errortype"] = e.errorType
	rq.wroteHeader, rq.status, rq.errResponse = true, e.status, e
	w.WriteHeader(e.status)
	n, _ := w.Write(e.body)
	rq.respLen = int64(n)
}

// accessDenied answers a request the resource policy does not allow:
// ACCESS_DENIED, 403 AccessDeniedException with AWS's body, whose key is
// "Message" and whose resource ARN shows the account's last four digits
// only (github.com/ASFHyP3/hyp3 issue 2283 quotes one).
func (rq *request) accessDenied(w http.ResponseWriter, message string) {
	body := `{"Message":` + strconv.Quote(message) + `}`
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["X-Amzn-Errortype"] = accessDeniedType
	rq.wroteHeader, rq.status, rq.errResponse, rq.errMessage = true, http.StatusForbidden, errAccessDenied, message
	w.WriteHeader(http.StatusForbidden)
	n, _ := w.Write([]byte(body))
	rq.respLen = int64(n)
}

var (
	accessDeniedType = []string{"AccessDeniedException"}
	errAccessDenied  = &gatewayResponse{status: http.StatusForbidden, responseType: "ACCESS_DENIED"}
)

// maskAccount hides all but the last four digits of the account in an
// execute-api ARN, as AWS's denial messages do.
func maskAccount(arn, account string) string {
	if len(account) <= 4 {
		return arn
	}
	masked := strings.Repeat("*", len(account)-4) + account[len(account)-4:]
	return strings.Replace(arn, ":"+account+":", ":"+masked+":", 1)
}
