package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
)

// nullWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the gateway and the upstream exchange, not a recorder.
type nullWriter struct {
	h      http.Header
	status int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(s int)           { w.status = s }

// rawBackend answers every request on a connection with the same fixed
// response, allocating nothing per request, so that allocations measured
// by the benchmarks are the gateway's.
func rawBackend(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"pet\":\"dog\",\"id\":7}")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					// Requests carry no body: a request ends at its blank line.
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func benchFixture(b *testing.B, configure ...func(*gateway.Config)) (*fixture, int) {
	return benchFixtureLogs(b, nil, configure...)
}

// benchFixtureLogs is benchFixture with the stage's access log settings.
func benchFixtureLogs(b *testing.B, logs *types.AccessLogSettings, configure ...func(*gateway.Config)) (*fixture, int) {
	// The loop runs faster than the account-level limit (10,000 requests/s):
	// lift it, as --account-rate-limit -1 does for load tests.
	f := fixtureFor(b, apigwtest.Start(b, append([]func(*gateway.Config){func(c *gateway.Config) { c.AccountThrottle = gateway.Throttle{Rate: -1} }}, configure...)...))
	port := rawBackend(b)
	svc, arn := f.service("a", false)
	f.register(svc, "a1", port)
	f.route("GET /pets/{id}", f.cloudMapIntegration(arn, nil))
	f.route("ANY /{proxy+}", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, logs)
	f.sync()
	return f, port
}

// BenchmarkServeHTTP is the whole request path in process: host and stage
// selection, route match, Cloud Map pick, the upstream exchange over
// loopback keep-alive, and relaying the answer.
func BenchmarkServeHTTP(b *testing.B) { benchServeHTTP(b) }

func benchServeHTTP(b *testing.B, configure ...func(*gateway.Config)) {
	f, _ := benchFixture(b, configure...)
	host := f.apiID + ".execute-api.localhost:" + f.env.GatewayPort
	newReq := func() *http.Request {
		r, _ := http.NewRequest("GET", "http://"+host+"/pets/7?x=1", nil)
		r.RequestURI = "/pets/7?x=1"
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "bench")
		r.Header.Set("Accept", "*/*")
		return r
	}
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newReq()
		clear(w.h)
		b.StartTimer()
		f.env.Gateway.ServeHTTP(w, r)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.env.Gateway.UpstreamDials()), "dials")
}

// BenchmarkServe is the whole request path as a client sees it: a
// keep-alive request over loopback into the gateway's listener (its
// server), routed, proxied to the backend and relayed back, read by a
// client that allocates nothing. allocs/op is the gateway's per request.
func BenchmarkServe(b *testing.B) {
	f, _ := benchFixture(b)
	benchServe(b, f)
}

// BenchmarkServeAccessLog is BenchmarkServe on a stage that logs each
// request as bench/gateway.sh --access-log does (JSON, to a writer that
// keeps nothing).
func BenchmarkServeAccessLog(b *testing.B) {
	f, _ := benchFixtureLogs(b, &types.AccessLogSettings{
		DestinationArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:bench"),
		Format:         aws.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency"}`),
	}, func(c *gateway.Config) { c.AccessLog, c.LogSink = io.Discard, nil })
	benchServe(b, f)
}

func benchServe(b *testing.B, f *fixture) {
	c, err := net.Dial("tcp", "127.0.0.1:"+f.env.GatewayPort)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET /pets/7?x=1 HTTP/1.1\r\nHost: " + f.apiID + ".execute-api.localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if status, err := skipResponse(br); err != nil || status != 200 {
			b.Fatalf("status %d, %v", status, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.env.Gateway.UpstreamDials()), "dials")
}

// skipResponse reads one answer with a Content-Length body, allocating
// nothing, and returns its status.
func skipResponse(br *bufio.Reader) (int, error) {
	status, n := 0, -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if status == 0 && len(line) > 12 {
			status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n = 0
			for _, d := range bytes.TrimSpace(v) {
				n = n*10 + int(d-'0')
			}
		}
	}
	if n < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	_, err := br.Discard(n)
	return status, err
}

// BenchmarkNotFound is a request no route matches: the gateway's own path.
func BenchmarkNotFound(b *testing.B) {
	f, _ := benchFixture(b)
	host := f.apiID + ".execute-api.localhost:" + f.env.GatewayPort
	r, _ := http.NewRequest("GET", "http://"+host+"/", nil)
	r.RequestURI = "/"
	r.RemoteAddr = "127.0.0.1:40000"
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		f.env.Gateway.ServeHTTP(w, r)
		if w.status != 404 {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkRegistration records how long a registered instance takes to
// receive traffic after RegisterInstance returns, and how long after
// DeregisterInstance returns the last request still reached it (0: none
// did): p50 and max over b.N rounds, in milliseconds.
func BenchmarkRegistration(b *testing.B) {
	f := newFixture(b)
	a, nb := newBackend(b, "a"), newBackend(b, "b")
	svc, arn := f.service("a", false)
	f.register(svc, "a1", a.port)
	f.route("ANY /{proxy+}", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, nil)
	f.sync()
	base := f.env.URL(f.apiID, "")
	ctx := context.Background()
	var up, down []time.Duration
	for i := 0; i < b.N; i++ {
		if _, err := f.sd.RegisterInstance(ctx, regInput(svc, "b", nb.port, nil)); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for f.doHost("GET", base, "/x", nil).seen.Backend != "b" {
		}
		up = append(up, time.Since(start))
		if _, err := f.sd.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: &svc, InstanceId: aws.String("b")}); err != nil {
			b.Fatal(err)
		}
		// Keep calling for 200 ms and note when the last request that still
		// reached b was sent: after that, b received nothing.
		start = time.Now()
		var last time.Duration
		for sent := time.Duration(0); sent < 200*time.Millisecond; sent = time.Since(start) {
			if f.doHost("GET", base, "/x", nil).seen.Backend == "b" {
				last = sent
			}
		}
		down = append(down, last)
	}
	report := func(name string, d []time.Duration) {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(d[len(d)-1].Microseconds())/1000, name+"-max-ms")
	}
	report("routable", up)
	report("last-hit-after-deregister", down)
}
