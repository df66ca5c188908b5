// Package loadbalancing registers ECS service tasks as targets of their
// services' Elastic Load Balancing v2 target groups, as ECS does for a
// service with loadBalancers.
//
// Like ecs/discovery, a Registrar plays two parts. As the agent's
// Lifecycle it registers a task's address and container port at
// ACTIVATING, before the task is RUNNING, and at DEACTIVATING, before any
// container is signalled, deregisters it and waits while the target
// drains (the group's deregistration delay), so that connections already
// open finish and no new one is sent to a dying task. As the scheduler's
// Discovery it reconciles after every scheduling pass: a target whose task
// is stopping or stopped is deregistered (covering a crash between any two
// steps), and a RUNNING task whose target is missing is registered again.
//
// Targets carry no tags, so the reconciler recognises the targets it owns
// by their address and port: those of a task that names the group. Any
// other target of the group is left alone.
package loadbalancing
