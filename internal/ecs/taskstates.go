package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// TaskStates is the agent's side of the tasks: what the control plane asks
// of each one (its TaskRecord) and what the node observes of it (its
// TaskStatus, of which the agent is the only writer). The store layout
// stays inside this package.
type TaskStates struct {
	st store.Store
	// fence, once the agent has registered its node (Register), is the
	// condition of every status write: the node's live key at the epoch
	// it registered with.
	fence atomic.Pointer[store.Cmp]
}

// ErrFenced says a status write was refused because the agent's node
// lease has ended: the control plane may have given its tasks up.
var ErrFenced = errors.New("ecs: this node's lease has ended")

// NewTaskStates returns the task states kept in st.
func NewTaskStates(st store.Store) *TaskStates { return &TaskStates{st: st} }

// Follow hands fn the task records until ctx ends: every record when
// listed (at the start and every resync), then each record as it changes.
// Records that cannot be decoded are logged and skipped.
func (t *TaskStates) Follow(ctx context.Context, resync time.Duration, log *slog.Logger, fn func(ctx context.Context, recs []*TaskRecord, listed bool)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return store.Follow(ctx, t.st, TaskPrefix, resync, log, func(ctx context.Context, u store.Update) time.Time {
		var recs []*TaskRecord
		for kv := range u.Puts {
			var rec TaskRecord
			if err := json.Unmarshal(kv.Value, &rec); err != nil {
				log.Error("undecodable task record", "key", kv.Key, "err", err)
				continue
			}
			recs = append(recs, &rec)
		}
		fn(ctx, recs, u.Listed)
		return time.Time{}
	})
}

// Record returns a task's record, or nil when there is none.
func (t *TaskStates) Record(ctx context.Context, cluster, id string) (*TaskRecord, error) {
	rec, _, err := store.GetJSON[TaskRecord](ctx, t.st, taskKey(cluster, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}

// Status returns what was last observed of a task; a task never observed
// has an empty status.
func (t *TaskStates) Status(ctx context.Context, cluster, id string) (*TaskStatus, error) {
	st, _, err := store.GetJSON[TaskStatus](ctx, t.st, taskStatusKey(cluster, id))
	if errors.Is(err, store.ErrNotFound) {
		return &TaskStatus{}, nil
	}
	return st, err
}

// PutStatus records what the node observes of a task.
func (t *TaskStates) PutStatus(ctx context.Context, rec *TaskRecord, st *TaskStatus) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	txn := store.Txn{Then: []store.Op{store.Put(taskStatusKey(rec.Cluster, rec.TaskID), b)}}
	if f := t.fence.Load(); f != nil {
		txn.If = []store.Cmp{*f}
	}
	_, err = t.st.Commit(ctx, txn)
	if errors.Is(err, store.ErrConflict) {
		return ErrFenced
	}
	return err
}

// ObservedTask is one task's last observed status.
type ObservedTask struct {
	Cluster, TaskID string
	Status          TaskStatus
}

// Observed lists every task's last observed status.
func (t *TaskStates) Observed(ctx context.Context) ([]ObservedTask, error) {
	kvs, _, err := t.st.List(ctx, TaskStatusPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]ObservedTask, 0, len(kvs))
	for _, kv := range kvs {
		var o ObservedTask
		if json.Unmarshal(kv.Value, &o.Status) != nil {
			continue
		}
		o.Cluster, o.TaskID, _ = strings.Cut(strings.TrimPrefix(kv.Key, TaskStatusPrefix), "/")
		out = append(out, o)
	}
	return out, nil
}

// ForgetStopped removes the tasks STOPPED before cutoff, record and
// status, as ECS stops showing stopped tasks after about an hour.
func (t *TaskStates) ForgetStopped(ctx context.Context, cutoff time.Time) error {
	observed, err := t.Observed(ctx)
	if err != nil {
		return err
	}
	var ops []store.Op
	for _, o := range observed {
		if st := o.Status; st.Stopped() && st.StoppedAt != nil && st.StoppedAt.Time().Before(cutoff) {
			ops = append(ops, store.Delete(taskStatusKey(o.Cluster, o.TaskID)), store.Delete(taskKey(o.Cluster, o.TaskID)))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	_, err = t.st.Commit(ctx, store.Txn{Then: ops})
	return err
}
