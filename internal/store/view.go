package store

import (
	"context"
	"log/slog"
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

// View keeps the latest snapshot of a key prefix in a Feed, rebuilt by
// Follow: readers (the data plane) never touch the store and never wait
// on the builder.
type View[S any] struct {
	Feed[S]
	st      Store
	prefix  string
	builder func() Builder[S]
	log     *slog.Logger
	running atomic.Bool
}

// NewView returns a View of prefix; newBuilder makes an empty Builder.
func NewView[S any](st Store, prefix string, newBuilder func() Builder[S], log *slog.Logger) *View[S] {
	return &View[S]{st: st, prefix: prefix, builder: newBuilder, log: log}
}

// Current returns the latest snapshot and its revision; ok is false before
// the first one.
func (v *View[S]) Current() (s S, rev int64, ok bool) { return v.Load() }

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

// Run keeps the view current until ctx ends.
func (v *View[S]) Run(ctx context.Context) error {
	v.running.Store(true)
	defer v.running.Store(false)
	var b Builder[S]
	return Follow(ctx, v.st, v.prefix, 0, v.log, func(_ context.Context, u Update) time.Time {
		if u.Listed {
			b = v.builder()
		}
		for _, ev := range u.Events {
			b.Apply(ev)
		}
		prev, rev, _ := v.Load()
		// A listing after the watch fell behind may be read at an older
		// revision than a snapshot already published; never go back.
		rev = max(u.Rev, rev)
		v.Publish(b.Build(prev, rev), rev)
		return time.Time{}
	})
}
