package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Builder folds a prefix's records into immutable snapshots of type S.
// A View owns it: Apply takes each change (a fresh Builder starts from a
// full listing, given as puts), Build makes a snapshot of what was applied,
// reusing whatever prev holds that did not change.
type Builder[S any] interface {
	Apply(ev Event)
	Build(prev S, rev int64) S
}

// View keeps the latest snapshot of a key prefix, rebuilt from a watch and
// published atomically: readers (the data plane) never touch the store and
// never wait on the builder.
type View[S any] struct {
	st      Store
	prefix  string
	builder func() Builder[S]
	log     *slog.Logger

	snap    atomic.Pointer[snapshot[S]]
	mu      sync.Mutex
	changed chan struct{} // closed when a snapshot is published
	running atomic.Bool
}

type snapshot[S any] struct {
	value S
	rev   int64
}

// NewView returns a View of prefix; newBuilder makes an empty Builder.
func NewView[S any](st Store, prefix string, newBuilder func() Builder[S], log *slog.Logger) *View[S] {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &View[S]{st: st, prefix: prefix, builder: newBuilder, log: log, changed: make(chan struct{})}
}

// Current returns the latest snapshot and its revision; ok is false before
// the first one.
func (v *View[S]) Current() (s S, rev int64, ok bool) {
	if p := v.snap.Load(); p != nil {
		return p.value, p.rev, true
	}
	return s, 0, false
}

// Next blocks until a snapshot newer than revision after exists and returns
// it. Followers (DNS, the gateway) loop on it to rebuild their own data.
func (v *View[S]) Next(ctx context.Context, after int64) (S, int64, error) {
	for {
		v.mu.Lock()
		ch := v.changed
		v.mu.Unlock()
		if p := v.snap.Load(); p != nil && p.rev > after {
			return p.value, p.rev, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			var zero S
			return zero, 0, ctx.Err()
		}
	}
}

// WaitRevision waits, briefly, until the view has caught up with a write at
// rev, so that a client that writes and then reads the data plane sees its
// write. It returns at once when the view is not running.
func (v *View[S]) WaitRevision(ctx context.Context, rev int64) {
	if !v.running.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v.Next(ctx, rev-1)
}

func (v *View[S]) publish(s S, rev int64) {
	v.snap.Store(&snapshot[S]{value: s, rev: rev})
	v.mu.Lock()
	close(v.changed)
	v.changed = make(chan struct{})
	v.mu.Unlock()
}

// Run keeps the view current until ctx ends: a full listing, then the
// watch from its revision; a watch that falls behind compaction starts over.
func (v *View[S]) Run(ctx context.Context) error {
	v.running.Store(true)
	defer v.running.Store(false)
	for {
		kvs, rev, err := v.st.List(ctx, v.prefix)
		if err != nil {
			return err
		}
		b := v.builder()
		for _, kv := range kvs {
			b.Apply(Event{Type: EventPut, KV: kv})
		}
		var prev S
		if p := v.snap.Load(); p != nil {
			prev = p.value
			rev = max(rev, p.rev)
		}
		v.publish(b.Build(prev, rev), rev)
		watch, err := v.st.Watch(ctx, v.prefix, rev)
		if errors.Is(err, ErrCompacted) {
			continue
		}
		if err != nil {
			return err
		}
		v.follow(ctx, b, watch)
		if ctx.Err() != nil {
			return nil
		}
		v.log.Warn("view fell behind the store; rebuilding", "prefix", v.prefix)
	}
}

func (v *View[S]) follow(ctx context.Context, b Builder[S], watch <-chan []Event) {
	apply := func(batch []Event) (rev int64) {
		for _, ev := range batch {
			b.Apply(ev)
			rev = ev.KV.ModRevision
		}
		return rev
	}
	for batch := range watch {
		last := apply(batch)
		// Take whatever else is already waiting, so a burst of writes costs
		// one rebuild rather than one each.
	drain:
		for {
			select {
			case more, ok := <-watch:
				if !ok {
					break drain
				}
				last = apply(more)
			default:
				break drain
			}
		}
		p := v.snap.Load()
		v.publish(b.Build(p.value, last), last)
		if ctx.Err() != nil {
			return
		}
	}
}
