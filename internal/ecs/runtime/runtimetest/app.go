package runtimetest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// AppPackage is the import path of the test app (see testapp's doc).
const AppPackage = "github.com/portolan/portolan/internal/ecs/runtime/runtimetest/testapp"

// BuildApp compiles the test app into a static binary (CGO_ENABLED=0, so
// that it also runs in a FROM scratch image) and returns its path. The go
// build cache makes every build after the first one cheap.
func BuildApp(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build the test app: %v", err)
	}
	out := filepath.Join(t.TempDir(), "testapp")
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", out, AppPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", AppPackage, err, b)
	}
	return out
}

// WaitHTTP polls url until it answers 200 and returns the body, or fails
// the test after timeout.
func WaitHTTP(t testing.TB, url string, timeout time.Duration) []byte {
	t.Helper()
	b, err := pollHTTP(context.Background(), url, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WaitAccept dials addr until it accepts a TCP connection, or fails the
// benchmark or test after timeout. It polls tightly (200µs): the drivers'
// start-to-running benchmarks time it.
func WaitAccept(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never accepted: %v", addr, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func pollHTTP(ctx context.Context, url string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err == nil {
			b, rerr := readAll(resp)
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return b, nil
			}
			err = fmt.Errorf("%s: %s %s", url, resp.Status, b)
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("GET %s did not answer 200 within %v: %v", url, timeout, last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
