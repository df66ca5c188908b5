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
// it, as an awsvpc task gets one ENI: ProvisionTask gives the task a pause
// container (the ECS agent's "~internal~ecs~pause") that owns the task's
// network namespace, and every container of the task joins it with network
// mode container:<pause>. The containers of a task therefore share one IP
// and reach each other on localhost, and a task's address outlives any of
// its containers. DNS servers and search domains (Config) are set on the
// pause container, whose resolv.conf the others share; on a user-defined
// network the engine's embedded resolver (127.0.0.11) is the nameserver
// there and forwards to those servers, from the task's network namespace,
// so they must be reachable from the cluster network (Portolan's DNS on
// 127.0.0.1 of the host is not).
//
// A task launched in a subnet EC2 knows (runtime.TaskSpec.Subnet) goes on
// a network of its VPC instead, with the lowest free address of its
// subnet: one bridge per VPC, on the VPC's block, so that a VPC's subnets
// reach each other and two VPCs do not (vpc.go says why not a network per
// subnet). A VPC whose block overlaps another network falls back to the
// cluster's network, logged once per subnet. Such a task's pause container
// is never a warm one: its address is given when it is created.
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
// The same address is how tasks reach anything else the host plays for
// them: HostAddr (runtime.HostAddresser) gives it to the server, which has
// the API gateway listen there too, on port 80, and the execute-api VPC
// endpoints' DNS names resolve to it, so that an app in a task calls a
// private API by its name, as from inside a VPC. HostAddr has an address
// only once the DNS server listens there: without Portolan's DNS a task
// could not resolve those names anyway.
//
// # Warm pause containers
//
// Starting a container on a network costs about what `docker run` does,
// most of it the engine's network setup, and a task needs two containers
// started one after the other: its pause container, then its first
// container in the pause container's namespace. So each cluster network
// keeps one warm pause container, started ahead of need: ProvisionTask
// renames it for the task (a few milliseconds) and has a goroutine of the
// driver's start the next one, off the task's path; only a cluster's first
// task, or one that comes while the warm one is taken, starts a pause
// container of its own. A task then costs one container start in a
// namespace that is already there, which is less than `docker run`
// (docs/benchmarks.md).
//
// Labels cannot change and a name can, atomically, so a pause container
// belongs to the task its name says, portolan-<taskId>, and a warm one,
// portolan.warm.<random>, to none: a server killed at any point leaves
// either a task's pause container or a warm one, never something in
// between. New removes the warm ones it finds (a previous server's may
// have other DNS settings, or be half made). A warm container holds one
// address of its cluster's subnet, and goes with the network when the
// cluster's last task does. Giving a single-container task no pause
// container at all would save as much, but the driver does not know at
// ProvisionTask how many containers a task has, and a task's first
// container cannot own the namespace: when it exits, the others would
// lose the task's address.
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
// (Config.Owner, e.g. the server's data-dir id), the cluster and, on a task
// container, the task ID and the container name (and, in a VPC, on every
// container of the task, the VPC, the subnet and the task's address); a
// pause container's task is its name. List finds the owner's containers by label, so a restarted
// server re-adopts its tasks and sees its orphans, and servers with
// different owners can share one engine without touching each other's
// containers. A cluster's network is removed when its last task is
// deprovisioned, a VPC's when its last task is.
//
// Names: the pause container is portolan-<taskId>, a task container
// portolan-<taskId>.<name> (a dot cannot occur in an ECS container name, so
// the two never clash), a warm pause container portolan.warm.<random>, a
// cluster network portolan-<cluster>-<owner hash>, a VPC's network
// portolan-<owner hash>.<vpc-id>, the DNS network portolan-<owner hash>.dns.
// A container's ID is its Docker ID, which is also what ECS shows as its
// runtimeId on EC2.
package docker
