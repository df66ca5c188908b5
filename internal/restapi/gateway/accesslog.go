package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw/accesslog"
	"github.com/portolan/portolan/internal/restapi"
)

// LogSink is where access log lines go for a stage's destinationArn: a
// CloudWatch Logs group (the server adapts the logs service to it).
type LogSink = accesslog.Sink

// logTarget is a stage's compiled accessLogSettings.
type logTarget struct {
	format []logPart
	dest   accesslog.Target
}

type logPart struct {
	lit   string
	v     ctxVar
	isVar bool // v is meaningful (a $context variable, possibly unknown)
}

// compileLogTarget compiles a stage's settings. Streams are named
// <restApiId>_<stage>, as for HTTP APIs (docs/compat.md).
func compileLogTarget(s *restapi.AccessLogSettings, apiID, stage string) *logTarget {
	group := ""
	if arn := strings.TrimSuffix(s.DestinationArn, ":*"); strings.HasPrefix(arn, "arn:") {
		if i := strings.Index(arn, ":log-group:"); i >= 0 {
			group = arn[i+len(":log-group:"):]
		}
	}
	return &logTarget{format: compileLogFormat(s.Format), dest: accesslog.Target{Group: group, Stream: apiID + "_" + stage}}
}

// compileLogFormat splits a format into literals and $context variables.
// A name runs over letters, digits, '.' and '_' (a trailing '.' ends a
// sentence, not the name); a variable the gateway does not know, or one
// without a value, renders "-".
func compileLogFormat(f string) []logPart {
	var parts []logPart
	const prefix = "$context."
	for {
		i := strings.Index(f, prefix)
		if i < 0 {
			if f != "" {
				parts = append(parts, logPart{lit: f})
			}
			return parts
		}
		if i > 0 {
			parts = append(parts, logPart{lit: f[:i]})
		}
		j := i + len(prefix)
		for j < len(f) && isLogNameByte(f[j]) {
			j++
		}
		for j > i+len(prefix) && f[j-1] == '.' {
			j--
		}
		v, _ := lookupCtx(f[i+len(prefix) : j])
		parts = append(parts, logPart{v: v, isVar: true})
		f = f[j:]
	}
}

func isLogNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_'
}

// accessLogger renders lines on the request path; the accesslog.Writer
// writes them off it.
type accessLogger struct{ w *accesslog.Writer }

func newAccessLogger(out io.Writer, sink LogSink, log *slog.Logger) *accessLogger {
	return &accessLogger{accesslog.New(out, sink, log)}
}

// record renders the stage's format for a finished request and queues it.
func (l *accessLogger) record(rq *request, r *http.Request, accountID string) {
	bp := l.w.Buffer()
	b := *bp
	for _, p := range rq.st.log.format {
		if !p.isVar {
			b = append(b, p.lit...)
			continue
		}
		n := len(b)
		b = appendCtx(b, p.v, rq, r, accountID)
		if len(b) == n {
			b = append(b, '-')
		}
	}
	*bp = b
	l.w.Queue(&rq.st.log.dest, rq.start, bp)
}

func (l *accessLogger) run(ctx context.Context) error { return l.w.Run(ctx) }

// ctxVar is a REST API $context variable the gateway can fill ("$context
// variables for data models, authorizers, mapping templates, and access
// logging", API Gateway developer guide).
type ctxVar uint8

const (
	ctxUnknown ctxVar = iota
	ctxAccountID
	ctxAPIID
	ctxDomainName
	ctxDomainPrefix
	ctxErrorMessage
	ctxErrorMessageString
	ctxErrorResponseType
	ctxExtendedRequestID
	ctxHTTPMethod
	ctxSourceIP
	ctxUserAgent
	ctxAPIKey
	ctxAPIKeyID
	ctxVpceID
	ctxIntegrationError
	ctxIntegrationLatency
	ctxIntegrationStatus
	ctxPath
	ctxProtocol
	ctxRequestID
	ctxRequestTime
	ctxRequestTimeEpoch
	ctxResourceID
	ctxResourcePath
	ctxResponseLatency
	ctxResponseLength
	ctxStage
	ctxStatus
)

