// Package docker is the faithful runtime driver: each container definition
// runs as a Docker container, through the engine API
// (github.com/moby/moby/client), on the images the local engine already
// has. Portolan never pulls: a missing image is an
// *runtime.ImageNotFoundError, which ECS reports as CannotPullContainerError.
//
// # Networking: awsvpc on a bridge
//
// Each cluster gets a bridge network of its own, on a private subnet the
// driver picks from Config.SubnetPool so that it overlaps no other network
// of the engine and no address of the host. Each task gets one address on
// it, as an awsvpc task gets one ENI: ProvisionTask starts a pause container
// (the ECS agent's "~internal~ecs~pause") that owns the task's network
// namespace, and every container of the task joins it with network mode
// container:<pause>. The containers of a task therefore share one IP and
// reach each other on localhost, and a task's address outlives any of its
// containers. DNS servers and search domains (Config) are set on the pause
// container, whose resolv.conf the others share; on a user-defined network
// the engine's embedded resolver (127.0.0.11) is the nameserver there and
// forwards to those servers, from the task's network namespace, so they must
// be reachable from the cluster network (Portolan's DNS on 127.0.0.1 of the
// host is not).
//
// That is what the DNS network is for: with Config.DNS, New creates (or,
// after a restart, finds) a /30 bridge network of the owner's, named
// portolan-<owner hash>.dns, that no container joins, has Portolan's DNS
// server listen on port 53 of its gateway, and puts that address first in
// every task's DNS servers. The gateway is an address of the host, reachable
// from every cluster network, and unlike a cluster's network it stays while
// the server runs, so the DNS server binds it once, before it serves. An
// app in a task then resolves <service>.<namespace> as on ECS, with nothing
// but the resolv.conf the engine writes. Binding port 53 needs root (or
// CAP_NET_BIND_SERVICE); without it New logs a warning and tasks get
// Config.DNSServers alone.
//
// The pause image is built on first use, FROM scratch, around a tiny static
// ELF program generated here (pause(2) in a loop; ppoll(2) on arm64): no
// registry, no toolchain and no binary blob in the repository are needed.
// The same image-building code is exported as BuildScratchImage for tests
// that need an image of their own.
//
// # Ownership and re-adoption
//
// Every container and network the driver creates carries labels: the owner
// (Config.Owner, e.g. the server's data-dir id), the cluster, the task ID
// and the container name. List finds the owner's containers by label, so a
// restarted server re-adopts its tasks and sees its orphans, and servers
// with different owners can share one engine without touching each other's
// containers. A cluster's network is removed when its last task is
// deprovisioned.
//
// Names: the pause container is portolan-<taskId>, a task container
// portolan-<taskId>.<name> (a dot cannot occur in an ECS container name, so
// the two never clash), a cluster network portolan-<cluster>-<owner hash>,
// the DNS network portolan-<owner hash>.dns.
// A container's ID is its Docker ID, which is also what ECS shows as its
// runtimeId on EC2.
package docker
