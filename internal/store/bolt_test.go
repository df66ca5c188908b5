package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/storetest"
)

func openBolt(t *testing.T, dir string, opts store.BoltOptions) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(filepath.Join(dir, "state.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store { return openBolt(t, dir, store.BoltOptions{}) })
}

func TestBoltCompaction(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{LogRetention: 100})
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put("k", []byte{byte(i)})}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Watch(ctx, "", 1); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("watch from compacted revision: want ErrCompacted, got %v", err)
	}
	ch, err := s.Watch(ctx, "", s.Revision()-50)
	if err != nil {
		t.Fatalf("watch within retention: %v", err)
	}
	if batch := <-ch; batch[0].KV.ModRevision != s.Revision()-49 {
		t.Fatalf("first event at %d, want %d", batch[0].KV.ModRevision, s.Revision()-49)
	}
}

func TestBoltSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	openBolt(t, dir, store.BoltOptions{})
	_, err := store.OpenBolt(filepath.Join(dir, "state.db"), store.BoltOptions{LockTimeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another process holds it") {
		t.Fatalf("second open of a held store file: %v", err)
	}
}

// TestBoltOpenWaitsForTheLock: an open that finds the file held waits for
// it to be released (a server restarted right after a kill -9), instead of
// failing at once.
func TestBoltOpenWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	first, err := store.OpenBolt(path, store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := store.OpenBolt(path, store.BoltOptions{LockTimeout: time.Minute})
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("opened while held: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	first.Close()
	if err := <-opened; err != nil {
		t.Fatalf("open after the release: %v", err)
	}
}

func BenchmarkBoltCommitParallel(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "state.db"), store.BoltOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Commit(context.Background(), store.Txn{Then: []store.Op{store.Put("bench", []byte("v"))}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestBoltUnwatchedPrefixesKeepNoHistory(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{Unwatched: []string{"bulk/"}})
	ctx := context.Background()
	ch, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bulk/1", "bulk/2", "seen"} {
		if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put(k, []byte(k))}}); err != nil {
			t.Fatal(err)
		}
	}
	batch := <-ch
	if len(batch) != 1 || batch[0].KV.Key != "seen" || batch[0].KV.ModRevision != 3 {
		t.Fatalf("watch saw %+v, want only seen@3", batch)
	}
	if kv, err := s.Get(ctx, "bulk/2"); err != nil || string(kv.Value) != "bulk/2" {
		t.Fatalf("unwatched key not stored: %v", err)
	}
}

// TestPrefixedConformance: a keyspace under a prefix honours the whole
// contract.
func TestPrefixedConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		return store.Prefixed(openBolt(t, dir, store.BoltOptions{}), "regions/ap-northeast-1/")
	})
}

// TestPrefixedKeys: what is written through a prefix is under it in the
// store beneath and nowhere else, and keys beside it are neither listed
// nor watched through it.

func TestPrefixedKeys(t *testing.T) {
	ctx := context.Background()
	under := openBolt(t, t.TempDir(), store.BoltOptions{})
	p := store.Prefixed(under, "r/")
	if _, err := p.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent("a")}, Then: []store.Op{store.Put("a", []byte("1"))}}); err != nil {
		t.Fatal(err)
	}
	if kv, err := under.Get(ctx, "r/a"); err != nil || string(kv.Value) != "1" {
		t.Fatalf("r/a beneath: %v %v", kv, err)
	}
	if _, err := under.Get(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a beneath: want not found, got %v", err)
	}
	if kv, err := p.Get(ctx, "a"); err != nil || kv.Key != "a" {
		t.Fatalf("a through the prefix: %v %v", kv, err)
	}
	ch, err := p.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a2", "r-not-mine"} { // beside the prefix: invisible
		if _, err := under.Commit(ctx, store.Txn{Then: []store.Op{store.Put(k, []byte("x"))}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Commit(ctx, store.Txn{Then: []store.Op{store.Put("b", []byte("2"))}}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for len(seen) < 2 {
		for _, ev := range <-ch {
			seen = append(seen, ev.KV.Key)
		}
	}
	if strings.Join(seen, ",") != "a,b" {
		t.Fatalf("watched through the prefix: %v, want a,b", seen)
	}
	kvs, _, err := p.List(ctx, "")
	if err != nil || len(kvs) != 2 || kvs[0].Key != "a" || kvs[1].Key != "b" {
		t.Fatalf("listed through the prefix: %v %v", kvs, err)
	}
}
