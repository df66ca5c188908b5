package server_test

import (
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestTracing: with --otlp-endpoint, a request through the gateway is a
// span that reaches the OTLP collector (here a tiny OTLP/HTTP receiver),
// continues the client's trace, names its route and integration, and is
// the parent the backend sees in traceparent.
func TestTracing(t *testing.T) {
	spans := make(chan *tracepb.Span, 16)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(b, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					spans <- s
				}
			}
		}
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	defer collector.Close()
	seen := make(chan string, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Traceparent")
		io.WriteString(w, "traced")
	}))
	defer backend.Close()

	env := servertest.Start(t, func(c *server.Config) { c.OTLPEndpoint = collector.URL })
	api, err := agw.NewFromConfig(env.AWS).CreateApi(context.Background(), &agw.CreateApiInput{Name: aws.String("traced"),
		ProtocolType: "HTTP", Target: aws.String(backend.URL)})
	if err != nil {
		t.Fatal(err)
	}
	gw := env.Server.GatewayAddr()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, gw)
		}}}
	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest(http.MethodGet, "http://"+aws.ToString(api.ApiId)+".execute-api.localhost/pets", nil)
	req.Header.Set("Traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the quick-created API answers %d", resp.StatusCode)
		}
	}
	parent := <-seen
	var span *tracepb.Span
	select {
	case span = <-spans:
	case <-time.After(time.Minute):
		t.Fatal("no span reached the collector")
	}
	attrs := map[string]string{}
	for _, kv := range span.Attributes {
		attrs[kv.Key] = kv.Value.GetStringValue()
	}
	traceID, spanID := hex.EncodeToString(span.TraceId), hex.EncodeToString(span.SpanId)
	if traceID != clientTrace || hex.EncodeToString(span.ParentSpanId) != "00f067aa0ba902b7" {
		t.Errorf("span %s (parent %x) does not continue the client's trace %s", traceID, span.ParentSpanId, clientTrace)
	}
	if want := "00-" + clientTrace + "-" + spanID + "-01"; parent != want {
		t.Errorf("the backend saw traceparent %q, want %q (the gateway's span)", parent, want)
	}
	if attrs["http.route"] != "$default" || attrs["aws.apigateway.api_id"] != aws.ToString(api.ApiId) || attrs["aws.apigateway.integration_id"] == "" ||
		!strings.HasPrefix(attrs["url.path"], "/pets") || span.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("span %s kind %v attributes %v", span.Name, span.Kind, attrs)
	}
}
