package store

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Update is what a follower is told: a full listing of its prefix (Listed,
// with every key as a put, replacing all it was told before), a burst of
// later changes, or (neither) the wake-up it asked for.
type Update struct {
	Listed bool
	Events []Event
	// Rev is the store revision the follower has now seen everything up to.
	Rev int64
}

// Puts ranges over the values the update writes (for a listing, every
// value under the prefix).
func (u Update) Puts(yield func(KV) bool) {
	for _, ev := range u.Events {
		if ev.Type == EventPut && !yield(ev.KV) {
			return
		}
	}
}

// Follower reacts to an Update and says when it wants to be called again
// without a change (zero: only on the next change or resync).
type Follower func(ctx context.Context, u Update) (wake time.Time)

// Follow is the loop every reader of the store runs (views for the data
// plane, reconcilers): it lists prefix, then watches from the listing's
// revision, handing fn each burst of changes as one Update (batches already
// waiting join the one being delivered, so a hundred tasks starting cost
// one call). It lists again when the watch falls behind compaction and,
// when resync is positive, every resync. It returns nil when ctx ends, or
// the store's error.
func Follow(ctx context.Context, st Store, prefix string, resync time.Duration, log *slog.Logger, fn Follower) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := follow{st: st, prefix: prefix, fn: fn, wake: time.NewTimer(time.Hour)}
	f.wake.Stop()
	defer f.wake.Stop()
	var tick <-chan time.Time
	if resync > 0 {
		t := time.NewTicker(resync)
		defer t.Stop()
		tick = t.C
	}
	for {
		watch, err := f.list(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrCompacted) {
			continue
		} else if err != nil {
			return err
		}
		if f.watch(ctx, watch, tick) && ctx.Err() == nil {
			log.Warn("watch fell behind the store; listing again", "prefix", prefix)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

type follow struct {
	st     Store
	prefix string
	fn     Follower
	wake   *time.Timer
	rev    int64
}

// list hands fn the whole prefix and opens a watch from where it was read.
func (f *follow) list(ctx context.Context) (<-chan []Event, error) {
	kvs, rev, err := f.st.List(ctx, f.prefix)
	if err != nil {
		return nil, err
	}
	events := make([]Event, len(kvs))
	for i, kv := range kvs {
		events[i] = Event{Type: EventPut, KV: kv}
	}
	f.rev = rev
	f.deliver(ctx, Update{Listed: true, Events: events, Rev: rev})
	return f.st.Watch(ctx, f.prefix, rev)
}

// watch delivers changes until the watch ends (it reports true: list
// again), a resync is due (false) or ctx ends.
func (f *follow) watch(ctx context.Context, watch <-chan []Event, tick <-chan time.Time) (fellBehind bool) {
	for {
		select {
		case batch, ok := <-watch:
			if !ok {
				return true
			}
			events, open := f.drain(batch, watch)
			if len(events) == 0 {
				continue
			}
			f.rev = events[len(events)-1].KV.ModRevision
			f.deliver(ctx, Update{Events: events, Rev: f.rev})
			if !open {
				return true
			}
		case <-f.wake.C:
			f.deliver(ctx, Update{Rev: f.rev})
		case <-tick:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// drain appends every batch already waiting to the first.
func (f *follow) drain(events []Event, watch <-chan []Event) ([]Event, bool) {
	for {
		select {
		case more, ok := <-watch:
			if !ok {
				return events, false
			}
			events = append(events, more...)
		default:
			return events, true
		}
	}
}

func (f *follow) deliver(ctx context.Context, u Update) {
	wake := f.fn(ctx, u)
	f.wake.Stop()
	if !wake.IsZero() {
		f.wake.Reset(max(time.Until(wake), time.Millisecond)) // never a busy loop
	}
}
