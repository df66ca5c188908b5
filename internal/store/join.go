package store

import (
	"context"
	"reflect"
)

// Source is anything a derived value is built from: a Feed, a View.
type Source interface {
	Changed() <-chan struct{}
}

// Join keeps out current with values derived from several sources (the
// gateway's routing snapshot from the APIs and the Cloud Map views, DNS
// zones from Cloud Map): build runs as Watch's fn, and what it returns is
// published unless ok is false (a source not ready yet, or nothing new).
func Join[S any](ctx context.Context, out *Feed[S], build func() (v S, rev int64, ok bool), sources ...Source) error {
	return Watch(ctx, func() {
		if v, rev, ok := build(); ok {
			out.Publish(v, rev)
		}
	}, sources...)
}

// Watch calls fn once at the start and again after any source publishes,
// until ctx ends. Bursts coalesce: fn reads the sources' latest values,
// however many were published meanwhile. It is how a consumer that keeps
// no value of its own (the load balancers' data plane) follows views.
func Watch(ctx context.Context, fn func(), sources ...Source) error {
	cases := make([]reflect.SelectCase, len(sources)+1)
	cases[0] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}
	for {
		// Take every source's signal before reading its value, so a
		// publish between the two still wakes the next round.
		for i, s := range sources {
			cases[i+1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.Changed())}
		}
		fn()
		if i, _, _ := reflect.Select(cases); i == 0 {
			return nil
		}
	}
}
