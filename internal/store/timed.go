package store

import (
	"context"
	"time"
)

// Timed returns st with each successful Commit's duration (queueing and
// durability included: what a caller waits) told to committed, whatever
// the backend: the store's write latency metric.
func Timed(st Store, committed func(time.Duration)) Store {
	return timed{Store: st, committed: committed}
}

type timed struct {
	Store
	committed func(time.Duration)
}

func (t timed) Commit(ctx context.Context, txn Txn) (int64, error) {
	start := time.Now()
	rev, err := t.Store.Commit(ctx, txn)
	if err == nil {
		t.committed(time.Since(start))
	}
	return rev, err
}
