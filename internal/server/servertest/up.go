package servertest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Up is `portolan up` running as a user runs it, from the repository root,
// for an example's end-to-end test.
type Up struct {
	// Gateway, API and DNS are the loopback addresses it serves.
	Gateway, API, DNS string

	cmd     *exec.Cmd
	mu      sync.Mutex
	out     strings.Builder
	scanned chan struct{} // closed when its output has been read to the end
}

// StartUp runs `portolan up ARGS` with its state in dataDir and every
// listener on a free loopback port, and returns once the stack is deployed
// and up follows task logs. The process group is killed when the test ends;
// Stop is the orderly way out.
func StartUp(t testing.TB, dataDir string, args ...string) *Up {
	t.Helper()
	u := &Up{
		Gateway: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		API:     fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		DNS:     fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		scanned: make(chan struct{}),
	}
	u.cmd = exec.Command(Binary(t), append([]string{"up"}, args...)...)
	u.cmd.Dir = moduleRoot()
	// The documented environment forms of the flags.
	u.cmd.Env = append(os.Environ(), "PORTOLAN_DATA_DIR="+dataDir, "PORTOLAN_GATEWAY="+u.Gateway,
		"PORTOLAN_API="+u.API, "PORTOLAN_DNS="+u.DNS, "PORTOLAN_REGISTRY_ADDR=127.0.0.1:0",
		// The task credentials endpoint is one per machine: not for tests'
		// servers unless a flag asks (flags win over the environment).
		"PORTOLAN_DOCKER_TASK_CREDENTIALS=false")
	startInGroup(u.cmd)
	stdout, err := u.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	u.cmd.Stderr = u.cmd.Stdout
	if err := u.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { signalGroup(u.cmd, syscall.SIGKILL) })
	go func() {
		defer close(u.scanned)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			u.mu.Lock()
			u.out.WriteString(s.Text() + "\n")
			u.mu.Unlock()
		}
	}()
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(u.Output(), "Following task logs") {
		select {
		case <-u.scanned:
			t.Fatalf("up exited:\n%s", u.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("up did not get ready:\n%s", u.Output())
		}
	}
	return u
}

// Output is everything up has printed so far.
func (u *Up) Output() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.out.String()
}

// Client is an HTTP client whose every connection goes to the gateway,
// whatever host the URL names: APIs are told apart by their Host.
func (u *Up) Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, u.Gateway)
		}}}
}

// Stop is Ctrl-C: it waits for up to delete the stack and exit, and
// returns all it printed.
func (u *Up) Stop(t testing.TB) string {
	t.Helper()
	signalGroup(u.cmd, syscall.SIGINT)
	done := make(chan error, 1)
	go func() {
		<-u.scanned // Wait closes the pipe: read it to its end first
		done <- u.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("portolan up did not stop after Ctrl-C:\n%s", u.Output())
	}
	return u.Output()
}
