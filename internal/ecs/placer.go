package ecs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// StopCodeTerminationNotice is the stop code of the tasks of a lost node.
const StopCodeTerminationNotice = "TerminationNotice"

// Placer is the controller's half of the nodes: it places the tasks that
// fitted nowhere when they were created, once a node has room, and gives
// up the tasks of a node whose lease expired (STOPPED, so that their
// services replace them on live nodes and their registrations go). It is
// level-triggered like the Scheduler, and runs on the elected controller
// only.
type Placer struct {
	c      *Control
	log    *slog.Logger
	resync time.Duration
}

// NewPlacer returns a placer; Run starts it.
func NewPlacer(c *Control, log *slog.Logger) *Placer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Placer{c: c, log: log, resync: 5 * time.Second}
}

// Run passes on every change to nodes or tasks, and every few seconds.
func (p *Placer) Run(ctx context.Context) error {
	return store.Follow(ctx, p.c.st, keyPrefix, 0, p.log, func(ctx context.Context, u store.Update) time.Time {
		if u.Events == nil || u.Listed || placerConcerns(u.Events) {
			if err := p.pass(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("placement pass", "err", err)
			}
		}
		return time.Now().Add(p.resync)
	})
}

func placerConcerns(batch []store.Event) bool {
	for _, ev := range batch {
		k := ev.KV.Key
		if strings.HasPrefix(k, NodePrefix) || strings.HasPrefix(k, NodeLivePrefix) || strings.HasPrefix(k, nodeStatePrefix) ||
			strings.HasPrefix(k, TaskPrefix) || strings.HasPrefix(k, TaskStatusPrefix) {
			return true
		}
	}
	return false
}

func (p *Placer) pass(ctx context.Context) error {
	nodes, err := p.c.nodes(ctx)
	if err != nil || len(nodes) == 0 {
		return err
	}
	lost := map[string]*nodeView{}
	for _, n := range nodes {
		if !n.Connected {
			lost[n.ID] = n
		}
	}
	views, err := p.c.taskViews(ctx, TaskPrefix, TaskStatusPrefix)
	if err != nil {
		return err
	}
	var errs []error
	var unplaced []taskView
	for _, v := range views {
		switch {
		case v.st.Stopped():
		case lost[v.rec.ContainerInstance] != nil:
			errs = append(errs, p.giveUp(ctx, v, lost[v.rec.ContainerInstance]))
		case v.rec.ContainerInstance == "" && v.rec.DesiredStatus != StatusStopped && v.st == nil:
			unplaced = append(unplaced, v)
		}
	}
	if len(unplaced) > 0 {
		errs = append(errs, p.place(ctx, unplaced))
	}
	return errors.Join(errs...)
}

// giveUp stops a lost node's task for good: its record and its status
// both say STOPPED (the agent that would write the status is gone), on
// condition that the node is still lost. Should the node come back, its
// agent finds the task STOPPED and stops what it still runs of it.
func (p *Placer) giveUp(ctx context.Context, v taskView, n *nodeView) error {
	reason := "Host EC2 (instance " + n.Name + ") stopped/terminated."
	p.log.Info("node lost: stopping its task", "taskArn", v.rec.TaskArn, "node", n.Name)
	return p.c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[TaskRecord](ctx, p.c.st, taskKey(v.rec.Cluster, v.rec.TaskID))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, nil
		} else if err != nil {
			return store.Txn{}, err
		}
		st, stKV, err := store.GetJSON[TaskStatus](ctx, p.c.st, taskStatusKey(rec.Cluster, rec.TaskID))
		if errors.Is(err, store.ErrNotFound) {
			st, stKV = &TaskStatus{}, store.KV{Key: taskStatusKey(rec.Cluster, rec.TaskID)}
		} else if err != nil {
			return store.Txn{}, err
		}
		if st.Stopped() {
			return store.Txn{}, nil
		}
		now := awsapi.Now()
		if rec.DesiredStatus != StatusStopped {
			rec.DesiredStatus, rec.StopCode, rec.StoppedReason, rec.StoppingAt = StatusStopped, StopCodeTerminationNotice, reason, &now
		}
		for i := range st.Containers {
			if st.Containers[i].LastStatus != StatusStopped {
				st.Containers[i].LastStatus, st.Containers[i].Reason = StatusStopped, reason
			}
		}
		st.LastStatus, st.StopCode, st.StoppedReason = StatusStopped, StopCodeTerminationNotice, reason
		st.StoppingAt, st.StoppedAt, st.ExecutionStoppedAt = &now, &now, &now
		st.Version++
		return store.Txn{
			If:   []store.Cmp{store.Absent(nodeLiveKey(n.ID)), store.Unchanged(kv), store.Unchanged(stKV)},
			Then: []store.Op{store.Put(kv.Key, store.JSON(rec)), store.Put(stKV.Key, store.JSON(st))},
		}, nil
	})
}

// place places tasks created when nothing fitted. Those that still fit
// nowhere stay PENDING; their services say why in an event, as ECS does.
func (p *Placer) place(ctx context.Context, views []taskView) error {
	pl, err := p.c.newPlacing(ctx)
	if err != nil {
		return err
	}
	var errs []error
	reasons := map[string]string{} // service key → reason
	for _, v := range views {
		rec := *v.rec
		node, reason := pl.place(&rec)
		if node == "" {
			if name, ok := strings.CutPrefix(rec.Group, "service:"); ok {
				reasons[serviceKey(rec.Cluster, name)] = reason
			}
			continue
		}
		errs = append(errs, p.c.commit(ctx, func() (store.Txn, error) {
			cur, kv, err := store.GetJSON[TaskRecord](ctx, p.c.st, taskKey(rec.Cluster, rec.TaskID))
			if err != nil || cur.ContainerInstance != "" || cur.DesiredStatus == StatusStopped {
				return store.Txn{}, ignoreNotFound(err)
			}
			cur.ContainerInstance, cur.AvailabilityZone = node, rec.AvailabilityZone
			return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(cur))}}, nil
		}))
	}
	for key, reason := range reasons {
		kv, err := p.c.st.Get(ctx, key)
		if err != nil {
			errs = append(errs, ignoreNotFound(err))
			continue
		}
		errs = append(errs, p.c.recordPass(ctx, kv, nil, []string{"was unable to place a task because no container instance met all of its requirements. Reason: " + reason}))
	}
	return errors.Join(errs...)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
