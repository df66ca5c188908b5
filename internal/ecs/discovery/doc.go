// Package discovery registers ECS service tasks in AWS Cloud Map, as ECS's
// service discovery integration does (spec §C.9).
//
// A Registrar plays two parts. As the agent's Lifecycle it registers a
// task at ACTIVATING, before the task is RUNNING, and deregisters it at
// DEACTIVATING, before any container is signalled, then waits a short
// drain so that clients which resolved it just before can still finish.
// As the scheduler's Discovery it reconciles after every scheduling pass:
// instances of tasks that are stopping or gone are deregistered (covering
// a crash between any two steps), a RUNNING task whose registration is
// missing is registered again, and container health becomes Cloud Map
// custom health, written only when it changes.
//
// Every instance is named by its task id and carries ECS's attributes
// (ECS_CLUSTER_NAME, ECS_SERVICE_NAME…); those attributes are how the
// reconciler recognises the instances it owns.
package discovery
