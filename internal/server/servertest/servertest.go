// Package servertest starts real Portolan servers for tests: in-process on
// a loopback port with state in a temp dir, or as a separate process built
// from cmd/portolan (for tests that kill -9 it), plus an AWS SDK config that
// points at it.
package servertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/awsapi/awstest"
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
	cfg := server.Config{DataDir: t.TempDir(), APIAddr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0", DNSAddr: "127.0.0.1:0", RegistryAddr: "127.0.0.1:0",
		AccountThrottle: gateway.Throttle{Rate: -1}}
	for _, c := range configure {
		c(&cfg)
	}
	s, err := server.New(cfg, awstest.Logger())
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

// Config is an SDK configuration for a Portolan endpoint with these
// credentials (awstest.Config: it reaches the "data-" host on loopback).
func Config(endpoint, key, secret string) aws.Config { return awstest.Config(endpoint, key, secret) }

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

// BuildApp builds the program at pkg (a path from the module root, such
// as "./examples/quickstart/app") into the test's temporary directory and
// returns its path. It is linked statically so that either runtime can
// start it.
func BuildApp(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), path.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = moduleRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
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
	// The task credentials endpoint (one per machine) only where flags ask
	// for it: a later flag wins.
	args := append([]string{"server", "--gateway", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--registry-addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--api", "127.0.0.1:" + strconv.Itoa(port), "--log-level", "warn", "--docker-task-credentials=false"}, flags...)
	cmd := exec.Command(Binary(t), args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	WaitReady(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	return cmd
}
