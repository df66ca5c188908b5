// Package runtime is the seam between the ECS agent and whatever actually
// runs task containers on a node: the Driver interface, the values that cross
// it, and the errors it returns.
//
// Where it sits: the ECS controller decides which tasks should run; the agent
// (package ecs) turns each task it owns into Driver calls, in the order the
// task lifecycle gives them (C.5 of the spec):
//
//	PROVISIONING    ProvisionTask   the task's network identity (awsvpc: one IP per task)
//	PENDING         StartContainer  per container, in dependsOn order
//	RUNNING         Wait, Inspect, Stats, Logs, Exec (container health checks)
//	STOPPING        StopContainer   SIGTERM, SIGKILL after stopTimeout
//	DEPROVISIONING  DeprovisionTask removes what is left and frees the IP
//
// and, after a restart, List tells it what is still there so that it re-adopts
// its tasks instead of starting duplicates, and deprovisions what nobody owns.
//
// It is the one deliberately wide interface in Portolan (STYLE.md item 4),
// modelled on Nomad's DriverPlugin but smaller: no fingerprinting, no plugin
// RPC, no opaque driver state. Everything a restarted driver needs to find its
// containers again lives where the containers live (docker labels, or the
// process driver's state directory), so a handle is just a string ID.
//
// The drivers are subpackages: process (the embedded default: a container is
// a host process on a loopback address of its own) and docker (the faithful
// one: a container per container definition, a pause container per task).
// runtimetest holds the conformance suite both pass and the test app they run.
package runtime
