// Package storetest is the conformance suite every store backend must pass:
// ordering, revisions, compare-and-put races, and watches that resume after a
// restart without gaps. A backend's own test calls Run with an opener.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// Opener opens the backend whose state lives under dir. Opening the same dir
// again after Close must see the same state.
type Opener func(t *testing.T, dir string) store.Store

// Run runs the whole suite against the backend open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"GetPutList", testGetPutList},
		{"Revisions", testRevisions},
		{"CompareFailsChangesNothing", testCompareFails},
		{"TxnWritesKeyTwice", testTxnWritesKeyTwice},
		{"CompareAndPutRace", testCompareAndPutRace},
		{"CompareAndPutRetry", testCompareAndPutRetry},
		{"DeleteEvent", testDeleteEvent},
		{"WatchOrderNoGaps", testWatchOrder},
		{"WatchConcurrentWriters", testWatchConcurrentWriters},
		{"WatchWholeTransactions", testWatchWholeTransactions},
		{"WatchEndsWithContext", testWatchEnds},
		{"WatchResumeAfterRestart", testWatchResume},
		{"DurableAfterReopen", testDurable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// events flattens a watch's batches into single events, checking that no
// batch splits a transaction.
func events(ch <-chan []store.Event) <-chan store.Event {
	out := make(chan store.Event, 1024)
	go func() {
		defer close(out)
		for batch := range ch {
			for _, ev := range batch {
				out <- ev
			}
		}
	}()
	return out
}

func mustCommit(t *testing.T, s store.Store, txn store.Txn) int64 {
	t.Helper()
	rev, err := s.Commit(context.Background(), txn)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return rev
}

func put(t *testing.T, s store.Store, k, v string) int64 {
	t.Helper()
	return mustCommit(t, s, store.Txn{Then: []store.Op{store.Put(k, []byte(v))}})
}

func testGetPutList(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	// A fresh store's revision is the backend's own starting point (0 for
	// bolt, 1 for etcd); each write takes the next one.
	base := s.Revision()
	if _, err := s.Get(ctx, "a/1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: want ErrNotFound, got %v", err)
	}
	for _, k := range []string{"b/2", "a/2", "a/1", "ab", "a/10"} {
		put(t, s, k, "v-"+k)
	}
	kv, err := s.Get(ctx, "a/2")
	if err != nil || string(kv.Value) != "v-a/2" {
		t.Fatalf("get a/2 = %q, %v", kv.Value, err)
	}
	list, rev, err := s.List(ctx, "a/")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range list {
		keys = append(keys, kv.Key)
	}
	if fmt.Sprint(keys) != "[a/1 a/10 a/2]" {
		t.Fatalf("list a/ = %v, want key order [a/1 a/10 a/2]", keys)
	}
	if rev != s.Revision() || rev != base+5 {
		t.Fatalf("list revision %d, store revision %d, want %d", rev, s.Revision(), base+5)
	}
	all, _, _ := s.List(ctx, "")
	if len(all) != 5 {
		t.Fatalf("list all: %d keys, want 5", len(all))
	}
}

func testRevisions(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	r1 := put(t, s, "k", "1")
	r2 := put(t, s, "k", "2")
	if r2 != r1+1 {
		t.Fatalf("revisions %d then %d, want consecutive", r1, r2)
	}
	kv, _ := s.Get(ctx, "k")
	if kv.CreateRevision != r1 || kv.ModRevision != r2 {
		t.Fatalf("kv revisions create=%d mod=%d, want %d/%d", kv.CreateRevision, kv.ModRevision, r1, r2)
	}
	// One transaction, several keys: one revision.
	r3 := mustCommit(t, s, store.Txn{Then: []store.Op{store.Put("x", nil), store.Put("y", []byte("y"))}})
	x, _ := s.Get(ctx, "x")
	y, _ := s.Get(ctx, "y")
	if x.ModRevision != r3 || y.ModRevision != r3 || r3 != r2+1 {
		t.Fatalf("txn revisions x=%d y=%d commit=%d", x.ModRevision, y.ModRevision, r3)
	}
	// Deleting an absent key changes nothing and takes no revision.
	if r := mustCommit(t, s, store.Txn{Then: []store.Op{store.Delete("absent")}}); r != r3 {
		t.Fatalf("no-op delete moved revision to %d from %d", r, r3)
	}
}

