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

// registerKeys are the few keys the writers of the Jepsen-style check
// contend on.
var registerKeys = []string{"j/a", "j/b", "j/c"}

// TestEtcdClusterMembersKilled is a Jepsen-style check of the etcd store
// on a 3-member cluster, through the store interface. Clients pinned to
// each member, and one on all three, read and compare-and-put a few keys
// and watch them from the start, while the leader is killed (SIGKILL) and
// restarted, then a follower: every kill takes down the member some
// clients talk to. Then:
//
//   - every acknowledged write is in every watcher's stream once, at its
//     revision, in revision order, and the streams are the same;
//   - a watcher sees no write that was refused, and of the writes whose
//     Commit failed otherwise ("maybe") only ones that landed;
//   - each key ends with its last write, and a follower's view agrees;
//   - the reads and writes are linearizable (porcupine, a register per key).
func TestEtcdClusterMembersKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-member etcd")
	}
	members := etcdtest.StartCluster(t, []string{"127.0.10.11", "127.0.10.12", "127.0.10.13"}, t.TempDir())
	all := etcdtest.Endpoints(members)
	clients := [][]string{{members[0].Client}, {members[1].Client}, {members[2].Client}, all}
	start := openEtcd(t, all, store.EtcdOptions{}).Revision()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var watching sync.WaitGroup
	seen := make([][]store.Event, len(clients))
	progress := make([]atomic.Int64, len(clients)+1) // the last is the follower's
	for w, eps := range clients {
		s := openEtcd(t, eps, store.EtcdOptions{})
		watching.Add(1)
		go func() { defer watching.Done(); seen[w] = watchResuming(ctx, s, "j/", start, &progress[w]) }()
	}
	view := follow(ctx, t, all, &watching, &progress[len(clients)])

	h := newHistory()
	stop := make(chan struct{})
	acked := make([]atomic.Int64, len(clients))
	var writing sync.WaitGroup
	for w, eps := range clients {
		s := openEtcd(t, eps, store.EtcdOptions{})
		writing.Add(1)
		go func() { defer writing.Done(); writeRegisters(s, w, h, stop, &acked[w]) }()
	}
	total := func() (n int64) {
		for i := range acked {
			n += acked[i].Load()
		}
		return n
	}

	waitFor(t, "writes before the first kill", func() bool { return total() >= 50 })
	for round := range 2 {
		victim := etcdtest.Leader(t, members)
		if round == 1 {
			victim = aFollower(t, members)
		}
		pinned := memberIndex(members, victim)
		victim.Kill()
		n := total()
		waitFor(t, "writes through the survivors", func() bool { return total() >= n+50 })
		victim.Restart(t)
		n = acked[pinned].Load()
		waitFor(t, "a write through the restarted "+victim.Name, func() bool { return acked[pinned].Load() > n })
		t.Logf("round %d: killed and restarted %s", round+1, victim.Name)
	}
	close(stop)
	writing.Wait()

	final, _, err := openEtcd(t, all, store.EtcdOptions{}).List(context.Background(), "j/")
	if err != nil {
		t.Fatal(err)
	}
	last := start
	for _, kv := range final {
		last = max(last, kv.ModRevision)
	}
	for w := range progress {
		waitFor(t, fmt.Sprintf("watcher %d to reach revision %d", w, last), func() bool { return progress[w].Load() >= last })
	}
	cancel()
	watching.Wait()

	landed := checkWatchers(t, h, seen)
	checkFinal(t, h, seen[0], final, view)
	checkLinearizable(t, h, landed)
	acks, maybes := h.acked()
	t.Logf("%d writes acknowledged, %d refused, %d maybe (%d of them landed), %d reads", len(acks), len(h.puts)-len(acks)-len(maybes), len(maybes), len(landed), len(h.reads))
}

// writeRegisters reads a key and puts a value of its own there if the key
// is unchanged, in a loop over the keys until stop, recording each
// operation in h.
func writeRegisters(s store.Store, client int, h *history, stop <-chan struct{}, acked *atomic.Int64) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		key := registerKeys[(client+i)%len(registerKeys)]
		call := h.now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		kv, err := s.Get(ctx, key)
		cancel()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			time.Sleep(10 * time.Millisecond) // a read has no effect: just try again
			continue
		}
		h.read(client, key, call, kv, err == nil)
		w := written{op: regOp{Key: key, Expect: kv.ModRevision, Value: fmt.Sprintf("w%d-%d", client, i)}, call: h.now()}
		rev, err := s.Commit(context.Background(), store.Txn{
			If:   []store.Cmp{{Key: key, ModRevision: w.op.Expect}},
			Then: []store.Op{store.Put(key, []byte(w.op.Value))},
		})
		switch {
		case err == nil:
			w.rev = rev
			acked.Add(1)
		case errors.Is(err, store.ErrConflict):
			w.conflict = true
		default:
			w.maybe = true
		}
		h.put(w)
	}
}

// follow runs store.Follow on prefix j/ as the services read, keeping each
// key's last value; the map is complete once progress reaches the last
// revision and ctx has ended.
func follow(ctx context.Context, t *testing.T, endpoints []string, wg *sync.WaitGroup, progress *atomic.Int64) map[string]store.KV {
	view := map[string]store.KV{}
	s := openEtcd(t, endpoints, store.EtcdOptions{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		store.Follow(ctx, s, "j/", 0, nil, func(_ context.Context, u store.Update) time.Time {
			if u.Listed {
				clear(view)
			}
			for _, ev := range u.Events {
				view[ev.KV.Key] = ev.KV
			}
			progress.Store(u.Rev)
			return time.Time{}
		})
	}()
	return view
}

// checkFinal checks each key ends with the last write the watchers saw to
// it, that the follower's view is the same, and records the final values
// as reads for the linearizability check.
func checkFinal(t *testing.T, h *history, seen []store.Event, final []store.KV, view map[string]store.KV) {
	t.Helper()
	lastSeen := map[string]store.KV{}
	for _, ev := range seen {
		lastSeen[ev.KV.Key] = ev.KV
	}
	if len(final) != len(lastSeen) || len(view) != len(final) {
		t.Fatalf("%d keys at the end, %d written, %d in the follower's view", len(final), len(lastSeen), len(view))
	}
	call := h.now()
	for _, kv := range final {
		want := lastSeen[kv.Key]
		if string(kv.Value) != string(want.Value) || kv.ModRevision != want.ModRevision {
			t.Fatalf("%s ends as %q@%d, its last write was %q@%d", kv.Key, kv.Value, kv.ModRevision, want.Value, want.ModRevision)
		}
		if v := view[kv.Key]; string(v.Value) != string(kv.Value) || v.ModRevision != kv.ModRevision {
			t.Fatalf("the follower has %s as %q@%d, the store %q@%d", kv.Key, v.Value, v.ModRevision, kv.Value, kv.ModRevision)
		}
		h.read(-1, kv.Key, call, kv, true)
	}
}

// watchResuming watches prefix from after until ctx ends; when a watch
// ends (its member lost, or the leader) it watches again from the last
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

// waitFor polls cond; the minute is a bound on a hang, not a measurement.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

func aFollower(t *testing.T, members []*etcdtest.Member) *etcdtest.Member {
	leader := etcdtest.Leader(t, members)
	for _, m := range members {
		if m != leader {
			return m
		}
	}
	t.Fatal("no follower")
	return nil
}

func memberIndex(members []*etcdtest.Member, m *etcdtest.Member) int {
	for i, x := range members {
		if x == m {
			return i
		}
	}
	return -1
}
