package cloudmaptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// Env is a running Cloud Map.
type Env struct {
	Store    store.Store
	CloudMap *cloudmap.Registry
	// DNS is the DNS server following CloudMap's View, when Start was given
	// WithDNS; nil otherwise.
	DNS *dns.Server
	// Endpoint is the AWS endpoint URL, http://localhost:PORT as a user
	// would configure it.
	Endpoint string
	// Dir holds the state (state.db): Start(t, InDir(e.Dir)) after e.Stop()
	// is a restart.
	Dir    string
	AWS    aws.Config
	Logger *slog.Logger
	stop   func()
}

// Option adjusts what Start runs.
type Option func(*options)

type options struct {
	dir     string
	withDNS bool
	dns     []func(*dns.Config)
}

// WithDNS also runs a DNS server on the View: loopback only, port 0, no
// upstreams, unless configure says otherwise.
func WithDNS(configure ...func(*dns.Config)) Option {
	return func(o *options) { o.withDNS, o.dns = true, configure }
}

// InDir keeps the state in dir (an earlier Env's Dir) instead of a new
// temp dir.
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Start runs Cloud Map for the duration of the test and returns once its
// View has a first snapshot, as the server's health endpoint does.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	st, err := store.OpenBolt(filepath.Join(o.dir, "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log := Logger()
	e := &Env{Store: st, Dir: o.dir, Logger: log}
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: "us-east-1", AccountID: "000000000000", Store: st, Logger: log})
	if o.withDNS {
		cfg := dns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: []string{}, View: e.CloudMap.View(), Logger: log}
		for _, c := range o.dns {
			c(&cfg)
		}
		if e.DNS, err = dns.New(cfg); err != nil {
			st.Close()
			t.Fatal(err)
		}
	}
	mux := awsapi.NewMux(log)
	e.CloudMap.Register(mux)
	api := httptest.NewServer(mux)
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())
	e.Endpoint = "http://localhost:" + port
	e.AWS = Config(e.Endpoint)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	run("cloudmap", e.CloudMap.Run)
	if e.DNS != nil {
		// The DNS server reports its own errors even at shutdown: a test
		// that sees one has found a bug.
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.DNS.Run(ctx); err != nil {
				t.Errorf("dns server: %v", err)
			}
		}()
	}
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			api.Close()
			cancel()
			wg.Wait()
			st.Close()
		})
	}
	t.Cleanup(e.stop)
	readyCtx, readyCancel := context.WithTimeout(ctx, 15*time.Second)
	defer readyCancel()
	if _, err := e.CloudMap.View().Next(readyCtx, -1); err != nil {
		t.Fatalf("cloudmap view not ready: %v", err)
	}
	return e
}

// Stop shuts Cloud Map down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is a servicediscovery client for the endpoint.
func (e *Env) Client() *servicediscovery.Client { return servicediscovery.NewFromConfig(e.AWS) }

// Logger logs at warn, or at debug when PORTOLAN_TEST_LOG is set.
func Logger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("PORTOLAN_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Config is an SDK configuration for a Cloud Map endpoint. Its HTTP client
// resolves the "data-" host the SDKs prepend for DiscoverInstances to
// loopback, so tests need no /etc/hosts entry; the Host header the server
// sees is still the one a real client sends.
func Config(endpoint string) aws.Config {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err == nil && (host == "localhost" || strings.HasSuffix(host, "-localhost")) {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
		DisableKeepAlives:   os.Getenv("PORTOLAN_TEST_NOKEEPALIVE") != "",
	}
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:       &http.Client{Transport: plainBody{transport}},
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	}
}

// plainBody hides the SDK's request body type from net/http. The SDK's
// body closes itself once response headers arrive, and its WriteTo then
// reports io.EOF to net/http's final "anything more to send?" check, which
// closes the connection under a response still being read: "use of closed
// network connection", a few times in a thousand on loopback
// (aws-sdk-go-v2 issues 1825 and 2737); with large responses, every time.
// Handing net/http a buffered copy of the body avoids it (servertest does
// the same).
type plainBody struct{ rt http.RoundTripper }

func (p plainBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	return p.rt.RoundTrip(req)
}
