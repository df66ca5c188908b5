package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/store/etcdtest"
	"github.com/portolan/portolan/internal/store/storetest"
)

// lags records what a WatchLag reports at each handover.
type lags struct {
	mu  sync.Mutex
	got []int64
}

func (l *lags) handed(lag int64) {
	l.mu.Lock()
	l.got = append(l.got, lag)
	l.mu.Unlock()
}

func (l *lags) all() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int64(nil), l.got...)
}

// TestWatchLagConformance: a store whose watches measure their lag still
// keeps the whole contract, on both backends.
func TestWatchLagConformance(t *testing.T) {
	t.Run("bolt", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, dir string) store.Store {
			return store.NewWatchLag(openBolt(t, dir, store.BoltOptions{}), func(int64) {})
		})
	})
	t.Run("etcd", func(t *testing.T) {
		members := map[string]*etcdtest.Member{}
		storetest.Run(t, func(t *testing.T, dir string) store.Store {
			m, ok := members[dir]
			if ok {
				m.Restart(t)
			} else {
				m = etcdtest.Start(t, testIP, dir)
				members[dir] = m
			}
			return store.NewWatchLag(openEtcd(t, []string{m.Client}, store.EtcdOptions{}), func(int64) {})
		})
	})
}

// TestWatchLag: a watch whose reader does not take its changes is behind
// by the revisions from the oldest one it holds to the head; once the
// reader takes them it is current, and each handover is reported with the
// revisions written since (none, or those of another prefix that came
// after).
func TestWatchLag(t *testing.T) {
	backends := map[string]func(t *testing.T) store.Store{
		"bolt": func(t *testing.T) store.Store { return openBolt(t, t.TempDir(), store.BoltOptions{}) },
		"etcd": func(t *testing.T) store.Store {
			m := etcdtest.Start(t, testIP, t.TempDir())
			return openEtcd(t, []string{m.Client}, store.EtcdOptions{})
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			var l lags
			s := store.NewWatchLag(open(t), l.handed)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, err := s.Watch(ctx, "w/", s.Revision())
			if err != nil {
				t.Fatal(err)
			}
			if n, lag := s.Behind(); n != 1 || lag != 0 {
				t.Fatalf("an idle watch: %d watches, lag %d", n, lag)
			}
			first := putKey(t, s, "w/a")
			putKey(t, s, "w/b")
			putKey(t, s, "w/c")
			head := s.Revision()
			// The watch holds the changes its reader has not taken: behind
			// by the revisions from the oldest to the head.
			waitLag(t, s, head-first+1)
			var got []store.Event
			for len(got) < 3 {
				got = append(got, <-ch...)
			}
			if len(got) != 3 || got[0].KV.ModRevision != first || got[2].KV.ModRevision != head {
				t.Fatalf("the reader took %v, want the three changes in order", got)
			}
			waitLag(t, s, 0) // the reader took everything
			if h := l.all(); len(h) == 0 || h[len(h)-1] != 0 {
				t.Fatalf("handovers %v, want the last at lag 0", h)
			}
			// A change the reader takes only after two writes elsewhere.
			putKey(t, s, "w/d")
			putKey(t, s, "other/1")
			putKey(t, s, "other/2")
			waitLag(t, s, 3)
			<-ch
			waitLag(t, s, 0)
			if got := l.all(); got[len(got)-1] != 2 {
				t.Fatalf("handovers %v, want the last at lag 2", got)
			}
			cancel()
			for range ch {
			}
			if n, _ := s.Behind(); n != 0 {
				t.Fatalf("%d watches after the watch ended", n)
			}
		})
	}
}

func putKey(t *testing.T, s store.Store, key string) int64 {
	t.Helper()
	rev, err := s.Commit(context.Background(), store.Txn{Then: []store.Op{store.Put(key, []byte("v"))}})
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// waitLag waits until the largest lag is want (the watch's goroutine
// takes the backend's changes a moment after they are committed).
func waitLag(t *testing.T, s *store.WatchLag, want int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, lag := s.Behind()
		if lag == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lag %d, want %d", lag, want)
		}
	}
}
