package gateway

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// OpenTelemetry: with Config.Tracer set, every request is a server span
// (continuing the client's W3C traceparent, if any) that names the route,
// the integration and the instance that answered, and the backend gets
// the span's traceparent beside X-Amzn-Trace-Id. Without a tracer none of
// this runs: one nil check per request.

// traceContext is the W3C Trace Context propagator (traceparent,
// tracestate); it holds no state.
var traceContext propagation.TraceContext

// startSpan opens the request's span.
func (g *Gateway) startSpan(r *http.Request, rq *request) {
	if g.cfg.Tracer == nil {
		return
	}
	ctx := traceContext.Extract(context.Background(), propagation.HeaderCarrier(r.Header))
	rq.traceCtx, rq.span = g.cfg.Tracer.Start(ctx, "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(rq.start))
}

// endSpan closes the request's span with what the access log knows.
func (rq *request) endSpan(r *http.Request) {
	if rq.span == nil {
		return
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", r.Method),
		attribute.String("url.path", rq.rawPath),
		attribute.Int("http.response.status_code", rq.status),
		attribute.String("aws.apigateway.request_id", rq.id),
	}
	if rq.st != nil {
		attrs = append(attrs, attribute.String("aws.apigateway.api_id", rq.st.apiID), attribute.String("aws.apigateway.stage", rq.st.name))
	}
	if rq.route != nil {
		attrs = append(attrs, attribute.String("http.route", rq.route.key), attribute.String("aws.apigateway.integration_id", rq.route.integID))
	}
	if rq.instance != "" {
		attrs = append(attrs, attribute.String("server.address", rq.instance))
	}
	rq.span.SetAttributes(attrs...)
	if rq.status >= 500 {
		rq.span.SetStatus(codes.Error, rq.errMessage)
	}
	rq.span.End()
}

// injectTrace puts the span's traceparent on the integration request.
func (rq *request) injectTrace(h http.Header) {
	if rq.span != nil {
		traceContext.Inject(rq.traceCtx, propagation.HeaderCarrier(h))
	}
}
