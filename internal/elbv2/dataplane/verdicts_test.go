package dataplane

import (
	"testing"

	"github.com/portolan/portolan/internal/elbv2"
)

// Verdicts are served over a snapshot without changing it, and kept only
// until a snapshot agrees with them or no longer has their target in
// rotation.
func TestVerdicts(t *testing.T) {
	target := func(id string, health string, draining bool) *elbv2.TargetView {
		return &elbv2.TargetView{ID: id, Port: 80, Draining: draining, Health: elbv2.TargetHealth{State: health}, HealthKnown: health != ""}
	}
	snap := &elbv2.Snapshot{Revision: 7, TargetGroups: map[string]*elbv2.TargetGroupView{
		"tg":    {ARN: "tg", Targets: []*elbv2.TargetView{target("10.0.0.1", "", false), target("10.0.0.2", "healthy", false), target("10.0.0.3", "", true)}},
		"other": {ARN: "other"},
	}}
	healthy := elbv2.TargetHealth{State: elbv2.HealthHealthy}
	v := verdicts{
		{"tg", "10.0.0.1:80"}:   healthy, // ahead of the snapshot
		{"tg", "10.0.0.2:80"}:   healthy, // the snapshot agrees
		{"tg", "10.0.0.3:80"}:   healthy, // draining: the snapshot wins
		{"tg", "10.0.0.9:80"}:   healthy, // gone
		{"gone", "10.0.0.1:80"}: healthy, // its group gone
	}
	served := v.over(snap)
	if s := targetState(served.TargetGroups["tg"].Targets[0]); s != "healthy" {
		t.Errorf("a verdict ahead of the snapshot: served as %s", s)
	}
	if s := targetState(served.TargetGroups["tg"].Targets[2]); s != "draining" {
		t.Errorf("a draining target: served as %s", s)
	}
	if snap.TargetGroups["tg"].Targets[0].HealthKnown || served.TargetGroups["other"] != snap.TargetGroups["other"] || served.Revision != 7 {
		t.Error("over changed the shared snapshot, or copied what no verdict touches")
	}
	v.prune(snap)
	if len(v) != 1 || v[verdictKey{"tg", "10.0.0.1:80"}].State != elbv2.HealthHealthy {
		t.Errorf("after prune: %v, want only the verdict the snapshot has not caught up with", v)
	}
	if v.over(&elbv2.Snapshot{}) == nil || len(verdicts{}.over(snap).TargetGroups) != 2 {
		t.Error("over a snapshot without the group, or without verdicts")
	}
}
