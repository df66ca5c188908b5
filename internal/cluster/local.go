package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// Local is the cluster of one process on the embedded store: nothing else
// can write its file, so its leases never expire and it always leads.
type Local struct {
	Store store.Store
}

func (l *Local) TTL() time.Duration { return DefaultTTL }

func (l *Local) Grant(context.Context) (Lease, error) { return &localLease{st: l.Store}, nil }

func (l *Local) Lead(ctx context.Context, _ string, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

type localLease struct {
	st   store.Store
	mu   sync.Mutex
	keys []string
}

func (l *localLease) Put(ctx context.Context, key string, value []byte) (int64, error) {
	rev, err := l.st.Commit(ctx, store.Txn{Then: []store.Op{store.Put(key, value)}})
	if err == nil {
		l.mu.Lock()
		l.keys = append(l.keys, key)
		l.mu.Unlock()
	}
	return rev, err
}

// Lost never closes: a nil channel blocks forever.
func (l *localLease) Lost() <-chan struct{} { return nil }

func (l *localLease) Revoke(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ops []store.Op
	for _, k := range l.keys {
		ops = append(ops, store.Delete(k))
	}
	l.keys = nil
	_, err := l.st.Commit(ctx, store.Txn{Then: ops})
	return err
}
