package cluster

import (
	"context"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// DefaultTTL is how long a process that stops renewing its lease stays a
// member: its agent's node is then lost, its leadership passes on.
const DefaultTTL = 10 * time.Second

// Lease is a process's membership in the cluster.
type Lease interface {
	// Put writes key (a store key) under the lease, and returns the
	// revision of the write: the key's epoch, until the lease ends.
	Put(ctx context.Context, key string, value []byte) (int64, error)
	// Lost closes once the lease has expired: what was put under it is
	// gone, and others may act on that.
	Lost() <-chan struct{}
	// Revoke ends the lease at once (a clean shutdown), removing its keys.
	Revoke(ctx context.Context) error
}

// Cluster grants leases and elects the controller.
type Cluster interface {
	// Grant starts a lease of the cluster's TTL, renewed until it is
	// revoked or the process dies.
	Grant(ctx context.Context) (Lease, error)
	// Lead campaigns as id and runs fn while this process leads; when the
	// leadership is lost, fn's context ends and the process campaigns
	// again. It returns when ctx ends, or with fn's error.
	Lead(ctx context.Context, id string, fn func(ctx context.Context) error) error
	// TTL is how long a lease outlives its last renewal.
	TTL() time.Duration
}

// For returns the cluster the store's processes form: etcd's leases and
// election when the store is on etcd, Local otherwise.
func For(st store.Store, ttl time.Duration) Cluster {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if e, ok := st.(*store.Etcd); ok {
		return NewEtcd(e, ttl)
	}
	return &Local{Store: st}
}