var ctxVars = map[string]ctxVar{
	"accountId":                     ctxAccountID,
	"apiId":                         ctxAPIID,
	"domainName":                    ctxDomainName,
	"domainPrefix":                  ctxDomainPrefix,
	"error.message":                 ctxErrorMessage,
	"error.messageString":           ctxErrorMessageString,
	"error.responseType":            ctxErrorResponseType,
	"extendedRequestId":             ctxExtendedRequestID,
	"httpMethod":                    ctxHTTPMethod,
	"identity.sourceIp":             ctxSourceIP,
	"identity.userAgent":            ctxUserAgent,
	"identity.apiKey":               ctxAPIKey,
	"identity.apiKeyId":             ctxAPIKeyID,
	"identity.vpceId":               ctxVpceID,
	"integration.error":             ctxIntegrationError,
	"integrationErrorMessage":       ctxIntegrationError,
	"integration.latency":           ctxIntegrationLatency,
	"integrationLatency":            ctxIntegrationLatency,
	"integration.status":            ctxIntegrationStatus,
	"integration.integrationStatus": ctxIntegrationStatus,
	"integrationStatus":             ctxIntegrationStatus,
	"path":                          ctxPath,
	"protocol":                      ctxProtocol,
	"requestId":                     ctxRequestID,
	"requestTime":                   ctxRequestTime,
	"requestTimeEpoch":              ctxRequestTimeEpoch,
	"resourceId":                    ctxResourceID,
	"resourcePath":                  ctxResourcePath,
	"responseLatency":               ctxResponseLatency,
	"responseLength":                ctxResponseLength,
	"stage":                         ctxStage,
	"status":                        ctxStatus,
}

// lookupCtx resolves a $context variable name (without "$context.").
func lookupCtx(name string) (ctxVar, bool) {
	v, ok := ctxVars[name]
	return v, ok
}

// appendCtx appends the variable's value for the request; nothing when it
// has none.
func appendCtx(dst []byte, v ctxVar, rq *request, r *http.Request, accountID string) []byte {
	switch v {
	case ctxAccountID:
		return append(dst, accountID...)
	case ctxAPIID:
		return append(dst, rq.apiID...)
	case ctxDomainName:
		return append(dst, r.Host...)
	case ctxDomainPrefix:
		host, _, _ := strings.Cut(r.Host, ".")
		return append(dst, host...)
	case ctxErrorMessage:
		return append(dst, rq.errorMessage()...)
	case ctxErrorMessageString:
		if m := rq.errorMessage(); m != "" {
			return strconv.AppendQuote(dst, m)
		}
	case ctxErrorResponseType:
		if rq.errResponse != nil {
			return append(dst, rq.errResponse.responseType...)
		}
	case ctxExtendedRequestID:
		return append(dst, rq.extendedID...)
	case ctxRequestID:
		return append(dst, rq.id...)
	case ctxHTTPMethod:
		return append(dst, r.Method...)
	case ctxSourceIP:
		return append(dst, clientIP(r.RemoteAddr)...)
	case ctxUserAgent:
		return append(dst, r.UserAgent()...)
	case ctxAPIKey:
		return append(dst, rq.apiKeyValue...)
	case ctxAPIKeyID:
		if rq.apiKey != nil {
			return append(dst, rq.apiKey.id...)
		}
	case ctxVpceID:
		return append(dst, rq.vpceID...)
	case ctxIntegrationError:
		return append(dst, rq.integErr...)
	case ctxIntegrationLatency:
		if rq.integCalled {
			return strconv.AppendInt(dst, rq.integLatency.Milliseconds(), 10)
		}
	case ctxIntegrationStatus:
		if rq.integStatus != 0 {
			return strconv.AppendInt(dst, int64(rq.integStatus), 10)
		}
	case ctxPath:
		return append(dst, rq.rawPath...)
	case ctxProtocol:
		return append(dst, r.Proto...)
	case ctxRequestTime:
		return accesslog.AppendCLF(dst, rq.start)
	case ctxRequestTimeEpoch:
		return strconv.AppendInt(dst, rq.start.UnixMilli(), 10)
	case ctxResourceID:
		if rq.method != nil {
			return append(dst, rq.method.resourceID...)
		}
	case ctxResourcePath:
		if rq.method != nil {
			return append(dst, rq.method.resourcePath...)
		}
	case ctxResponseLatency:
		return strconv.AppendInt(dst, time.Since(rq.start).Milliseconds(), 10)
	case ctxResponseLength:
		return strconv.AppendInt(dst, rq.respLen, 10)
	case ctxStage:
		if rq.st != nil {
			return append(dst, rq.st.name...)
		}
	case ctxStatus:
		if rq.status != 0 {
			return strconv.AppendInt(dst, int64(rq.status), 10)
		}
	}
	return dst
}
