package agent

import (
	"context"
	"errors"
	"sync"

	"github.com/portolan/portolan/internal/ecs"
)

// Lifecycles runs several Lifecycle hooks as one: Cloud Map registration
// and load balancer targets, say. Activate runs them in order; Deactivate
// runs them at once, so that their drains overlap instead of adding up.
type Lifecycles []Lifecycle

func (ls Lifecycles) Activate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	var errs []error
	for _, l := range ls {
		errs = append(errs, l.Activate(ctx, rec, st))
	}
	return errors.Join(errs...)
}

func (ls Lifecycles) Deactivate(ctx context.Context, rec *ecs.TaskRecord, st *ecs.TaskStatus) error {
	errs := make([]error, len(ls))
	var wg sync.WaitGroup
	for i, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			copied := *st
			errs[i] = l.Deactivate(ctx, rec, &copied)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
