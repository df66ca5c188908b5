package alb

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/elbv2/proxy"
)

// Tests bind 127.0.130.0/24 (the range this package's and the dataplane's
// ALB tests own); the dataplane test takes .1, these take .100 and up.

func startBackendServer(t testing.TB, name string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return netip.MustParseAddrPort(ln.Addr().String())
}

// runALB runs an ALB until the test ends and waits for Run to return.
func runALB(t testing.TB) *ALB {
	a := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return a
}

func get(t testing.TB, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A listener serves its rules, follows an Update (new rules, a removed
// listener), and a held address is reported with the NLB's wording.
func TestALBUpdate(t *testing.T) {
	a := runALB(t)
	backend := startBackendServer(t, "backend")
	addr := netip.MustParseAddrPort("127.0.130.100:18081")
	s := &Snapshot{Listeners: []Listener{{Address: addr, Rules: []Rule{
		{Conditions: []Condition{{Field: FieldPathPattern, Values: []string{"/app/*"}}}, Action: Action{Type: ActionForward,
			Forward: []WeightedGroup{{Group: TargetGroup{ID: "tg", Targets: []Target{{Key: "k", Address: backend, State: StateHealthy}}}}}}},
		{Action: Action{Type: ActionFixedResponse, FixedResponse: &FixedResponse{StatusCode: 404, Body: "none"}}},
	}}}}
	if err := a.Update(s); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	base := "http://" + addr.String()
	if code, body := get(t, c, base+"/app/x"); code != 200 || body != "backend" {
		t.Fatalf("/app/x: %d %q", code, body)
	}
	if code, body := get(t, c, base+"/other"); code != 404 || body != "none" {
		t.Fatalf("/other: %d %q", code, body)
	}
	s.Listeners[0].Rules = s.Listeners[0].Rules[1:]
	if err := a.Update(s); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, c, base+"/app/x"); code != 404 {
		t.Fatalf("after the rule went: %d", code)
	}

	held, err := net.Listen("tcp", "127.0.130.101:18081")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	err = a.Update(&Snapshot{Listeners: []Listener{{Address: netip.MustParseAddrPort("127.0.130.101:18081"), Rules: s.Listeners[0].Rules}}})
	var be *proxy.BindError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("binding a held address: %v", err)
	}
	c.CloseIdleConnections()
	if _, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		t.Fatal("a removed listener still accepts")
	}
}

// BenchmarkForward is the request path end to end: a client on a
// keep-alive connection, ten rules that do not match, then a forward to
// one target over the ALB's keep-alive pool.
func BenchmarkForward(b *testing.B) {
	a := runALB(b)
	backend := startBackendServer(b, "ok")
	addr := netip.MustParseAddrPort("127.0.130.110:18082")
	a.Update(&Snapshot{Listeners: []Listener{{Address: addr, Rules: benchRules(Action{Type: ActionForward,
		Forward: []WeightedGroup{{Group: TargetGroup{ID: "tg", Targets: []Target{{Key: "k", Address: backend, State: StateHealthy}}}}}})}}})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := "http://" + addr.String() + "/api/users?id=1"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// matchHandler is a listener of ten rules that do not match, then a fixed
// response, with a request for it and a writer that discards.
func matchHandler(t testing.TB) (*handler, *http.Request, *discardWriter) {
	rt, err := buildRoute(&Listener{Address: netip.MustParseAddrPort("127.0.0.1:80"),
		Rules: benchRules(Action{Type: ActionFixedResponse, FixedResponse: &FixedResponse{StatusCode: 200, Body: "ok"}})}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{}
	h.route.Store(rt)
	r, _ := http.NewRequest("GET", "http://app.test/api/users?id=1", nil)
	r.RemoteAddr = "192.0.2.1:5000"
	r.Header.Set("User-Agent", "bench")
	return h, r, &discardWriter{h: http.Header{}}
}

// Matching the rules and answering with a fixed response allocates
// nothing: conditions are values, not closures the request escapes
// through, and the canned answer's header values are built once.
func TestMatchAllocatesNothing(t *testing.T) {
	h, r, w := matchHandler(t)
	allocs := testing.AllocsPerRun(1000, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per request, want 0", allocs)
	}
	if w.h.Get("Content-Length") != "2" || w.h.Get("Server") != serverHeader {
		t.Fatalf("answered with header %v", w.h)
	}
}

// BenchmarkMatch is the rule engine alone: ten rules that do not match,
// then a fixed response, served in process.
func BenchmarkMatch(b *testing.B) {
	h, r, w := matchHandler(b)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func benchRules(last Action) []Rule {
	var rules []Rule
	for i := range 10 {
		n := strconv.Itoa(i)
		rules = append(rules, Rule{Conditions: []Condition{
			{Field: FieldPathPattern, Values: []string{"/v" + n + "/*", "/static/" + n + "/*.png"}},
			{Field: FieldHostHeader, Values: []string{"*.example" + n + ".com"}},
		}, Action: Action{Type: ActionFixedResponse, FixedResponse: &FixedResponse{StatusCode: 404}}})
	}
	return append(rules, Rule{Action: last})
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
