package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw/accesslog"
	"github.com/portolan/portolan/internal/apigw/mapping"
)

// ctxVar is a $context variable ("Customizing HTTP API access logs",
// doc_source/http-api-logging-variables.md, lists them) that the gateway
// can fill. Access log formats are compiled to these once per stage.
type ctxVar uint8

const (
	ctxUnknown ctxVar = iota
	ctxAccountID
	ctxAPIID
	ctxDomainName
	ctxDomainPrefix
	ctxErrorMessage
	ctxErrorMessageString
	ctxExtendedRequestID
	ctxHTTPMethod
	ctxSourceIP
	ctxUserAgent
	ctxIntegrationError
	ctxIntegrationLatency
	ctxIntegrationStatus
	ctxPath
	ctxProtocol
	ctxRequestID
	ctxRequestTime
	ctxRequestTimeEpoch
	ctxResponseLatency
	ctxResponseLength
	ctxRouteKey
	ctxStage
	ctxStatus
	ctxAuthorizerError
	ctxAuthorizerClaim // authorizer.claims.<name>: the name travels beside the variable
)

// claimPrefix introduces a JWT claim: $context.authorizer.claims.<name>.
const claimPrefix = "authorizer.claims."

// lookupCtx resolves a $context variable name (without "$context."): the
// variable and, for a claim, the claim's name.
func lookupCtx(name string) (ctxVar, string) {
	if claim, ok := strings.CutPrefix(name, claimPrefix); ok && claim != "" {
		return ctxAuthorizerClaim, claim
	}
	return ctxVars[name], ""
}

var ctxVars = map[string]ctxVar{
	"accountId":                     ctxAccountID,
	"apiId":                         ctxAPIID,
	"domainName":                    ctxDomainName,
	"domainPrefix":                  ctxDomainPrefix,
	"error.message":                 ctxErrorMessage,
	"error.messageString":           ctxErrorMessageString,
	"extendedRequestId":             ctxExtendedRequestID,
	"httpMethod":                    ctxHTTPMethod,
	"identity.sourceIp":             ctxSourceIP,
	"identity.userAgent":            ctxUserAgent,
	"integrationErrorMessage":       ctxIntegrationError,
	"integration.error":             ctxIntegrationError,
	"integrationLatency":            ctxIntegrationLatency,
	"integration.latency":           ctxIntegrationLatency,
	"integrationStatus":             ctxIntegrationStatus,
	"integration.status":            ctxIntegrationStatus,
	"integration.integrationStatus": ctxIntegrationStatus,
	"path":                          ctxPath,
	"protocol":                      ctxProtocol,
	"requestId":                     ctxRequestID,
	"requestTime":                   ctxRequestTime,
	"requestTimeEpoch":              ctxRequestTimeEpoch,
	"responseLatency":               ctxResponseLatency,
	"responseLength":                ctxResponseLength,
	"routeKey":                      ctxRouteKey,
	"stage":                         ctxStage,
	"status":                        ctxStatus,
	"authorizer.error":              ctxAuthorizerError,
}

// appendCtx appends the variable's value for the request; nothing when it
// has none (the caller writes "-"). claim names the claim of
// ctxAuthorizerClaim.
func appendCtx(dst []byte, v ctxVar, claim string, rq *request, r *http.Request, accountID string) []byte {
	switch v {
	case ctxAuthorizerClaim:
		if rq.claims != nil {
			s, _ := rq.claims.Claim(claim)
			return append(dst, s...)
		}
	case ctxAuthorizerError:
		return append(dst, rq.authErr...)
	case ctxAccountID:
		return append(dst, accountID...)
	case ctxAPIID:
		if rq.st != nil {
			return append(dst, rq.st.apiID...)
		}
	case ctxDomainName:
		return append(dst, r.Host...)
	case ctxDomainPrefix:
		host, _, _ := strings.Cut(r.Host, ".")
		return append(dst, host...)
	case ctxErrorMessage:
		return append(dst, rq.errMessage...)
	case ctxErrorMessageString:
		if rq.errMessage != "" {
			return strconv.AppendQuote(dst, rq.errMessage)
		}
	case ctxExtendedRequestID, ctxRequestID:
		// HTTP APIs use one id for both.
		return append(dst, rq.id...)
	case ctxHTTPMethod:
		return append(dst, r.Method...)
	case ctxSourceIP:
		return append(dst, clientIP(r.RemoteAddr)...)
	case ctxUserAgent:
		return append(dst, r.UserAgent()...)
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
	case ctxResponseLatency:
		return strconv.AppendInt(dst, time.Since(rq.start).Milliseconds(), 10)
	case ctxResponseLength:
		return strconv.AppendInt(dst, rq.respLen, 10)
	case ctxRouteKey:
		if rq.route != nil {
			return append(dst, rq.route.key...)
		}
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

// evalMappings renders each mapping's value against the request as the
// client sent it, before anything is changed, so that mappings never see
// each other's effects.
func (g *Gateway) evalMappings(r *http.Request, rq *request, is *integrationState) {
	if cap(rq.mapped) < len(is.mappings) {
		rq.mapped = make([]string, len(is.mappings))
	}
	rq.mapped = rq.mapped[:len(is.mappings)]
	var query url.Values
	var scratch []byte
	for i, m := range is.mappings {
		if m.Action == mapping.ActionRemove {
			rq.mapped[i] = ""
			continue
		}
		forPath := m.Location == mapping.LocationPath
		if len(m.Value) == 1 && m.Value[0].Kind == mapping.SourceLiteral {
			rq.mapped[i] = m.Value[0].Text
			continue
		}
		var b strings.Builder
		for _, p := range m.Value {
			var v string
			switch p.Kind {
			case mapping.SourceLiteral:
				b.WriteString(p.Text)
				continue
			case mapping.SourcePath:
				// Already escaped: it is the raw path after the stage.
				b.WriteString(rq.stagePath)
				continue
			case mapping.SourceHeader:
				// Several values are joined with commas (parameter-mapping guide).
				v = strings.Join(r.Header[p.Text], ",")
			case mapping.SourceQueryString:
				if query == nil {
					query, _ = url.ParseQuery(rq.rawQuery)
				}
				v = strings.Join(query[p.Text], ",")
			case mapping.SourcePathParameter:
				v = rq.params.Get(p.Text)
			case mapping.SourceStageVariable:
				v = rq.st.vars[p.Text]
			case mapping.SourceContext:
				cv, claim := lookupCtx(p.Text)
				scratch = appendCtx(scratch[:0], cv, claim, rq, r, g.cfg.AccountID)
				v = string(scratch)
			}
			if forPath {
				v = escapePath(v)
			}
			b.WriteString(v)
		}
		rq.mapped[i] = b.String()
	}
}
