package proxy

import (
	"fmt"
	"math"
	"net/netip"
	"testing"
)

func groups(weights ...int) *Listener {
	l := &Listener{Protocol: "TCP"}
	for i, w := range weights {
		l.TargetGroups = append(l.TargetGroups, TargetGroup{
			ID: fmt.Sprint("tg-", i), Weight: w,
			Targets: []Target{{Key: fmt.Sprint("t", i), Address: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 80), State: StateHealthy}},
		})
	}
	return l
}

func TestWeightedTargetGroups(t *testing.T) {
	tests := []struct {
		weights []int
		want    []float64 // share of flows per group
	}{
		{[]int{1}, []float64{1}},
		{[]int{0, 0}, []float64{0.5, 0.5}}, // unset weights: equal
		{[]int{3, 1}, []float64{0.75, 0.25}},
		{[]int{1, 0}, []float64{1, 0}},
	}
	for _, tt := range tests {
		r := buildRoute(groups(tt.weights...), func(*TargetGroup, *Target) (*life, *flowCounter) { return nil, nil })
		counts := map[string]int{}
		const flows = 20000
		for port := range flows {
			t := r.pick(flowHash(netip.AddrPortFrom(netip.MustParseAddr("192.0.2.7"), uint16(port))))
			counts[t.address]++
		}
		for i, share := range tt.want {
			got := float64(counts[fmt.Sprintf("10.0.0.%d:80", i)]) / flows
			if math.Abs(got-share) > 0.03 {
				t.Errorf("weights %v: group %d got %.3f of flows, want %.2f", tt.weights, i, got, share)
			}
		}
	}
}

func TestFlowHashIsStableAndAllocationFree(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.7:51234")
	first, again := flowHash(client), flowHash(netip.AddrPortFrom(client.Addr(), client.Port()))
	if first != again {
		t.Fatal("flowHash is not deterministic")
	}
	if flowHash(client) == flowHash(netip.MustParseAddrPort("192.0.2.7:51235")) {
		t.Error("the client port does not change the flow hash")
	}
	r := buildRoute(groups(1, 1), func(*TargetGroup, *Target) (*life, *flowCounter) { return nil, nil })
	if n := testing.AllocsPerRun(100, func() { r.pick(flowHash(client)) }); n != 0 {
		t.Errorf("choosing a target allocates %v times", n)
	}
	var none *route
	if none.pick(1) != nil || buildRoute(&Listener{}, nil).pick(1) != nil {
		t.Error("a route without targets picked one")
	}
}
