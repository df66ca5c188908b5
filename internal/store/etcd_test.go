package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
	"github.com/portolan/portolan/internal/store/storetest"
)

// testIP is this package's loopback address for etcd members (the
// 127.0.10.0/24 range is the etcd store's).
const testIP = "127.0.10.1"

func openEtcd(t *testing.T, endpoints []string, opts store.EtcdOptions) *store.Etcd {
	t.Helper()
	opts.Endpoints = endpoints
	s, err := store.OpenEtcd(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestEtcdConformance runs the suite on a real etcd per test directory.
// Opening a directory again kills its etcd with SIGKILL and starts it on
// the same data: state and history must survive a crash of the member.
func TestEtcdConformance(t *testing.T) {
	members := map[string]*etcdtest.Member{}
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		m, ok := members[dir]
		if ok {
			m.Restart(t)
		} else {
			m = etcdtest.Start(t, testIP, dir)
			members[dir] = m
		}
		return openEtcd(t, []string{m.Client}, store.EtcdOptions{})
	})
}

// TestEtcdPrefixesKeepInstallationsApart: two installations on one etcd
// see only their own keys, in listings and watches.
func TestEtcdPrefixesKeepInstallationsApart(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	a := openEtcd(t, []string{m.Client}, store.EtcdOptions{Prefix: "a/"})
	b := openEtcd(t, []string{m.Client}, store.EtcdOptions{Prefix: "b/"})
	ctx := context.Background()
	ch, err := b.Watch(ctx, "", b.Revision())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*store.Etcd{a, b} {
		if _, err := s.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent("k")}, Then: []store.Op{store.Put("k", []byte("v"))}}); err != nil {
			t.Fatalf("each installation creates its own k: %v", err)
		}
	}
	if batch := <-ch; len(batch) != 1 || batch[0].KV.Key != "k" || batch[0].KV.ModRevision != b.Revision() {
		t.Fatalf("b's watch saw %+v, want only its own k at %d", batch, b.Revision())
	}
	kvs, _, err := a.List(ctx, "")
	if err != nil || len(kvs) != 1 || kvs[0].Key != "k" {
		t.Fatalf("a lists %+v (%v), want only k", kvs, err)
	}
}

// TestEtcdCompaction: a watch from a compacted revision fails with
// ErrCompacted, and Follow lists again instead of skipping.
func TestEtcdCompaction(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{})
	admin := openEtcd(t, []string{m.Client}, store.EtcdOptions{Prefix: "admin/"})
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put("k", []byte{byte(i)})}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := admin.Compact(ctx, s.Revision()-5); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Watch(ctx, "", 2); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("watch from a compacted revision: want ErrCompacted, got %v", err)
	}
	ch, err := s.Watch(ctx, "", s.Revision()-3)
	if err != nil {
		t.Fatalf("watch after the compaction point: %v", err)
	}
	if batch := <-ch; batch[0].KV.ModRevision != s.Revision()-2 {
		t.Fatalf("first event at %d, want %d", batch[0].KV.ModRevision, s.Revision()-2)
	}
}

func TestEtcdUnwatchedPrefixesReachNoWatch(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{Unwatched: []string{"bulk/"}})
	ctx := context.Background()
	ch, err := s.Watch(ctx, "", s.Revision())
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for _, k := range []string{"bulk/1", "bulk/2", "seen"} {
		if last, err = s.Commit(ctx, store.Txn{Then: []store.Op{store.Put(k, []byte(k))}}); err != nil {
			t.Fatal(err)
		}
	}
	batch := <-ch
	if len(batch) != 1 || batch[0].KV.Key != "seen" || batch[0].KV.ModRevision != last {
		t.Fatalf("watch saw %+v, want only seen@%d", batch, last)
	}
	if kv, err := s.Get(ctx, "bulk/2"); err != nil || string(kv.Value) != "bulk/2" {
		t.Fatalf("unwatched key not stored: %v", err)
	}
}

// TestEtcdListPages: a listing longer than one read page comes whole, in
// key order, at one revision.
func TestEtcdListPages(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{})
	ctx := context.Background()
	var ops []store.Op
	for i := range 2500 {
		ops = append(ops, store.Put(fmt.Sprintf("p/%05d", i), []byte{byte(i)}))
	}
	rev, err := s.Commit(ctx, store.Txn{Then: ops})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put("q", nil)}}); err != nil {
		t.Fatal(err)
	}
	kvs, listRev, err := s.List(ctx, "p/")
	if err != nil || len(kvs) != len(ops) || listRev != rev+1 {
		t.Fatalf("list: %d keys at %d (%v), want %d at %d", len(kvs), listRev, err, len(ops), rev+1)
	}
	for i, kv := range kvs {
		if kv.Key != ops[i].Key || kv.ModRevision != rev {
			t.Fatalf("key %d is %s@%d, want %s@%d", i, kv.Key, kv.ModRevision, ops[i].Key, rev)
		}
	}
}

// TestEtcdClosed: after Close, calls fail with ErrClosed.
func TestEtcdClosed(t *testing.T) {
	m := etcdtest.Start(t, testIP, t.TempDir())
	s := openEtcd(t, []string{m.Client}, store.EtcdOptions{})
	s.Close()
	ctx := context.Background()
	if _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("get after close: %v", err)
	}
	if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put("k", nil)}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("commit after close: %v", err)
	}
	if _, err := s.Watch(ctx, "", 0); !errors.Is(err, store.ErrClosed) {
		t.Errorf("watch after close: %v", err)
	}
}
