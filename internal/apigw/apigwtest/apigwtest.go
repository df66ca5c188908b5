package apigwtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/store"
)

// Env is a running API Gateway with Cloud Map.
type Env struct {
	Store    store.Store
	CloudMap *cloudmap.Control
	APIGW    *apigw.Control
	Gateway  *gateway.Gateway
	// Endpoint is the AWS endpoint (control plane) URL.
	Endpoint string
	// GatewayPort is the data plane's loopback port.
	GatewayPort string
	AWS         aws.Config
	// AccessLog collects what the gateway writes to stdout; Sink what it
	// sends to CloudWatch Logs groups.
	AccessLog *Buffer
	Sink      *Sink
}

// Start runs everything for the duration of the test. configure may adjust
// the gateway's Config (its views and sinks are set already).
func Start(t testing.TB, configure ...func(*gateway.Config)) *Env {
	t.Helper()
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	log := awstest.Logger()
	gwLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(gwLn.Addr().String())
	e := &Env{Store: st, GatewayPort: port, AccessLog: &Buffer{}, Sink: &Sink{}}
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: "000000000000", Store: st, Logger: log})
	e.APIGW = apigw.New(apigw.Config{Region: awstest.Region, AccountID: "000000000000", Store: st, Logger: log,
		Endpoint: "http://{apiId}." + gateway.DefaultDomain + ":" + port})
	gwCfg := gateway.Config{APIs: e.APIGW.View(), CloudMap: e.CloudMap.View(), AccountID: "000000000000",
		AccessLog: e.AccessLog, LogSink: e.Sink, Logger: log}
	for _, c := range configure {
		c(&gwCfg)
	}
	e.Gateway = gateway.New(gwCfg)

	mux := awsapi.NewMux(log)
	e.CloudMap.Register(mux)
	e.APIGW.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	// The SDK clients share the tests' HTTP client, whose 30s timeout
	// bounds a hung call; they ran without awstest's request-body
	// workaround before awstest existed and still do.
	e.AWS.HTTPClient = e.HTTPClient()

	srv.Go("cloudmap", e.CloudMap.Run)
	srv.Go("apigw", e.APIGW.Run)
	srv.Go("gateway", e.Gateway.Run)
	srv.Go("gateway listener", func(ctx context.Context) error { return e.Gateway.Serve(ctx, gwLn) })
	t.Cleanup(func() {
		srv.Stop()
		st.Close()
	})
	readyCtx, readyCancel := context.WithTimeout(srv.Context(), 10*time.Second)
	defer readyCancel()
	if err := e.Gateway.Ready(readyCtx); err != nil {
		t.Fatalf("gateway not ready: %v", err)
	}
	return e
}

// APIClient is an apigatewayv2 client for the endpoint.
func (e *Env) APIClient() *apigatewayv2.Client { return apigatewayv2.NewFromConfig(e.AWS) }

// CloudMapClient is a servicediscovery client for the endpoint.
func (e *Env) CloudMapClient() *servicediscovery.Client { return servicediscovery.NewFromConfig(e.AWS) }

// URL is the invoke URL of path on an API: http://<apiId>.execute-api.localhost:<port><path>.
func (e *Env) URL(apiID, path string) string {
	return "http://" + apiID + "." + gateway.DefaultDomain + ":" + e.GatewayPort + path
}

// HTTPClient reaches localhost and *.localhost names on loopback (as
// browsers and curl do; the SDK's "data-" host for DiscoverInstances is one)
// and never follows redirects, so tests see the gateway's answers.
func (e *Env) HTTPClient() *http.Client {
	return &http.Client{
		Transport:     awstest.Transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// Buffer is a goroutine-safe bytes.Buffer.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// Lines returns the complete lines written so far.
func (b *Buffer) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSuffix(b.b.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Sink is an in-memory gateway.LogSink.
type Sink struct {
	mu    sync.Mutex
	lines map[string][]gateway.LogLine // "group|stream"
}

func (s *Sink) Append(_ context.Context, group, stream string, lines []gateway.LogLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines == nil {
		s.lines = map[string][]gateway.LogLine{}
	}
	k := group + "|" + stream
	s.lines[k] = append(s.lines[k], lines...)
	return nil
}

// Lines returns what a group's stream received.
func (s *Sink) Lines(group, stream string) []gateway.LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]gateway.LogLine(nil), s.lines[group+"|"+stream]...)
}

// Streams lists the "group|stream" pairs that received lines.
func (s *Sink) Streams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.lines {
		out = append(out, k)
	}
	return out
}

// Eventually polls cond every few milliseconds until it holds or timeout
// passes, and reports how long it took.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not true after %v", what, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Fatalf-friendly description of a response.
func Describe(resp *http.Response, body []byte) string {
	return fmt.Sprintf("%d %s %q", resp.StatusCode, resp.Header, body)
}
