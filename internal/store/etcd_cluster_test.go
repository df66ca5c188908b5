package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// ack is a write the store acknowledged: its key and the revision it got.
type ack struct {
	key string
	rev int64
}

// TestEtcdClusterLeaderKilled is a Jepsen-style check on a 3-member etcd:
// writers commit and watchers watch while the leader is killed (SIGKILL)
// and restarted. Every acknowledged write must reach every watcher, at
// the revision it was acknowledged with, in revision order, once; and the
// watchers must all see the same history.
func TestEtcdClusterLeaderKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-member etcd")
	}
	members := etcdtest.StartCluster(t, []string{"127.0.10.11", "127.0.10.12", "127.0.10.13"}, t.TempDir())
	endpoints := etcdtest.Endpoints(members)
	start := openEtcd(t, endpoints, store.EtcdOptions{}).Revision()

	const watchers, writers = 3, 4
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make([][]store.Event, watchers)
	progress := make([]atomic.Int64, watchers+1) // the last is the follower's
	var watching sync.WaitGroup
	for w := range watchers {
		s := openEtcd(t, endpoints, store.EtcdOptions{})
		watching.Add(1)
		go func() { defer watching.Done(); seen[w] = watchResuming(ctx, s, "j/", start, &progress[w]) }()
	}

	// A follower too, as the services read: its view must end up with
	// every acknowledged write, whether it listed again or not.
	view := map[string]int64{}
	var lists atomic.Int64
	following := openEtcd(t, endpoints, store.EtcdOptions{})
	watching.Add(1)
	go func() {
		defer watching.Done()
		store.Follow(ctx, following, "j/", 0, nil, func(_ context.Context, u store.Update) time.Time {
			if u.Listed {
				clear(view)
				lists.Add(1)
			}
			for _, ev := range u.Events {
				view[ev.KV.Key] = ev.KV.ModRevision
			}
			progress[watchers].Store(u.Rev)
			return time.Time{}
		})
	}()

	stop := make(chan struct{})
	acks := make([][]ack, writers)
	failed := make([]int, writers)
	var writing sync.WaitGroup
	for w := range writers {
		s := openEtcd(t, endpoints, store.EtcdOptions{})
		writing.Add(1)
		go func() { defer writing.Done(); acks[w], failed[w] = write(s, fmt.Sprintf("j/%d/", w), stop) }()
	}

	time.Sleep(time.Second) // writes flow before the kill
	leader := etcdtest.Leader(t, members)
	leader.Kill()
	time.Sleep(2 * time.Second) // the survivors elect a leader and carry on
	leader.Restart(t)
	time.Sleep(time.Second) // and the restarted member catches up under load
	close(stop)
	writing.Wait()

	var all []ack
	last := start
	for w := range writers {
		for i, a := range acks[w] {
			if i > 0 && a.rev <= acks[w][i-1].rev {
				t.Fatalf("writer %d: write %s acknowledged at %d after %d", w, a.key, a.rev, acks[w][i-1].rev)
			}
			last = max(last, a.rev)
		}
		all = append(all, acks[w]...)
	}
	t.Logf("%d writes acknowledged, %d failed (outcome unknown) across the kill of %s", len(all), sum(failed), leader.Name)
	if len(all) == 0 {
		t.Fatal("no write was acknowledged")
	}
	for w := range progress {
		for deadline := time.Now().Add(30 * time.Second); progress[w].Load() < last; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("watcher %d stopped at revision %d, short of %d", w, progress[w].Load(), last)
			}
		}
	}
	cancel()
	watching.Wait()
	checkHistories(t, seen, all)
	for _, a := range all {
		if view[a.key] != a.rev {
			t.Fatalf("the follower has %s at %d, want %d (it listed %d times)", a.key, view[a.key], a.rev, lists.Load())
		}
	}
	t.Logf("the follower listed %d times", lists.Load())
}

// write commits a put of a new key under prefix in a loop until stop,
// returning the acknowledged writes and how many failed.
func write(s store.Store, prefix string, stop <-chan struct{}) (acks []ack, failed int) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return acks, failed
		default:
		}
		key := fmt.Sprintf("%s%06d", prefix, i)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		rev, err := s.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent(key)}, Then: []store.Op{store.Put(key, []byte(key))}})
		cancel()
		if err != nil {
			failed++
			time.Sleep(10 * time.Millisecond)
			continue
		}
		acks = append(acks, ack{key, rev})
	}
}

// watchResuming watches prefix from after until ctx ends; when a watch
// ends (a member lost, the leader lost) it watches again from the last
// revision it saw, as a follower does when no compaction intervened. It
// publishes that revision in progress.
func watchResuming(ctx context.Context, s store.Store, prefix string, after int64, progress *atomic.Int64) []store.Event {
	var out []store.Event
	for ctx.Err() == nil {
		ch, err := s.Watch(ctx, prefix, after)
		if err != nil {
			if errors.Is(err, store.ErrCompacted) {
				return append(out, store.Event{}) // an impossible event: fails the check
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for batch := range ch {
			out = append(out, batch...)
			after = batch[len(batch)-1].KV.ModRevision
			progress.Store(after)
		}
	}
	return out
}

// checkHistories checks each watcher saw every acknowledged write once,
// at its revision, in revision order, and that all saw the same history.
func checkHistories(t *testing.T, seen [][]store.Event, acks []ack) {
	t.Helper()
	for w, evs := range seen {
		at := map[string]int64{}
		var prev int64
		for _, ev := range evs {
			if ev.KV.ModRevision <= prev {
				t.Fatalf("watcher %d: revision %d after %d", w, ev.KV.ModRevision, prev)
			}
			if _, dup := at[ev.KV.Key]; dup {
				t.Fatalf("watcher %d: %s twice", w, ev.KV.Key)
			}
			prev, at[ev.KV.Key] = ev.KV.ModRevision, ev.KV.ModRevision
		}
		for _, a := range acks {
			if rev, ok := at[a.key]; !ok || rev != a.rev {
				t.Fatalf("watcher %d: acknowledged %s@%d seen at %d (seen=%v)", w, a.key, a.rev, rev, ok)
			}
		}
		if len(evs) != len(seen[0]) {
			t.Fatalf("watcher %d saw %d events, watcher 0 %d", w, len(evs), len(seen[0]))
		}
		for i := range evs {
			if evs[i].KV.Key != seen[0][i].KV.Key || evs[i].KV.ModRevision != seen[0][i].KV.ModRevision {
				t.Fatalf("watcher %d event %d is %s@%d, watcher 0's %s@%d", w, i, evs[i].KV.Key, evs[i].KV.ModRevision, seen[0][i].KV.Key, seen[0][i].KV.ModRevision)
			}
		}
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
