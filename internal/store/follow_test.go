package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// recorder is a Follower that keeps every update it was handed.
type recorder struct {
	mu      sync.Mutex
	updates []store.Update
	wake    func(store.Update) time.Time
	seen    chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) follow(_ context.Context, u store.Update) time.Time {
	r.mu.Lock()
	r.updates = append(r.updates, u)
	r.mu.Unlock()
	r.seen <- struct{}{}
	if r.wake != nil {
		return r.wake(u)
	}
	return time.Time{}
}

func (r *recorder) snapshot() []store.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.Update(nil), r.updates...)
}

// waitFor waits until cond holds for the updates so far.
func (r *recorder) waitFor(t *testing.T, what string, cond func([]store.Update) bool) []store.Update {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if u := r.snapshot(); cond(u) {
			return u
		}
		select {
		case <-r.seen:
		case <-deadline:
			t.Fatalf("never saw %s; got %+v", what, r.snapshot())
		}
	}
}

func commit(t *testing.T, s store.Store, ops ...store.Op) int64 {
	t.Helper()
	rev, err := s.Commit(context.Background(), store.Txn{Then: ops})
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestFollowListsThenWatches(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{})
	commit(t, s, store.Put("f/a", []byte("1")), store.Put("g/x", nil))
	ctx, cancel := context.WithCancel(context.Background())
	r := newRecorder()
	done := make(chan error)
	go func() { done <- store.Follow(ctx, s, "f/", 0, nil, r.follow) }()

	first := r.waitFor(t, "the listing", func(u []store.Update) bool { return len(u) >= 1 })[0]
	if !first.Listed || len(first.Events) != 1 || first.Events[0].KV.Key != "f/a" || first.Rev != s.Revision() {
		t.Fatalf("first update %+v at store revision %d", first, s.Revision())
	}
	commit(t, s, store.Put("g/y", nil)) // outside the prefix: never delivered
	last := commit(t, s, store.Put("f/b", []byte("2")), store.Delete("f/a"))
	all := r.waitFor(t, "the change", func(u []store.Update) bool { return u[len(u)-1].Rev == last })
	got := all[len(all)-1]
	if got.Listed || len(got.Events) != 2 || got.Events[0].KV.Key != "f/b" || got.Events[1].Type != store.EventDelete {
		t.Fatalf("change delivered as %+v", got)
	}
	var puts []string
	for kv := range got.Puts {
		puts = append(puts, kv.Key)
	}
	if len(puts) != 1 || puts[0] != "f/b" {
		t.Fatalf("Puts = %v", puts)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Follow returned %v when its context ended", err)
	}
}

// A burst of writes reaches the follower in fewer calls than writes, and
// every change arrives exactly once and in order.
func TestFollowCoalescesBursts(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRecorder()
	block := make(chan struct{})
	r.wake = func(u store.Update) time.Time {
		if u.Listed {
			<-block // hold the follower while the burst is written
		}
		return time.Time{}
	}
	go store.Follow(ctx, s, "b/", 0, nil, r.follow)
	const n = 200
	var last int64
	for i := range n {
		last = commit(t, s, store.Put("b/"+strconv.Itoa(i), nil))
	}
	close(block)
	all := r.waitFor(t, "the burst", func(u []store.Update) bool { return u[len(u)-1].Rev == last })
	var keys []string
	for _, u := range all[1:] {
		for _, ev := range u.Events {
			keys = append(keys, ev.KV.Key)
		}
	}
	if len(keys) != n || len(all)-1 >= n {
		t.Fatalf("%d changes in %d calls", len(keys), len(all)-1)
	}
	for i, k := range keys {
		if k != "b/"+strconv.Itoa(i) {
			t.Fatalf("change %d is %s", i, k)
		}
	}
}

func TestFollowResyncAndWake(t *testing.T) {
	s := openBolt(t, t.TempDir(), store.BoltOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Resync: the prefix is listed again without any change.
	r := newRecorder()
	go store.Follow(ctx, s, "r/", 20*time.Millisecond, nil, r.follow)
	r.waitFor(t, "three listings", func(u []store.Update) bool { return len(u) >= 3 })
	for _, u := range r.snapshot() {
		if !u.Listed {
			t.Fatalf("an update without a change or a listing: %+v", u)
		}
	}

	// Wake: a follower that asks to be called again is, with no events.
	w := newRecorder()
	calls := 0
	w.wake = func(store.Update) time.Time {
		calls++
		if calls < 3 {
			return time.Now().Add(5 * time.Millisecond)
		}
		return time.Time{}
	}
	go store.Follow(ctx, s, "w/", 0, nil, w.follow)
	got := w.waitFor(t, "two wake-ups", func(u []store.Update) bool { return len(u) >= 3 })
	if !got[0].Listed || got[1].Listed || got[1].Events != nil || got[2].Listed {
		t.Fatalf("updates %+v", got)
	}
	time.Sleep(30 * time.Millisecond)
	if n := len(w.snapshot()); n != 3 {
		t.Fatalf("%d calls after the follower stopped asking", n)
	}
}

func TestJoin(t *testing.T) {
	var a store.Feed[int]
	var b store.Feed[string]
	var out store.Feed[string]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- store.Join(ctx, &out, func() (string, int64, bool) {
			av, ar, aok := a.Load()
			bv, br, bok := b.Load()
			return strconv.Itoa(av) + bv, ar + br, aok && bok
		}, &a, &b)
	}()
	a.Publish(1, 1)
	select {
	case <-out.Changed():
		t.Fatal("published before every source was ready")
	case <-time.After(20 * time.Millisecond):
	}
	b.Publish("x", 10)
	v, rev, err := out.Next(ctx, 0)
	if err != nil || v != "1x" || rev != 11 {
		t.Fatalf("joined %q at %d: %v", v, rev, err)
	}
	a.Publish(2, 2)
	if v, _, err := out.Await(ctx, func(v string, _ int64) bool { return v == "2x" }); err != nil {
		t.Fatalf("second value %q: %v", v, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
