package template

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestChanges(t *testing.T) {
	// Deployed: A <- B <- C, and D. New template: A changes type, B and C
	// are gone, D stays, E is new and depends on D.
	deployed := map[string]DeployedResource{
		"A": {Type: "T::Old", PhysicalID: "a-1"},
		"B": {Type: "T::B", PhysicalID: "b-1", DependsOn: []string{"A"}},
		"C": {Type: "T::C", PhysicalID: "c-1", DependsOn: []string{"B"}, DeletionPolicy: "Retain"},
		"D": {Type: "T::D", PhysicalID: "d-1", Properties: map[string]any{"X": 1.0}},
	}
	src := `
Resources:
  A: {Type: T::New}
  D: {Type: T::D, Properties: {X: 1}}
  E: {Type: T::E, Properties: {D: !Ref D}}
`
	pl, err := mustParse(t, src).Plan(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := pl.Changes(deployed)
	type step struct {
		id     string
		action Action
	}
	var apply, cleanup []step
	for _, c := range cs.Apply {
		apply = append(apply, step{c.LogicalID, c.Action})
	}
	for _, c := range cs.Cleanup {
		cleanup = append(cleanup, step{c.LogicalID, c.Action})
	}
	wantApply := []step{{"A", ActionReplace}, {"D", ActionUpdate}, {"E", ActionCreate}}
	wantCleanup := []step{{"C", ActionDelete}, {"B", ActionDelete}, {"A", ActionDelete}}
	if !slices.Equal(apply, wantApply) {
		t.Errorf("apply = %v, want %v", apply, wantApply)
	}
	if !slices.Equal(cleanup, wantCleanup) {
		t.Errorf("cleanup = %v, want %v", cleanup, wantCleanup)
	}
	if c := cs.Cleanup[2]; c.Previous.PhysicalID != "a-1" || c.Type != "T::Old" {
		t.Errorf("replaced A cleanup = %+v, previous %+v", c, c.Previous)
	}
	if c := cs.Cleanup[0]; c.Previous.DeletionPolicy != "Retain" {
		t.Errorf("C keeps its DeletionPolicy for the deployer: %+v", c.Previous)
	}
	if cs.Apply[1].Previous.PhysicalID != "d-1" {
		t.Errorf("update carries the deployed resource: %+v", cs.Apply[1].Previous)
	}

	// D's properties resolve to what was deployed: the deployer skips it.
	r := pl.NewResolver()
	props, err := r.ResolveProperties("D")
	if err != nil {
		t.Fatal(err)
	}
	if !PropertiesEqual(deployed["D"].Properties, props) {
		t.Errorf("D should be unchanged: %v vs %v", deployed["D"].Properties, props)
	}
}

// A resource whose condition turns false is deleted on the next deploy.
func TestChangesConditionTurnsFalse(t *testing.T) {
	src := `
Parameters: {On: {Type: String, Default: "yes"}}
Conditions: {Enabled: !Equals [!Ref On, "yes"]}
Resources:
  Base: {Type: T::Base}
  Opt: {Type: T::Opt, Condition: Enabled, Properties: {B: !Ref Base}}
`
	tm := mustParse(t, src)
	pl, err := planWith(tm, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := deployAll(t, pl)
	state := map[string]DeployedResource{}
	for _, res := range pl.Resources {
		props, _ := r.ResolveProperties(res.LogicalID)
		if state[res.LogicalID], err = r.Deployed(res.LogicalID, props); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(state["Opt"].DependsOn, []string{"Base"}) {
		t.Fatalf("deployed Opt.DependsOn = %v", state["Opt"].DependsOn)
	}
	off, err := planWith(tm, map[string]string{"On": "no"})
	if err != nil {
		t.Fatal(err)
	}
	cs := off.Changes(state)
	if len(cs.Cleanup) != 1 || cs.Cleanup[0].LogicalID != "Opt" || cs.Cleanup[0].Previous.PhysicalID != "phys-Opt" {
		t.Errorf("cleanup = %+v", cs.Cleanup)
	}
}

func TestDeletionOrder(t *testing.T) {
	tests := []struct {
		name     string
		deployed map[string]DeployedResource
		want     []string
	}{
		{"chain", map[string]DeployedResource{
			"Vpc":    {},
			"Subnet": {DependsOn: []string{"Vpc"}},
			"Svc":    {DependsOn: []string{"Subnet", "Vpc"}},
		}, []string{"Svc", "Subnet", "Vpc"}},
		{"independent by id", map[string]DeployedResource{"B": {}, "A": {}, "C": {}}, []string{"A", "B", "C"}},
		{"dependencies outside the set are ignored", map[string]DeployedResource{
			"A": {DependsOn: []string{"Gone"}},
			"B": {DependsOn: []string{"A", "B"}},
		}, []string{"B", "A"}},
		{"a cycle is not dropped", map[string]DeployedResource{
			"X": {DependsOn: []string{"Y"}},
			"Y": {DependsOn: []string{"X"}},
			"Z": {DependsOn: []string{"X"}},
			"W": {},
		}, []string{"W", "Z", "X", "Y"}},
		{"empty", nil, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DeletionOrder(tc.deployed)
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("DeletionOrder = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPropertiesEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b map[string]any
		want bool
	}{
		{"identical", map[string]any{"A": "x"}, map[string]any{"A": "x"}, true},
		{"int and string", map[string]any{"Cpu": int64(512)}, map[string]any{"Cpu": "512"}, true},
		{"int and float from JSON", map[string]any{"Port": int64(8080)}, map[string]any{"Port": 8080.0}, true},
		{"Go int", map[string]any{"Port": 8080}, map[string]any{"Port": int64(8080)}, true},
		{"json.Number", map[string]any{"N": json.Number("1.5")}, map[string]any{"N": 1.5}, true},
		{"bool and string", map[string]any{"On": true}, map[string]any{"On": "true"}, true},
		{"2.0 float is 2", map[string]any{"N": 2.0}, map[string]any{"N": "2"}, true},
		{"strings are not parsed", map[string]any{"N": "2.0"}, map[string]any{"N": int64(2)}, false},
		{"leading zero string", map[string]any{"N": "02"}, map[string]any{"N": int64(2)}, false},
		{"different", map[string]any{"A": "x"}, map[string]any{"A": "y"}, false},
		{"missing key", map[string]any{"A": "x"}, map[string]any{}, false},
		{"null counts as absent", map[string]any{"A": nil}, map[string]any{}, true},
		{"both nil maps", nil, nil, true},
		{"nil and empty", nil, map[string]any{}, true},
		{"list order matters", map[string]any{"L": []any{"a", "b"}}, map[string]any{"L": []any{"b", "a"}}, false},
		{"[]string and []any", map[string]any{"L": []string{"a"}}, map[string]any{"L": []any{"a"}}, true},
		{"nested", map[string]any{"M": map[string]any{"K": []any{int64(1), map[string]any{"Z": true}}}},
			map[string]any{"M": map[string]any{"K": []any{1.0, map[string]any{"Z": "true"}}}}, true},
		{"nested differs", map[string]any{"M": map[string]any{"K": []any{1}}}, map[string]any{"M": map[string]any{"K": []any{2}}}, false},
		{"list and scalar", map[string]any{"A": []any{"x"}}, map[string]any{"A": "x"}, false},
		{"empty list is not absent", map[string]any{"A": []any{}}, map[string]any{}, false},
		{"empty string is not null", map[string]any{"A": ""}, map[string]any{"A": nil}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PropertiesEqual(tc.a, tc.b); got != tc.want {
				t.Errorf("PropertiesEqual(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := PropertiesEqual(tc.b, tc.a); got != tc.want {
				t.Errorf("not symmetric: PropertiesEqual(%v, %v) = %v", tc.b, tc.a, got)
			}
		})
	}
}