func testCompareFails(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	put(t, s, "k", "1")
	before := s.Revision()
	_, err := s.Commit(ctx, store.Txn{
		If:   []store.Cmp{store.Absent("k")},
		Then: []store.Op{store.Put("k", []byte("2")), store.Put("other", []byte("x"))},
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("want ErrConflict, got %v", err)
	}
	if s.Revision() != before {
		t.Fatalf("failed txn moved revision")
	}
	if kv, _ := s.Get(ctx, "k"); string(kv.Value) != "1" {
		t.Fatalf("failed txn changed k to %q", kv.Value)
	}
	if _, err := s.Get(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed txn wrote other: %v", err)
	}
}

// testTxnWritesKeyTwice: when one transaction writes a key more than
// once, the last write is what stays (etcd refuses such a transaction as
// it is; the backend must not).
func testTxnWritesKeyTwice(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	mustCommit(t, s, store.Txn{Then: []store.Op{store.Put("k", []byte("1")), store.Put("gone", nil), store.Put("k", []byte("2")), store.Delete("gone")}})
	if kv, err := s.Get(ctx, "k"); err != nil || string(kv.Value) != "2" {
		t.Fatalf("k = %q (%v), want the last write, 2", kv.Value, err)
	}
	if _, err := s.Get(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("put then deleted in one transaction: %v", err)
	}
}

// testCompareAndPutRace races writers on one key in rounds. In each round
// every writer reads the key before any of them commits, so all hold the
// same revision; then all commit a put conditioned on it at once. Exactly one
// may win and every other must get ErrConflict and write nothing: a backend
// that ignored or raced its compares would let several win. The first round
// races on Absent (create), the others on Unchanged (update).
func testCompareAndPutRace(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	const writers, rounds = 8, 25
	for round := 0; round < rounds; round++ {
		before := s.Revision()
		errs := make([]error, writers)
		var read, done sync.WaitGroup
		read.Add(writers)
		start := make(chan struct{})
		for w := 0; w < writers; w++ {
			done.Add(1)
			go func(w int) {
				defer done.Done()
				kv, err := s.Get(ctx, "counter")
				n, cmp := 0, store.Absent("counter")
				switch {
				case err == nil:
					n, _ = strconv.Atoi(string(kv.Value))
					cmp = store.Unchanged(kv)
				case !errors.Is(err, store.ErrNotFound):
					errs[w] = err
				}
				read.Done()
				if errs[w] != nil {
					return
				}
				<-start
				_, errs[w] = s.Commit(ctx, store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{
					store.Put("counter", []byte(strconv.Itoa(n+1))),
					store.Put(fmt.Sprintf("winner/%d", round), []byte(strconv.Itoa(w))),
				}})
			}(w)
		}
		read.Wait()
		close(start)
		done.Wait()
		winner, lost := -1, 0
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: writers %d and %d both committed against the same revision", round, winner, w)
			case err == nil:
				winner = w
			case errors.Is(err, store.ErrConflict):
				lost++
			default:
				t.Fatalf("round %d: writer %d: %v", round, w, err)
			}
		}
		if winner < 0 || lost != writers-1 {
			t.Fatalf("round %d: winner %d, %d conflicts; want one winner and %d conflicts", round, winner, lost, writers-1)
		}
		// The losers wrote nothing: one new revision, holding the winner's txn.
		if s.Revision() != before+1 {
			t.Fatalf("round %d: revision %d after %d, want one commit", round, s.Revision(), before)
		}
		if kv, err := s.Get(ctx, fmt.Sprintf("winner/%d", round)); err != nil || string(kv.Value) != strconv.Itoa(winner) {
			t.Fatalf("round %d: winner key = %q (%v), want %d", round, kv.Value, err, winner)
		}
	}
	kv, err := s.Get(ctx, "counter")
	if err != nil || string(kv.Value) != strconv.Itoa(rounds) {
		t.Fatalf("counter = %q (%v), want %d", kv.Value, err, rounds)
	}
}

