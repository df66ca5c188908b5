package dataplane

import (
	"maps"

	"github.com/portolan/portolan/internal/elbv2"
)

// verdicts are the health checker's verdicts the data plane serves before
// the control plane's snapshot carries them: a target that turns healthy
// takes traffic as soon as the checker says so, not once the verdict is
// written to the store and back (an fsync, tens of milliseconds on a busy
// disk). Each is kept until a snapshot agrees with it or no longer has
// its target (or has it draining).
type verdicts map[verdictKey]elbv2.TargetHealth

type verdictKey struct{ targetGroupArn, targetKey string }

// prune forgets the verdicts snap has caught up with.
func (v verdicts) prune(snap *elbv2.Snapshot) {
	for k, h := range v {
		t := findTarget(snap, k)
		if t == nil || t.Draining || (t.HealthKnown && sameHealth(t.Health, h)) {
			delete(v, k)
		}
	}
}

func findTarget(snap *elbv2.Snapshot, k verdictKey) *elbv2.TargetView {
	tg := snap.TargetGroups[k.targetGroupArn]
	if tg == nil {
		return nil
	}
	for _, t := range tg.Targets {
		if targetKey(t) == k.targetKey {
			return t
		}
	}
	return nil
}

func sameHealth(a, b elbv2.TargetHealth) bool {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return a.State == b.State && deref(a.Reason) == deref(b.Reason)
}

// over is snap with the verdicts in place of the health it records. snap
// is shared and never modified: the groups and targets a verdict changes
// are copies.
func (v verdicts) over(snap *elbv2.Snapshot) *elbv2.Snapshot {
	if len(v) == 0 {
		return snap
	}
	out := *snap
	out.TargetGroups = maps.Clone(snap.TargetGroups)
	for k, h := range v {
		tg := out.TargetGroups[k.targetGroupArn]
		if tg == nil {
			continue
		}
		if tg == snap.TargetGroups[k.targetGroupArn] {
			copied := *tg
			copied.Targets = append([]*elbv2.TargetView(nil), tg.Targets...)
			tg = &copied
			out.TargetGroups[k.targetGroupArn] = tg
		}
		for i, t := range tg.Targets {
			if targetKey(t) == k.targetKey && !t.Draining {
				changed := *t
				changed.Health, changed.HealthKnown = h, true
				tg.Targets[i] = &changed
			}
		}
	}
	return &out
}
