package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestServerInsecureListensOnAllInterfaces runs the real binary on
// 0.0.0.0 without credentials but with --insecure: it must start, and
// answer its health check on loopback and, where the machine has one, on
// a non-loopback address (which a loopback-only listener would not).
func TestServerInsecureListensOnAllInterfaces(t *testing.T) {
	port := servertest.FreePort(t)
	// StartProcess's own --api comes first; the flag package keeps the last.
	servertest.StartProcess(t, t.TempDir(), port, "--api", "0.0.0.0:"+strconv.Itoa(port), "--insecure")
	hosts := []string{"127.0.0.1"}
	if ip := nonLoopbackIPv4(t); ip != "" {
		hosts = append(hosts, ip)
	} else {
		t.Log("no non-loopback IPv4 address: checked loopback only")
	}
	for _, h := range hosts {
		resp, err := http.Get("http://" + net.JoinHostPort(h, strconv.Itoa(port)) + "/_portolan/health")
		if err != nil {
			t.Fatalf("health on %s: %v", h, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health on %s: %s", h, resp.Status)
		}
	}
}

func nonLoopbackIPv4(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// TestServerRefusesToStart runs the real binary with settings it must
// refuse: it exits with status 1 and says why, instead of serving.
func TestServerRefusesToStart(t *testing.T) {
	bin := servertest.Binary(t)
	badConfig := writeConfig(t, "portolan.yaml", "region: eu-west-1\ndatadir: /tmp/x\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"open without credentials", []string{"--api", fmt.Sprintf("0.0.0.0:%d", servertest.FreePort(t))},
			"refusing to serve the unauthenticated API on 0.0.0.0"},
		{"bad config file", []string{"--config", badConfig, "--api", fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))},
			`config ` + badConfig + `: unknown setting "datadir"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A server that wrongly starts would run until killed here.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args := append([]string{"server", "--data-dir", t.TempDir(), "--gateway", "127.0.0.1:0", "--dns", "127.0.0.1:0"}, tc.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = cleanEnv()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Fatalf("output does not say %q:\n%s", tc.want, out)
			}
		})
	}
}

// cleanEnv is the test's environment without PORTOLAN_* settings, which
// would otherwise reach the binary.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTOLAN_") {
			env = append(env, kv)
		}
	}
	return env
}

// TestServerSignalShutdown stops the real binary with SIGTERM (what a
// service manager or `docker stop` sends) and SIGINT (Ctrl-C): it must exit
// with status 0 within a few seconds, and a restart on the same data dir
// must find what it stored before.
func TestServerSignalShutdown(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGINT", syscall.SIGINT}} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir, port := t.TempDir(), servertest.FreePort(t)
			srv := servertest.StartProcess(t, dataDir, port)
			c := sd.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
			ctx := context.Background()
			const name = "kept"
			if _, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(name)}); err != nil {
				t.Fatal(err)
			}

			if err := srv.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("after %s: %v, want exit status 0", tc.name, err)
				}
			case <-time.After(5 * time.Second):
				srv.Process.Kill()
				<-done
				t.Fatalf("still running 5s after %s", tc.name)
			}

			servertest.StartProcess(t, dataDir, port)
			out, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ns := range out.Namespaces {
				names = append(names, aws.ToString(ns.Name))
			}
			if len(names) != 1 || names[0] != name {
				t.Fatalf("after restart namespaces = %v, want [%s]", names, name)
			}
		})
	}
}
