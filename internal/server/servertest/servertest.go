// Package servertest starts real Portolan servers for tests: in-process on
// a loopback port with state in a temp dir, or as a separate process built
// from cmd/portolan (for tests that kill -9 it), plus an AWS SDK config that
// points at it.
package servertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/server"
)

// Env is a running server and a client configuration for it.
type Env struct {
	Server  *server.Server
	URL     string // http://localhost:PORT, as a user would configure it
	DataDir string
	AWS     aws.Config
	stop    func()
}

// Start runs a server for the duration of the test. The gateway's
// account-level throttling is off: tests that call an API in a tight loop
// outrun AWS's 10,000 requests/s (the gateway's own tests cover it).
func Start(t testing.TB, configure ...func(*server.Config)) *Env {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), APIAddr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0", DNSAddr: "127.0.0.1:0",
		AccountThrottle: gateway.Throttle{Rate: -1}}
	for _, c := range configure {
		c(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("PORTOLAN_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	s, err := server.New(cfg, log)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	// Cleanups run last-in first-out: this one runs after the server stopped.
	t.Cleanup(func() {
		if err := s.RemoveAllTasks(context.Background()); err != nil {
			t.Errorf("remove task containers: %v", err)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	e := &Env{Server: s, DataDir: cfg.DataDir}
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	_, port, _ := net.SplitHostPort(s.APIAddr())
	e.URL = "http://localhost:" + port
	key, secret := cfg.AccessKeyID, cfg.SecretAccessKey
	if key == "" {
		key, secret = "test", "test"
	}
	e.AWS = Config(e.URL, key, secret)
	WaitReady(t, e.URL)
	return e
}

// Stop shuts the server down (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Config is an SDK configuration for a Portolan endpoint. Its HTTP client
// resolves the "data-" host the SDKs prepend for DiscoverInstances to
// loopback, so tests need no /etc/hosts entry; the Host header the server
// sees is still the one a real client sends.
func Config(endpoint, key, secret string) aws.Config {
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
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
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
// Handing net/http a buffered copy of the body avoids it.
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

// WaitReady polls the health endpoint until the server is ready.
func WaitReady(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(strings.Replace(url, "localhost", "127.0.0.1", 1) + "/_portolan/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server at %s not ready after 15s", url)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/portolan once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portolan-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "portolan")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/portolan")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartProcess runs `portolan server` as a process of its own, with its
// state in dataDir and its API on the loopback port (free gateway and DNS
// ports; flags are appended), waits until it is ready, and kills it when
// the test ends. Tests that SIGKILL a server and restart it use this.
func StartProcess(t testing.TB, dataDir string, port int, flags ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"server", "--gateway", "127.0.0.1:0", "--dns", "127.0.0.1:0",
		"--data-dir", dataDir, "--api", "127.0.0.1:" + strconv.Itoa(port), "--log-level", "warn"}, flags...)
	cmd := exec.Command(Binary(t), args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	WaitReady(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	return cmd
}
