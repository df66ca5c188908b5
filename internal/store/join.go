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
// zones from Cloud Map): it calls build once at the start and again after
// any source publishes, and publishes what build returns unless ok is
// false (a source not ready yet). Bursts coalesce: build reads the
// sources' latest values, however many were published meanwhile. It
// returns when ctx ends.
func Join[S any](ctx context.Context, out *Feed[S], build func() (v S, rev int64, ok bool), sources ...Source) error {
	cases := make([]reflect.SelectCase, len(sources)+1)
	cases[0] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}
	for {
		// Take every source's signal before reading its value, so a
		// publish between the two still wakes the next round.
		for i, s := range sources {
			cases[i+1] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.Changed())}
		}
		if v, rev, ok := build(); ok {
			out.Publish(v, rev)
		}
		if i, _, _ := reflect.Select(cases); i == 0 {
			return nil
		}
	}
}
