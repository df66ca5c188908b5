package agent

import (
	"context"

	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/runtime"
)

// TaskEnvironment adds to a task's containers what the ECS agent tells
// them besides their definitions' environment (the task role's
// credentials endpoint, the endpoint and region), and forgets the task
// once it is deprovisioned.
type TaskEnvironment interface {
	Environment(ctx context.Context, rec *ecs.TaskRecord) (map[string]string, error)
	Release(ctx context.Context, rec *ecs.TaskRecord) error
}

// spec is what the driver runs for a container of the task: its
// definition, with the TaskEnvironment's variables under the definition's
// own (a definition may override them, as on ECS).
func (r *runner) spec(ctx context.Context, def ecs.ContainerDefinition) (runtime.ContainerSpec, error) {
	spec := containerSpec(def)
	if r.a.cfg.Environment == nil {
		return spec, nil
	}
	r.mu.Lock()
	rec := r.rec
	r.mu.Unlock()
	env, err := r.a.cfg.Environment.Environment(ctx, rec)
	if err != nil {
		return spec, err
	}
	for k, v := range env {
		if _, set := spec.Environment[k]; !set {
			spec.Environment[k] = v
		}
	}
	return spec, nil
}

// release tells the TaskEnvironment the task is gone.
func (r *runner) release(ctx context.Context) {
	if r.a.cfg.Environment == nil {
		return
	}
	r.mu.Lock()
	rec := r.rec
	r.mu.Unlock()
	if err := r.a.cfg.Environment.Release(ctx, rec); err != nil {
		r.a.log.Error("release task environment", "taskArn", rec.TaskArn, "err", err)
	}
}
