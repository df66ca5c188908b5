// Package cluster is what lets several Portolan processes share one store:
// leases and the election of the one controller.
//
// A Lease is a process's membership: keys it puts under the lease live as
// long as the process keeps renewing it, and vanish TTL after it stops
// (kill -9, a lost network), which every watcher of the store sees as a
// delete. An agent registers its container instance under one; the key's
// revision is its epoch, which fences its writes (ecs.TaskStates).
//
// Lead runs the reconcilers on one process at a time: the processes
// campaign in an etcd election, the winner runs them until its lease is
// lost, and another takes over within the TTL.
//
// On etcd both are etcd's own (go.etcd.io/etcd/client/v3/concurrency). On
// the embedded bolt store there is one process, so a lease never expires
// and that process always leads (Local).
package cluster
