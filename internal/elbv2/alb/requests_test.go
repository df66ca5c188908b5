package alb

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// TestTargetRequestCounts: every request forwarded counts once on its
// group and once on the target it went to (round robin: half each); a
// target's counter lives on across Updates while the group keeps it, goes
// when it leaves, and starts from 0 when it comes back.
func TestTargetRequestCounts(t *testing.T) {
	a := runALB(t)
	backendA, backendB := startBackendServer(t, "a"), startBackendServer(t, "b")
	addr := netip.MustParseAddrPort("127.0.130.126:18081")
	snapshot := func(targets ...Target) *Snapshot {
		return &Snapshot{Listeners: []Listener{{Address: addr, Rules: []Rule{{Action: Action{Type: ActionForward,
			Forward: []WeightedGroup{{Group: TargetGroup{ID: "tg", Targets: targets}}}}}}}}}
	}
	ta := Target{Key: backendA.String(), Address: backendA, State: StateHealthy}
	tb := Target{Key: backendB.String(), Address: backendB, State: StateHealthy}
	if err := a.Update(snapshot(ta, tb)); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	send := func(n int) map[string]int {
		answers := map[string]int{}
		for range n {
			code, body := get(t, c, "http://"+addr.String()+"/")
			if code != http.StatusOK {
				t.Fatalf("GET: %d %q", code, body)
			}
			answers[body]++
		}
		return answers
	}
	counts := func() (group uint64, targets map[string]uint64) {
		for _, rc := range a.RequestCounts() {
			if rc.Listener == addr && rc.TargetGroup == "tg" {
				group = rc.Requests
			}
		}
		targets = map[string]uint64{}
		for _, tc := range a.TargetRequestCounts() {
			if tc.Listener != addr || tc.TargetGroup != "tg" {
				t.Fatalf("a counter of another listener or group: %+v", tc)
			}
			targets[tc.Target] = tc.Requests
		}
		return group, targets
	}

	answers := send(20)
	group, targets := counts()
	want := map[string]uint64{ta.Key: uint64(answers["a"]), tb.Key: uint64(answers["b"])}
	if group != 20 || !maps.Equal(targets, want) || answers["a"] != 10 {
		t.Fatalf("after 20 requests answered %v: group %d, targets %v", answers, group, targets)
	}

	// b leaves the group: its counter goes, a's keeps counting.
	if err := a.Update(snapshot(ta)); err != nil {
		t.Fatal(err)
	}
	send(4)
	group, targets = counts()
	if group != 24 || !maps.Equal(targets, map[string]uint64{ta.Key: 14}) {
		t.Fatalf("after b left and 4 more requests: group %d, targets %v", group, targets)
	}

	// b comes back: from 0.
	if err := a.Update(snapshot(ta, tb)); err != nil {
		t.Fatal(err)
	}
	answers = send(2)
	group, targets = counts()
	if group != 26 || targets[ta.Key] != 14+uint64(answers["a"]) || targets[tb.Key] != uint64(answers["b"]) || len(targets) != 2 {
		t.Fatalf("after b came back and 2 requests answered %v: group %d, targets %v", answers, group, targets)
	}
}

// BenchmarkTargetCount is what counting a request on its target adds to
// forwarding it: the group's counter and round robin pick as before
// ("pick"), then the target's counter too ("pick+count"), on one core and
// on both at once (two targets, their counters on cache lines of their
// own; the group's line is shared either way).
func BenchmarkTargetCount(b *testing.B) {
	counters := new(groupCounters)
	g := buildGroup(&TargetGroup{ID: "tg", Targets: []Target{{Key: "a", State: StateHealthy}, {Key: "b", State: StateHealthy}}},
		func(*Target) *targetPool { return nil }, counters)
	g.counters = counters
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	serve := func(count bool) {
		g.counters.requests.Add(1)
		t := g.pickTarget(r)
		if count {
			t.counter.requests.Add(1)
		}
	}
	for _, bc := range []struct {
		name  string
		count bool
	}{{"pick", false}, {"pick+count", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(bc.count)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serve(bc.count)
				}
			})
		})
	}
}
