package ecs

import (
	"fmt"
	"strings"
	"testing"
)

func testPlacing(nodes ...*nodeView) *placing {
	p := &placing{all: nodes, load: loads{}, groups: map[string]map[string]int{}}
	for _, n := range nodes {
		if n.Connected && n.Status == InstanceActive {
			p.nodes = append(p.nodes, n)
		}
	}
	return p
}

func testNode(name, zone string, cpu, mem int) *nodeView {
	return &nodeView{Node: Node{ID: name, Name: name, Zone: zone, OSType: "linux", CPU: cpu, Memory: mem}, Connected: true, Status: InstanceActive}
}

func testTask(group string, cpu, mem int, pl *Placement) *TaskRecord {
	return &TaskRecord{Cluster: "c", Group: group, Definition: TaskDefinition{Cpu: fmt.Sprint(cpu), Memory: fmt.Sprint(mem)}, Placement: pl}
}

func placeN(t *testing.T, p *placing, n int, rec *TaskRecord) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		node, reason := p.place(rec)
		if node == "" {
			got["none: "+reason]++
			continue
		}
		got[node]++
	}
	return got
}

// The default spreads across zones first, then nodes: with two nodes in
// zone a and one in b, 4 tasks go 2 to b and 1 to each node of a.
func TestPlacementSpreadsZonesThenNodes(t *testing.T) {
	p := testPlacing(testNode("a1", "a", 4096, 4096), testNode("a2", "a", 4096, 4096), testNode("b1", "b", 4096, 4096))
	got := placeN(t, p, 4, testTask("service:web", 256, 512, nil))
	if got["b1"] != 2 || got["a1"] != 1 || got["a2"] != 1 {
		t.Fatalf("placed %v", got)
	}
}

func TestPlacementStrategiesAndConstraints(t *testing.T) {
	for _, tc := range []struct {
		name string
		pl   *Placement
		n    int
		want func(map[string]int) bool
	}{
		{"binpack memory fills one node first", &Placement{Strategy: []PlacementStrategy{{Type: "binpack", Field: "memory"}}}, 3,
			func(m map[string]int) bool { return len(m) == 1 && m["none: "] == 0 }},
		{"spread instanceId", &Placement{Strategy: []PlacementStrategy{{Type: "spread", Field: "instanceId"}}}, 3,
			func(m map[string]int) bool { return m["a1"] == 1 && m["a2"] == 1 && m["b1"] == 1 }},
		{"memberOf a zone", &Placement{Constraints: []PlacementConstraint{{Type: "memberOf", Expression: "attribute:ecs.availability-zone == b"}}}, 3,
			func(m map[string]int) bool { return m["b1"] == 3 }},
		{"distinctInstance: one a node, the rest wait", &Placement{Constraints: []PlacementConstraint{{Type: "distinctInstance"}}}, 4,
			func(m map[string]int) bool {
				return m["a1"] == 1 && m["a2"] == 1 && m["b1"] == 1 && m[`none: The closest matching (container-instance a1) encountered error "DistinctInstance placement constraint unsatisfied.".`] == 1
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlacing(testNode("a1", "a", 4096, 4096), testNode("a2", "a", 4096, 4096), testNode("b1", "b", 4096, 4096))
			if got := placeN(t, p, tc.n, testTask("service:web", 256, 512, tc.pl)); !tc.want(got) {
				t.Fatalf("placed %v", got)
			}
		})
	}
}

// A task that fits nowhere gets ECS's reason; drained and lost nodes get
// nothing.
func TestPlacementRefusals(t *testing.T) {
	if _, reason := testPlacing().place(testTask("g", 1, 1, nil)); reason != "No Container Instances were found in your cluster." {
		t.Errorf("no nodes: %q", reason)
	}
	small := testNode("s", "a", 512, 512)
	p := testPlacing(small)
	if _, reason := p.place(testTask("g", 1024, 256, nil)); !strings.Contains(reason, "has insufficient CPU units available") {
		t.Errorf("too much CPU: %q", reason)
	}
	if _, reason := p.place(testTask("g", 256, 1024, nil)); !strings.Contains(reason, "has insufficient memory available") {
		t.Errorf("too much memory: %q", reason)
	}
	if got := placeN(t, p, 3, testTask("g", 256, 256, nil)); got["s"] != 2 || len(got) != 2 {
		t.Errorf("two fit, the third waits: %v", got)
	}
	draining, lost := testNode("d", "a", 4096, 4096), testNode("l", "a", 4096, 4096)
	draining.Status, lost.Connected = InstanceDraining, false
	if node, _ := testPlacing(draining, lost).place(testTask("g", 1, 1, nil)); node != "" {
		t.Errorf("placed on %s", node)
	}
}

func TestValidatePlacement(t *testing.T) {
	for _, bad := range []Placement{
		{Strategy: []PlacementStrategy{{Type: "binpack", Field: "disk"}}},
		{Strategy: []PlacementStrategy{{Type: "spread"}}},
		{Strategy: []PlacementStrategy{{Type: "pack"}}},
		{Constraints: []PlacementConstraint{{Type: "memberOf"}}},
		{Constraints: []PlacementConstraint{{Type: "memberOf", Expression: "zone == a"}}},
		{Constraints: []PlacementConstraint{{Type: "distinctInstance", Expression: "attribute:a exists"}}},
		{Constraints: []PlacementConstraint{{Type: "sameInstance"}}},
	} {
		if err := validatePlacement(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
