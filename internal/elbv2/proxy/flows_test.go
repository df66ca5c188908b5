package proxy

import (
	"net"
	"testing"
	"time"
)

// flowsOf reads p's counters of the listener's group by target name.
func flowsOf(t *testing.T, p *Proxy, targets ...*target) map[string]FlowCount {
	t.Helper()
	out := map[string]FlowCount{}
	for _, c := range p.FlowCounts() {
		for _, tg := range targets {
			if c.Target == tg.addr.String() && c.TargetGroup == "tg-1" {
				out[tg.name] = c
			}
		}
	}
	return out
}

// waitFlows polls p's counters until ok holds of them.
func waitFlows(t *testing.T, p *Proxy, what string, ok func(map[string]FlowCount) bool, targets ...*target) map[string]FlowCount {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := flowsOf(t, p, targets...)
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the counters are %+v", what, got)
		}
	}
}

// TestFlowCounts: every connection the proxy makes to a target counts as
// new and, while open, as active, on the target's counter of its listener
// and group; a deregistered target keeps its counter while its draining
// connections last, and loses it after.
func TestFlowCounts(t *testing.T) {
	a, b := startTarget(t, "a"), startTarget(t, "b")
	addr := freeAddr(t, "127.0.110.15")
	p := startProxy(t)
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateHealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	// Connections held open until both targets have some.
	opened := map[string]int{}
	var conns []*net.TCPConn
	for len(conns) < 8 || opened["a"] == 0 || opened["b"] == 0 {
		c, _, name := connect(t, addr)
		if name == "" {
			t.Fatal("a connection was not greeted")
		}
		opened[name]++
		conns = append(conns, c)
	}
	got := flowsOf(t, p, a, b)
	for _, name := range []string{"a", "b"} {
		if got[name].New != uint64(opened[name]) || got[name].Active != int64(opened[name]) || got[name].Listener != addr {
			t.Errorf("target %s: %+v, want %d new and active on %s", name, got[name], opened[name], addr)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	got = waitFlows(t, p, "all closed", func(m map[string]FlowCount) bool { return m["a"].Active == 0 && m["b"].Active == 0 }, a, b)
	if got["a"].New != uint64(opened["a"]) || got["b"].New != uint64(opened["b"]) {
		t.Errorf("after closing: %+v, want new %v", got, opened)
	}

	// One open connection to b, then b is deregistered: it drains.
	var toB *net.TCPConn
	for toB == nil {
		c, _, name := connect(t, addr)
		if name == "b" {
			toB = c
		} else if c != nil {
			c.Close()
		}
	}
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	if got := flowsOf(t, p, a, b); got["b"].Active != 1 {
		t.Fatalf("a draining target with an open connection: %+v, want 1 active", got["b"])
	}
	toB.Close()
	waitFlows(t, p, "b's connection closed", func(m map[string]FlowCount) bool { return m["b"].Active == 0 }, a, b)
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	if got := flowsOf(t, p, a, b); len(got) != 1 || got["a"].New == 0 {
		t.Fatalf("after b's connections ended: %+v, want a's counter only", got)
	}
}
