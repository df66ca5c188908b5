package ecs

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/store"
)

// What a task's registrars (Cloud Map instances in ecs/discovery, target
// group targets in ecs/loadbalancing) must agree on: when a task serves,
// when it is done with serving, and when its going needs a drain. Both
// read the same lifecycle, so the predicates live beside it.

// PastServing says whether a task's lifecycle has gone beyond serving.
// Once there it never comes back, so a stale reading of it is still true.
func PastServing(lastStatus string) bool {
	switch lastStatus {
	case StatusDeactivating, StatusStopping, StatusDeprovisioning, StatusStopped:
		return true
	}
	return false
}

// Finished says whether the task is done serving: it is wanted stopped,
// stopped on its own, or its lifecycle is past serving.
func (t *TaskState) Finished() bool {
	if t.Record.DesiredStatus == StatusStopped {
		return true
	}
	return t.Status != nil && (t.Status.StopCode != "" || PastServing(t.Status.LastStatus))
}

// Serves says whether the task is RUNNING, wanted, and not stopping on its
// own.
func (t *TaskState) Serves() bool {
	return t.Record.DesiredStatus == StatusRunning && t.Status != nil && t.Status.StopCode == "" &&
		t.Status.LastStatus == StatusRunning && t.Status.StartedAt != nil
}

// NeedsDrain says whether the task ran and an essential container still
// does: only then is there a client or connection to drain.
func NeedsDrain(rec *TaskRecord, st *TaskStatus) bool {
	if st == nil || st.StartedAt == nil {
		return false
	}
	for _, cs := range st.Containers {
		if cs.LastStatus != StatusRunning {
			continue
		}
		for _, cd := range rec.Definition.ContainerDefinitions {
			if cd.Name == cs.Name && cd.IsEssential() {
				return true
			}
		}
	}
	return false
}

// TaskReader reads one task afresh; *Control implements it.
type TaskReader interface {
	Task(ctx context.Context, cluster, id string) (*Task, error)
}

// StillServing reads the task afresh and says whether it is still wanted
// and RUNNING; a task gone from the store is not.
func StillServing(ctx context.Context, tasks TaskReader, cluster, id string) (bool, error) {
	task, err := tasks.Task(ctx, cluster, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return task.DesiredStatus == StatusRunning && task.LastStatus == StatusRunning, nil
}
