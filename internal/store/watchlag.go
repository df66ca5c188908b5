package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// WatchLag is a Store whose watches measure how far behind the store's
// head revision they are, whatever the backend: the store's watch lag
// metric. A watch is behind while it holds changes its reader has not
// taken; handing a batch over, it tells handed how many revisions the
// store has gone past the batch's last change (0: the reader is current).
//
// Each watch gains a goroutine between the backend and the reader, which
// takes the backend's batches as they come and joins those the reader has
// not taken yet (up to maxPending events; then it waits, and the backend
// holds the rest as it would for a slow reader). Batches stay whole
// transactions, in order, so the Watch contract holds unchanged.
type WatchLag struct {
	Store
	handed func(lag int64)

	mu      sync.Mutex
	watches map[*lagWatch]struct{}
}

// maxPending bounds the events a watch holds for a reader that is not
// taking them (bolt's pages are 1024 events).
const maxPending = 1024

type lagWatch struct {
	oldest atomic.Int64 // revision of the oldest change not taken; 0: none
}

// NewWatchLag wraps st; handed is called at every batch a reader takes.
func NewWatchLag(st Store, handed func(lag int64)) *WatchLag {
	return &WatchLag{Store: st, handed: handed, watches: map[*lagWatch]struct{}{}}
}

// Watch implements Store.
func (w *WatchLag) Watch(ctx context.Context, prefix string, after int64) (<-chan []Event, error) {
	in, err := w.Store.Watch(ctx, prefix, after)
	if err != nil {
		return nil, err
	}
	lw := &lagWatch{}
	w.mu.Lock()
	w.watches[lw] = struct{}{}
	w.mu.Unlock()
	out := make(chan []Event)
	go w.forward(ctx, lw, in, out)
	return out, nil
}

// forward is owned by the watch: it ends when the backend's channel
// closes (after handing over what it holds) or when ctx ends.
func (w *WatchLag) forward(ctx context.Context, lw *lagWatch, in <-chan []Event, out chan<- []Event) {
	defer func() {
		w.mu.Lock()
		delete(w.watches, lw)
		w.mu.Unlock()
		close(out)
	}()
	var pending []Event
	for {
		recv, send := in, out
		if len(pending) >= maxPending {
			recv = nil
		}
		if len(pending) == 0 {
			if in == nil {
				return
			}
			send = nil
		}
		select {
		case batch, ok := <-recv:
			if !ok {
				in = nil
				continue
			}
			if len(batch) == 0 {
				continue
			}
			if len(pending) == 0 {
				lw.oldest.Store(batch[0].KV.ModRevision)
			}
			pending = append(pending, batch...)
		case send <- pending:
			w.handed(max(0, w.Store.Revision()-pending[len(pending)-1].KV.ModRevision))
			pending = nil
			lw.oldest.Store(0)
		case <-ctx.Done():
			return
		}
	}
}

// Behind returns the number of open watches and the largest lag among
// them: for a watch holding changes its reader has not taken, the
// revisions from the oldest of them to the store's head, that one
// included; 0 for a watch whose reader is current.
func (w *WatchLag) Behind() (watches int, lag int64) {
	head := w.Store.Revision()
	w.mu.Lock()
	defer w.mu.Unlock()
	for lw := range w.watches {
		if o := lw.oldest.Load(); o > 0 {
			lag = max(lag, head-o+1)
		}
	}
	return len(w.watches), lag
}
