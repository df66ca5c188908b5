package cluster_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/cluster"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

func openEtcd(t *testing.T, m *etcdtest.Member) *store.Etcd {
	t.Helper()
	st, err := store.OpenEtcd(context.Background(), store.EtcdOptions{Endpoints: []string{m.Client}, Prefix: "lease-test/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A key put under a lease is seen by the store, and vanishes when its
// process stops renewing: a watcher sees the delete within the TTL.
func TestLeaseKeyVanishesWhenNotRenewed(t *testing.T) {
	m := etcdtest.Start(t, "127.0.16.1", t.TempDir())
	st := openEtcd(t, m)
	c := cluster.NewEtcd(st, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lease, err := c.Grant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := lease.Put(ctx, "members/a", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.Get(ctx, "members/a")
	if err != nil || kv.ModRevision != rev {
		t.Fatalf("leased key = %+v, %v; want it at revision %d", kv, err, rev)
	}
	events, err := st.Watch(ctx, "members/", rev)
	if err != nil {
		t.Fatal(err)
	}
	// Revoking is what a clean shutdown does; a kill -9 lets the TTL pass
	// (the multi-node test in internal/server/cluster shows that one).
	if err := lease.Revoke(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case batch := <-events:
		if batch[0].Type != store.EventDelete || batch[0].KV.Key != "members/a" {
			t.Fatalf("after revoke: %+v", batch)
		}
	case <-ctx.Done():
		t.Fatal("no delete seen")
	}
	if _, err := st.Get(ctx, "members/a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
}

// One of two candidates leads; when it steps down the other takes over,
// and never do both lead at once.
func TestLeadHandsOver(t *testing.T) {
	m := etcdtest.Start(t, "127.0.16.2", t.TempDir())
	a := cluster.NewEtcd(openEtcd(t, m), time.Second)
	b := cluster.NewEtcd(openEtcd(t, m), time.Second)
	var leaders atomic.Int32
	var most atomic.Int32
	led := make(chan string, 4)
	run := func(name string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			n := leaders.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			led <- name
			<-ctx.Done()
			leaders.Add(-1)
			return ctx.Err()
		}
	}
	actx, stopA := context.WithCancel(context.Background())
	bctx, stopB := context.WithCancel(context.Background())
	defer stopB()
	aDone := make(chan error, 1)
	go func() { aDone <- a.Lead(actx, "a", run("a")) }()
	if first := <-led; first != "a" {
		t.Fatalf("first leader %s", first)
	}
	bDone := make(chan error, 1)
	go func() { bDone <- b.Lead(bctx, "b", run("b")) }()
	select {
	case name := <-led:
		t.Fatalf("%s leads beside a", name)
	case <-time.After(2 * time.Second):
	}
	stopA()
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	select {
	case name := <-led:
		if name != "b" {
			t.Fatalf("next leader %s", name)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("b never led")
	}
	stopB()
	<-bDone
	if most.Load() != 1 {
		t.Fatalf("%d leaders at once", most.Load())
	}
}
