// Package health runs the health checks of Cloud Map services that have a
// HealthCheckConfig — on AWS, Route 53 health checks — from Portolan
// itself: HTTP, HTTPS or TCP probes against each instance's
// AWS_INSTANCE_IPV4 and AWS_INSTANCE_PORT.
//
// Where it sits: a Checker is a controller. Every interval it reads the
// latest cloudmap.Snapshot, probes every instance of every checked
// service, and writes a status through cloudmap.Control.SetHealth only when
// the status the snapshot shows is no longer right. From there the change
// flows like any other: store, view, DNS and DiscoverInstances.
//
// It is level-triggered: each round recomputes what to probe from the
// snapshot, and the only memory between rounds is each instance's count of
// consecutive failures, which FailureThreshold is compared with (AWS:
// "the number of consecutive health checks that an endpoint must fail").
// One success makes an instance HEALTHY again.
//
// Services with HealthCheckCustomConfig are not probed: their status is
// whatever UpdateInstanceCustomHealthStatus last said.
package health