// testCompareAndPutRetry has many writers increment one counter with
// read-compare-write loops, retrying on conflict, as the services do: a lost
// update would show as a short count.
func testCompareAndPutRetry(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				kv, err := s.Get(ctx, "counter")
				n := 0
				if err == nil {
					n, _ = strconv.Atoi(string(kv.Value))
				}
				cmp := store.Absent("counter")
				if err == nil {
					cmp = store.Unchanged(kv)
				}
				_, err = s.Commit(ctx, store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put("counter", []byte(strconv.Itoa(n+1)))}})
				switch {
				case err == nil:
					i++
				case errors.Is(err, store.ErrConflict):
					// Another writer got there first: read again.
				default:
					t.Errorf("commit: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	kv, err := s.Get(ctx, "counter")
	if err != nil || string(kv.Value) != strconv.Itoa(writers*each) {
		t.Fatalf("counter = %q (%v), want %d", kv.Value, err, writers*each)
	}
}

func testDeleteEvent(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	r := put(t, s, "d/1", "gone")
	batches, err := s.Watch(ctx, "d/", r)
	if err != nil {
		t.Fatal(err)
	}
	ch := events(batches)
	dr := mustCommit(t, s, store.Txn{Then: []store.Op{store.Delete("d/1")}})
	ev := <-ch
	if ev.Type != store.EventDelete || ev.KV.Key != "d/1" || string(ev.KV.Value) != "gone" || ev.KV.ModRevision != dr {
		t.Fatalf("delete event = %+v", ev)
	}
}

func testWatchOrder(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	start := put(t, s, "w/0", "0")
	put(t, s, "other", "x")
	batches, err := s.Watch(ctx, "w/", start)
	if err != nil {
		t.Fatal(err)
	}
	ch := events(batches)
	const n = 3000 // more than one page of history
	for i := 1; i <= n; i++ {
		put(t, s, "w/"+strconv.Itoa(i%7), strconv.Itoa(i))
		if i%100 == 0 {
			put(t, s, "other", "x")
		}
	}
	last := start
	for i := 1; i <= n; i++ {
		ev := <-ch
		if ev.KV.ModRevision <= last {
			t.Fatalf("event %d at revision %d after %d", i, ev.KV.ModRevision, last)
		}
		if string(ev.KV.Value) != strconv.Itoa(i) {
			t.Fatalf("event %d has value %q: gap or reorder", i, ev.KV.Value)
		}
		last = ev.KV.ModRevision
	}
	select {
	case ev := <-ch:
		t.Fatalf("unexpected extra event %+v", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

// testWatchConcurrentWriters checks that a watch sees every acknowledged
// write exactly once while many writers race.
func testWatchConcurrentWriters(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	batches, err := s.Watch(ctx, "c/", s.Revision())
	if err != nil {
		t.Fatal(err)
	}
	ch := events(batches)
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Commit(ctx, store.Txn{Then: []store.Op{store.Put(fmt.Sprintf("c/%d/%d", w, i), nil)}}); err != nil {
					t.Errorf("commit: %v", err)
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[string]bool{}
	var last int64
	for len(seen) < writers*each {
		ev := <-ch
		if seen[ev.KV.Key] {
			t.Fatalf("duplicate event for %s", ev.KV.Key)
		}
		if ev.KV.ModRevision <= last {
			t.Fatalf("revision %d after %d", ev.KV.ModRevision, last)
		}
		last = ev.KV.ModRevision
		seen[ev.KV.Key] = true
	}
}

// testWatchWholeTransactions checks that a transaction's events arrive in
// one batch, even when it is larger than a backend's read page.
func testWatchWholeTransactions(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx := ctxT(t)
	batches, err := s.Watch(ctx, "t/", s.Revision())
	if err != nil {
		t.Fatal(err)
	}
	var ops []store.Op
	for i := 0; i < 3000; i++ {
		ops = append(ops, store.Put(fmt.Sprintf("t/%04d", i), nil))
	}
	rev := mustCommit(t, s, store.Txn{Then: ops})
	got := 0
	for got < len(ops) {
		batch := <-batches
		for _, ev := range batch {
			if ev.KV.ModRevision == rev {
				got++
			}
		}
		if got != 0 && got != len(ops) {
			t.Fatalf("a transaction of %d writes arrived split: %d in the first batch", len(ops), got)
		}
	}
}

func testWatchEnds(t *testing.T, open Opener) {
	s := open(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	batches, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	ch := events(batches)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("event after cancel with no writes")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch channel not closed after cancel")
	}
}

// testWatchResume reads part of the history, restarts the store, and resumes
// from the last revision seen: the rest arrives, nothing twice, nothing lost.
func testWatchResume(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := ctxT(t)
	for i := 1; i <= 10; i++ {
		put(t, s, "r/"+strconv.Itoa(i), strconv.Itoa(i))
	}
	wctx, cancel := context.WithCancel(ctx)
	batches, err := s.Watch(wctx, "r/", 0)
	if err != nil {
		t.Fatal(err)
	}
	ch := events(batches)
	var seen int64
	for i := 1; i <= 4; i++ {
		ev := <-ch
		seen = ev.KV.ModRevision
	}
	cancel()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	for i := 11; i <= 15; i++ {
		put(t, s, "r/"+strconv.Itoa(i), strconv.Itoa(i))
	}
	batches, err = s.Watch(ctx, "r/", seen)
	if err != nil {
		t.Fatal(err)
	}
	ch = events(batches)
	for i := 5; i <= 15; i++ {
		ev := <-ch
		if string(ev.KV.Value) != strconv.Itoa(i) {
			t.Fatalf("after resume got %q, want %d", ev.KV.Value, i)
		}
	}
}

func testDurable(t *testing.T, open Opener) {
	dir := t.TempDir()
	s := open(t, dir)
	rev := put(t, s, "keep", "me")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	kv, err := s.Get(ctxT(t), "keep")
	if err != nil || string(kv.Value) != "me" || kv.ModRevision != rev || s.Revision() != rev {
		t.Fatalf("after reopen: %+v %v, revision %d want %d", kv, err, s.Revision(), rev)
	}
}
