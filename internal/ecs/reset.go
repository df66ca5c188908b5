package ecs

import (
	"context"
	"fmt"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// stopReasonReset is the reason of tasks stopped by a reset of the
// server's state (POST /_portolan/reset).
const stopReasonReset = "Stopped by a reset of Portolan's state"

// StopEveryTask asks every task that is not stopped to stop, in batched
// transactions, and waits until the agent reports them all STOPPED or ctx
// ends. Callers first remove the services, so that nothing launches
// replacements.
func (c *Control) StopEveryTask(ctx context.Context) error {
	kvs, _, err := c.st.List(ctx, TaskPrefix)
	if err != nil {
		return err
	}
	now := awsapi.Now()
	var txn store.Txn
	flush := func() error {
		if len(txn.Then) == 0 {
			return nil
		}
		_, err := c.st.Commit(ctx, txn)
		txn = store.Txn{}
		return err
	}
	for _, kv := range kvs {
		rec := store.DecodeJSON[TaskRecord](kv.Value)
		if rec == nil || rec.DesiredStatus == StatusStopped {
			continue
		}
		rec.DesiredStatus, rec.StopCode, rec.StoppedReason, rec.StoppingAt = StatusStopped, StopCodeUserInitiated, stopReasonReset, &now
		txn.If = append(txn.If, store.Unchanged(kv))
		txn.Then = append(txn.Then, store.Put(kv.Key, store.JSON(rec)))
		if len(txn.Then) == 100 { // under etcd's default --max-txn-ops
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("stop tasks: %w (a task changed under the reset; reset again)", err)
	}
	for {
		views, err := c.taskViews(ctx, TaskPrefix, TaskStatusPrefix)
		if err != nil {
			return err
		}
		left := 0
		for _, v := range views {
			if v.t.LastStatus != StatusStopped {
				left++
			}
		}
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d tasks still stopping: %w", left, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
