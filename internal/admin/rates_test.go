package admin

import (
	"maps"
	"testing"
	"time"
)

// TestRateMeter: rates are the counters' growth over the time since the
// oldest reading still in the window; a series new since then counts from
// 0, a counter that went down counts as 0, and readings older than the
// window stop counting.
func TestRateMeter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	reading := func(at time.Duration, routes map[string]float64) counters {
		return counters{at: t0.Add(at), routes: routes, cloudMapServices: map[string]float64{}, instances: map[string]float64{}}
	}
	var m rateMeter
	if r := m.rates(reading(0, map[string]float64{"a GET /": 100, "a GET /x": 50})); len(r.Routes) != 0 {
		t.Fatalf("rates from one reading: %v", r.Routes)
	}
	steps := []struct {
		at     time.Duration
		routes map[string]float64
		want   map[string]float64
	}{
		{2 * time.Second, map[string]float64{"a GET /": 120, "a GET /x": 40, "a GET /new": 6}, map[string]float64{"a GET /": 10, "a GET /x": 0, "a GET /new": 3}},
		{4 * time.Second, map[string]float64{"a GET /": 140}, map[string]float64{"a GET /": 10}},
		// At 12 s the reading at 2 s is 10 s old: the one at 0 s drops out.
		{12 * time.Second, map[string]float64{"a GET /": 120 + 10*5}, map[string]float64{"a GET /": 5}},
	}
	for _, s := range steps {
		r := m.rates(reading(s.at, s.routes))
		if !maps.Equal(r.Routes, s.want) {
			t.Errorf("at %v: %v, want %v", s.at, r.Routes, s.want)
		}
	}
}

// TestRateMeterLoadBalancers: a target's requests and new connections are
// rates like the others; its open connections are shown as last read,
// from the first reading on.
func TestRateMeterLoadBalancers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const k = "127.0.100.1:80 arn:tg 10.0.0.1:8080"
	var m rateMeter
	r := m.rates(counters{at: t0, targets: map[string]float64{k: 10}, newFlows: map[string]float64{k: 4}, activeFlows: map[string]float64{k: 3}})
	if len(r.Targets) != 0 || len(r.NewFlows) != 0 || r.ActiveFlows[k] != 3 {
		t.Fatalf("from one reading: %+v", r)
	}
	r = m.rates(counters{at: t0.Add(2 * time.Second), targets: map[string]float64{k: 30}, newFlows: map[string]float64{k: 10}, activeFlows: map[string]float64{k: 1}})
	if r.Targets[k] != 10 || r.NewFlows[k] != 3 || r.ActiveFlows[k] != 1 {
		t.Fatalf("after 2 s: targets %v, new flows %v, active %v", r.Targets, r.NewFlows, r.ActiveFlows)
	}
}
