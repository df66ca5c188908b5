// Package ecs is Amazon ECS: clusters, task definitions, tasks, services
// and their deployments, served over awsJson1_1.
//
// The API writes a task's desired state under ecs/task/; the agent
// (package ecs/agent) runs it through a runtime driver (ecs/runtime) and
// writes what it observes under ecs/taskstatus/. Keeping the two writers on
// separate keys means neither ever overwrites the other; DescribeTasks
// merges them.
//
// Services live under ecs/service/. The Scheduler is their level-triggered
// controller: from the services, tasks and statuses it reads on every pass
// it starts and stops tasks to honour desiredCount and the rolling
// deployment's bounds, trips the circuit breaker and rolls back. Package
// ecs/discovery keeps each service task's Cloud Map instance: registered
// while the task is ACTIVATING, deregistered while it is DEACTIVATING,
// before any container is signalled.
//
// Files follow the skeleton every service shares: service.go (Control, the
// façade), keys.go (the store layout), errors.go, model.go (wire types),
// api.go (the operation table), then one file per resource: clusters.go,
// taskdefs.go, tasks.go, services.go, deployments.go, registries.go,
// tags.go; scheduler*.go is the service controller.
package ecs
