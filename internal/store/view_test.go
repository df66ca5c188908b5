package store_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// keys is a Builder whose snapshot is the set of keys under the prefix.
type keys struct{ m map[string]bool }

func (k *keys) Apply(ev store.Event) {
	if ev.Type == store.EventDelete {
		delete(k.m, ev.KV.Key)
	} else {
		k.m[ev.KV.Key] = true
	}
}

func (k *keys) Build(_ map[string]bool, _ int64) map[string]bool { return maps.Clone(k.m) }

func TestViewFollowsPrefix(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	put := func(k string) int64 {
		rev, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put(k, nil)}})
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	put("v/before")
	v := store.NewView(s, "v/", func() store.Builder[map[string]bool] { return &keys{m: map[string]bool{}} }, nil)
	go v.Run(ctx)
	snap, rev, err := v.Next(ctx, -1)
	if err != nil || !snap["v/before"] || len(snap) != 1 {
		t.Fatalf("first snapshot %v at %d: %v", snap, rev, err)
	}
	var last int64
	for i := 0; i < 50; i++ {
		last = put("v/" + strconv.Itoa(i))
		put("other/" + strconv.Itoa(i))
	}
	if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Delete("v/before")}}); err != nil {
		t.Fatal(err)
	}
	v.WaitRevision(ctx, last)
	snap, _, _ = v.Current()
	if !snap["v/49"] || len(snap) < 50 {
		t.Fatalf("after WaitRevision(%d) the snapshot has %d keys", last, len(snap))
	}
	for len(snap) != 50 {
		snap, _, err = v.Next(ctx, last)
		if err != nil {
			t.Fatalf("delete never reached the view: %v", err)
		}
		for k := range snap {
			if k[:2] != "v/" {
				t.Fatalf("key %s outside the prefix", k)
			}
		}
	}
}

// A write through View.Commit is in the view when Commit returns.
func TestViewCommitReadsItsOwnWrite(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v := store.NewView(s, "c/", func() store.Builder[map[string]bool] { return &keys{m: map[string]bool{}} }, nil)
	go v.Run(ctx)
	if _, _, err := v.Next(ctx, -1); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		k := "c/" + strconv.Itoa(i)
		if err := v.Commit(ctx, func() (store.Txn, error) { return store.Txn{Then: []store.Op{store.Put(k, nil)}}, nil }); err != nil {
			t.Fatal(err)
		}
		if snap, _, _ := v.Current(); !snap[k] {
			t.Fatalf("Commit returned before the view had %s", k)
		}
	}
}
