package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Feed holds the latest immutable value of type S and the store revision it
// reflects. Readers on the data plane Load it with one atomic read and never
// wait on its writer; followers wait for a newer value with Next or Await.
// The zero Feed is empty and ready to use.
type Feed[S any] struct {
	cur     atomic.Pointer[published[S]]
	mu      sync.Mutex
	changed chan struct{} // closed by the next Publish
}

type published[S any] struct {
	value S
	rev   int64
}

// Publish makes v, built from the store at rev, the value readers see,
// and wakes every follower.
func (f *Feed[S]) Publish(v S, rev int64) {
	f.cur.Store(&published[S]{value: v, rev: rev})
	f.mu.Lock()
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
	f.mu.Unlock()
}

// Load returns the latest value and its revision; ok is false before the
// first Publish.
func (f *Feed[S]) Load() (v S, rev int64, ok bool) {
	if p := f.cur.Load(); p != nil {
		return p.value, p.rev, true
	}
	return v, 0, false
}

// Changed returns a channel closed by the next Publish.
func (f *Feed[S]) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// Await blocks until done holds for the latest value, and returns it.
func (f *Feed[S]) Await(ctx context.Context, done func(v S, rev int64) bool) (S, int64, error) {
	for {
		ch := f.Changed() // before Load, so a Publish in between still wakes us
		if p := f.cur.Load(); p != nil && done(p.value, p.rev) {
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

// Next blocks until a value newer than revision after is published.
func (f *Feed[S]) Next(ctx context.Context, after int64) (S, int64, error) {
	return f.Await(ctx, func(_ S, rev int64) bool { return rev > after })
}
