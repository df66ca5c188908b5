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
	reader  ViewReader[S]
	st      Store
	prefix  string
	builder func() Builder[S]
	log     *slog.Logger
	running atomic.Bool
}

// NewView returns a View of prefix; newBuilder makes an empty Builder.
func NewView[S any](st Store, prefix string, newBuilder func() Builder[S], log *slog.Logger) *View[S] {
	v := &View[S]{st: st, prefix: prefix, builder: newBuilder, log: log}
	v.reader.v = v
	return v
}

// Current returns the latest snapshot and its revision; ok is false before
// the first one.
func (v *View[S]) Current() (s S, rev int64, ok bool) { return v.Load() }

// Value returns the latest snapshot, or the zero S before the first one.
func (v *View[S]) Value() S {
	s, _, _ := v.Load()
	return s
}

// Reader returns the read side of v: what a service hands to the followers
// of its data (DNS, the gateway), without Run or Publish, which belong to
// the service that owns the view.
func (v *View[S]) Reader() *ViewReader[S] { return &v.reader }

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

// Commit commits the transaction build returns (Retry re-runs build when
// another writer won a race), then waits until the view has the write, so
// a caller that writes and then reads the view sees its own write. The
// services' control planes write through it.
func (v *View[S]) Commit(ctx context.Context, build func() (Txn, error)) error {
	rev, err := Retry(ctx, v.st, build)
	if err == nil && rev > 0 {
		v.WaitRevision(ctx, rev)
	}
	return err
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

// ViewReader is the read side of a View. Services export it under their own
// name (cloudmap.View, apigw.View) as the snapshots their followers read.
type ViewReader[S any] struct{ v *View[S] }

// Snapshot returns the current snapshot, or the zero S before the first
// build.
func (r *ViewReader[S]) Snapshot() S { return r.v.Value() }

// Next blocks until a snapshot newer than revision after exists and returns
// it. Followers loop on it to rebuild their own data.
func (r *ViewReader[S]) Next(ctx context.Context, after int64) (S, error) {
	s, _, err := r.v.Next(ctx, after)
	return s, err
}

// Changed returns a channel closed when the view next publishes: a Source
// for the snapshots derived from it (DNS zones, the gateway's routes).
func (r *ViewReader[S]) Changed() <-chan struct{} { return r.v.Changed() }
