package health

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testInterval = 20 * time.Millisecond
	testTimeout  = 15 * time.Millisecond
	waitLimit    = 5 * time.Second
)

type report struct {
	check Check
	state State
	// requests is the HTTP target's request count when the verdict came.
	requests int64
}

// harness runs a Checker whose reports go to a channel.
type harness struct {
	checker  *Checker
	reports  chan report
	requests *atomic.Int64
}

func startChecker(t *testing.T, requests *atomic.Int64) *harness {
	t.Helper()
	h := &harness{reports: make(chan report, 100), requests: requests}
	if h.requests == nil {
		h.requests = new(atomic.Int64)
	}
	h.checker = New(Config{Report: func(_ context.Context, c Check, s State) {
		h.reports <- report{check: c, state: s, requests: h.requests.Load()}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.checker.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

func (h *harness) next(t *testing.T) report {
	t.Helper()
	select {
	case r := <-h.reports:
		return r
	case <-time.After(waitLimit):
		t.Fatal("no health report")
		return report{}
	}
}

func (h *harness) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-h.reports:
		t.Fatalf("unexpected report %+v", r)
	case <-time.After(d):
	}
}

func check(key, addr string, p Protocol, healthy, unhealthy int) Check {
	return Check{
		TargetGroupID: "tg-1", TargetKey: key, Address: addr, Protocol: p, Path: "/health",
		Interval: testInterval, Timeout: testTimeout, HealthyThreshold: healthy, UnhealthyThreshold: unhealthy,
	}
}

// statusServer answers every request with the current status and counts them.
func statusServer(t *testing.T, status *atomic.Int32, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || r.Host != r.Context().Value(http.LocalAddrContextKey).(net.Addr).String() ||
			r.UserAgent() != userAgent {
			t.Errorf("probe %s %s Host %s User-Agent %q", r.Method, r.URL.Path, r.Host, r.UserAgent())
		}
		requests.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTCPTargetThatAcceptsBecomesHealthy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	h := startChecker(t, nil)
	h.checker.Update([]Check{check("i-1:80", ln.Addr().String(), TCP, 3, 3)})
	if r := h.next(t); r.state != (State{Healthy: true}) || r.check.TargetKey != "i-1:80" {
		t.Fatalf("report = %+v, want healthy i-1:80", r)
	}
	h.none(t, 5*testInterval) // only changes are reported
}

func TestClosedTCPTargetBecomesUnhealthy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h := startChecker(t, nil)
	h.checker.Update([]Check{check("10.0.0.1:80", addr, TCP, 3, 2)})
	want := State{Reason: ReasonFailedHealthChecks, Description: "Health checks failed"}
	if r := h.next(t); r.state != want {
		t.Fatalf("report = %+v, want %+v", r.state, want)
	}
	h.none(t, 5*testInterval)
}

func TestHTTPTargetThresholdsAreCountedExactly(t *testing.T) {
	var status atomic.Int32
	var requests atomic.Int64
	status.Store(200)
	srv := statusServer(t, &status, &requests)
	h := startChecker(t, &requests)
	c := check("10.0.0.1:80", srv.Listener.Addr().String(), HTTP, 3, 4)
	c.Matcher = "200,202"
	h.checker.Update([]Check{c})

	if r := h.next(t); r.state != (State{Healthy: true}) || r.requests != 3 {
		t.Fatalf("report = %+v, want healthy after exactly 3 requests", r)
	}
	status.Store(503)
	before := requests.Load()
	r := h.next(t)
	want := State{Reason: ReasonResponseCodeMismatch, Description: "Health checks failed with these codes: [503]"}
	if r.state != want {
		t.Fatalf("report = %+v, want %+v", r.state, want)
	}
	// Probes in flight when the status changed may have answered 200.
	if failures := r.requests - before; failures < 4 || failures > 5 {
		t.Errorf("unhealthy after %d requests, want 4 failures", failures)
	}
	status.Store(202)
	before = requests.Load()
	if r := h.next(t); r.state != (State{Healthy: true}) || r.requests-before < 3 || r.requests-before > 4 {
		t.Fatalf("report = %+v after %d requests, want healthy after 3", r, r.requests-before)
	}
}

func TestTargetThatNeverAnswersTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hold := make(chan struct{})
	defer close(hold)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-hold; c.Close() }()
		}
	}()
	h := startChecker(t, nil)
	h.checker.Update([]Check{check("10.0.0.1:80", ln.Addr().String(), HTTP, 2, 2)})
	want := State{Reason: ReasonTimeout, Description: "Request timed out"}
	if r := h.next(t); r.state != want {
		t.Fatalf("report = %+v, want %+v", r.state, want)
	}
}

