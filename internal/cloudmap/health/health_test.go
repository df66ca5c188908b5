package health_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
	"github.com/portolan/portolan/internal/cloudmap/health"
)

const interval = 50 * time.Millisecond

type env struct {
	*cloudmaptest.Env
	sd *sd.Client
	ns string
}

func setup(t *testing.T) *env {
	t.Helper()
	e := &env{Env: cloudmaptest.Start(t)}
	e.sd = sd.NewFromConfig(e.AWS)
	e.ns = cloudmaptest.HTTPNamespace(t, e.sd, "checks")
	return e
}

// run starts a Checker for the rest of the test.
func (e *env) run(t *testing.T) { e.runEvery(t, interval) }

// runEvery starts a Checker probing every d (its probes' timeout).
func (e *env) runEvery(t *testing.T, d time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	c := health.New(health.Config{CloudMap: e.CloudMap, Interval: d})
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// instance creates a service with the check and one instance at port.
func (e *env) instance(t *testing.T, name string, hc *types.HealthCheckConfig, port int) string {
	t.Helper()
	ctx := context.Background()
	out, err := e.sd.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(name), NamespaceId: aws.String(e.ns), HealthCheckConfig: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sd.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: out.Service.Id, InstanceId: aws.String("i-1"),
		Attributes: map[string]string{"AWS_INSTANCE_IPV4": "127.0.0.1", "AWS_INSTANCE_PORT": strconv.Itoa(port)}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Service.Id
}

func (e *env) status(t *testing.T, svcID string) types.HealthStatus {
	t.Helper()
	out, err := e.sd.GetInstancesHealthStatus(context.Background(), &sd.GetInstancesHealthStatusInput{ServiceId: aws.String(svcID)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Status["i-1"]
}

func waitStatus(t *testing.T, e *env, svcID string, want types.HealthStatus) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.status(t, svcID) != want {
		if time.Now().After(deadline) {
			t.Fatalf("status %s, want %s", e.status(t, svcID), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func portOf(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func statusServer(t *testing.T, code int) int {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
	t.Cleanup(s.Close)
	return portOf(t, s.Listener.Addr().String())
}

// TestProbes: HTTP(S) passes on 200 ≤ status < 400 at ResourcePath, TCP
// on an accepted connection; anything else, including a probe that times
// out, fails.
func TestProbes(t *testing.T) {
	e := setup(t)
	httpCheck := func(path string) *types.HealthCheckConfig {
		hc := &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}
		if path != "" {
			hc.ResourcePath = aws.String(path)
		}
		return hc
	}
	pathOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ready" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer pathOnly.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	tlsServer := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsServer.Close()
	open, _ := net.Listen("tcp", "127.0.0.1:0")
	defer open.Close()
	go func() {
		for {
			c, err := open.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := portOf(t, closed.Addr().String())
	closed.Close()

	cases := []struct {
		name string
		hc   *types.HealthCheckConfig
		port int
		want types.HealthStatus
	}{
		{"http-200", httpCheck(""), statusServer(t, 200), types.HealthStatusHealthy},
		{"http-204", httpCheck(""), statusServer(t, 204), types.HealthStatusHealthy},
		{"http-302-not-followed", httpCheck(""), statusServer(t, 302), types.HealthStatusHealthy},
		{"http-399", httpCheck(""), statusServer(t, 399), types.HealthStatusHealthy},
		{"http-404", httpCheck(""), statusServer(t, 404), types.HealthStatusUnhealthy},
		{"http-500", httpCheck(""), statusServer(t, 500), types.HealthStatusUnhealthy},
		{"http-resource-path", httpCheck("/ready"), portOf(t, pathOnly.Listener.Addr().String()), types.HealthStatusHealthy},
		{"http-default-path", httpCheck(""), portOf(t, pathOnly.Listener.Addr().String()), types.HealthStatusUnhealthy},
		{"http-timeout", httpCheck(""), portOf(t, slow.Listener.Addr().String()), types.HealthStatusUnhealthy},
		{"http-refused", httpCheck(""), closedPort, types.HealthStatusUnhealthy},
		{"https-self-signed", &types.HealthCheckConfig{Type: types.HealthCheckTypeHttps}, portOf(t, tlsServer.Listener.Addr().String()), types.HealthStatusHealthy},
		{"https-to-plain-http", &types.HealthCheckConfig{Type: types.HealthCheckTypeHttps}, statusServer(t, 200), types.HealthStatusUnhealthy},
		{"tcp-open", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp}, portOf(t, open.Addr().String()), types.HealthStatusHealthy},
		{"tcp-closed", &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp}, closedPort, types.HealthStatusUnhealthy},
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.name] = e.instance(t, c.name, c.hc, c.port)
	}
	// Rounds (and so probe timeouts) of 300 ms: a loaded machine answers
	// a healthy probe well within them, the slow server never does.
	const every = 300 * time.Millisecond
	e.runEvery(t, every)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { waitStatus(t, e, ids[c.name], c.want) })
	}

	// Settled: further rounds write nothing.
	time.Sleep(2 * every)
	rev := e.Store.Revision()
	time.Sleep(4 * every)
	if got := e.Store.Revision(); got != rev {
		t.Errorf("store revision moved from %d to %d with no health change", rev, got)
	}
}

// TestFailureThreshold: UNHEALTHY only after FailureThreshold consecutive
// failures; one success makes the instance HEALTHY again.
func TestFailureThreshold(t *testing.T) {
	e := setup(t)
	var failing atomic.Bool
	var failures atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			failures.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer s.Close()
	id := e.instance(t, "flaky", &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FailureThreshold: aws.Int32(3)}, portOf(t, s.Listener.Addr().String()))
	e.run(t)
	time.Sleep(2 * interval)
	waitStatus(t, e, id, types.HealthStatusHealthy)

	failing.Store(true)
	waitStatus(t, e, id, types.HealthStatusUnhealthy)
	if n := failures.Load(); n < 3 {
		t.Errorf("UNHEALTHY after %d failed probes, want at least 3", n)
	}
	failing.Store(false)
	waitStatus(t, e, id, types.HealthStatusHealthy)

	// Deregistering an instance mid-flight is not an error for the checker.
	if _, err := e.sd.DeregisterInstance(context.Background(), &sd.DeregisterInstanceInput{ServiceId: aws.String(id), InstanceId: aws.String("i-1")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * interval)
}