func TestUpdateKeepsCountersOfUnchangedTargets(t *testing.T) {
	var status atomic.Int32
	var requests, otherRequests atomic.Int64
	status.Store(200)
	srv := statusServer(t, &status, &requests)
	other := statusServer(t, &status, &otherRequests)
	h := startChecker(t, &requests)
	c := check("10.0.0.1:80", srv.Listener.Addr().String(), HTTP, 10, 2)
	h.checker.Update([]Check{c})

	deadline := time.Now().Add(waitLimit)
	for requests.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if requests.Load() >= 10 {
		t.Fatal("too slow to update before the threshold")
	}
	c.Interval = testInterval + time.Millisecond // new settings, same target
	h.checker.Update([]Check{c, check("10.0.0.2:80", other.Listener.Addr().String(), HTTP, 100, 2)})

	r := h.next(t)
	if r.check.TargetKey != c.TargetKey || !r.state.Healthy || r.requests != 10 {
		t.Fatalf("report = %+v, want healthy after exactly 10 requests (counters kept)", r)
	}
	if r.check.Interval != c.Interval {
		t.Errorf("report carries Interval %v, want the updated %v", r.check.Interval, c.Interval)
	}

	// A removed target is probed no more.
	h.checker.Update([]Check{c})
	time.Sleep(2 * testInterval) // a probe in flight may finish
	n := otherRequests.Load()
	time.Sleep(5 * testInterval)
	if otherRequests.Load() != n {
		t.Errorf("removed target still probed: %d then %d requests", n, otherRequests.Load())
	}
}

func TestRunStopsEveryProbe(t *testing.T) {
	var status atomic.Int32
	var requests atomic.Int64
	status.Store(200)
	srv := statusServer(t, &status, &requests)
	before := runtime.NumGoroutine()

	checker := New(Config{})
	var checks []Check
	for _, key := range []string{"a:1", "b:1", "c:1", "d:1"} {
		checks = append(checks, check(key, srv.Listener.Addr().String(), HTTP, 2, 2))
	}
	checker.Update(checks)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- checker.Run(ctx) }()
	deadline := time.Now().Add(waitLimit)
	for requests.Load() < 8 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if runtime.NumGoroutine() < before+4 {
		t.Errorf("%d goroutines while running, want at least %d", runtime.NumGoroutine(), before+4)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := requests.Load()
	// Run has returned: every probe goroutine is gone. The HTTP server's own
	// connection goroutines may take a moment to notice closed connections.
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before Run, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	time.Sleep(3 * testInterval)
	if requests.Load() != n {
		t.Error("probes continue after Run returned")
	}
	// Update after Run starts nothing.
	checker.Update(checks[:1])
	if runtime.NumGoroutine() > before {
		t.Error("Update after Run started a goroutine")
	}
}

func TestFirstProbesAreSpread(t *testing.T) {
	seen := map[time.Duration]bool{}
	for _, key := range []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.5:80"} {
		d := firstProbeDelay(checkKey{"tg-1", key}, 30*time.Second)
		if d < 0 || d >= 30*time.Second {
			t.Fatalf("first probe delay %v outside one interval", d)
		}
		seen[d] = true
	}
	if len(seen) < 4 {
		t.Errorf("first probe delays not spread: %v", seen)
	}
}
