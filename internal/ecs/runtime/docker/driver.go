package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Labels on everything the driver creates.
const (
	labelOwner   = "portolan.owner"
	labelRole    = "portolan.role" // rolePause, roleContainer or a network's role
	labelCluster = "portolan.ecs.cluster"
	// labelTask is on task containers; a pause container's task is in its
	// name (see pool.go).
	labelTask      = "portolan.ecs.task-id"
	labelContainer = "portolan.ecs.container-name"
	// labelAddress is the task's address on a task container: joined to the
	// pause container's namespace, it has no network settings of its own.
	labelAddress = "portolan.ecs.address"
	// labelVpc and labelSubnet are on the containers of a task in a subnet
	// EC2 knows, labelVpc also on the VPC's network (vpc.go).
	labelVpc    = "portolan.ec2.vpc-id"
	labelSubnet = "portolan.ec2.subnet-id"

	rolePause      = "pause"
	roleContainer  = "container"
	roleNetwork    = "cluster-network"
	roleDNSNetwork = "dns-network"
	roleVpcNetwork = "vpc-network"
)

// DefaultSubnetPool is where cluster subnets come from unless
// Config.SubnetPool says otherwise.
var DefaultSubnetPool = netip.MustParsePrefix("10.213.0.0/16")

// oomReason is the container reason ECS gives after an OOM kill.
const oomReason = "OutOfMemoryError: Container killed due to memory usage"

// Config configures a Driver.
type Config struct {
	// Client talks to the engine; nil means client.New(client.FromEnv).
	Client *client.Client
	// Owner marks every container and network the driver creates, e.g. the
	// server's data-dir id; the driver only ever sees what carries its
	// owner. Required.
	Owner string
	// DNSServers and DNSSearch go into every task's resolv.conf; empty
	// means the engine's defaults.
	DNSServers []netip.Addr
	DNSSearch  []string
	// DNS, if set, is Portolan's DNS server: New has it listen on port 53
	// of the gateway of the owner's DNS network, an address of the host
	// that every cluster network reaches, and puts that address first in
	// DNSServers. If it cannot listen there (port 53 needs root), New logs
	// a warning and tasks get DNSServers alone.
	DNS DNSListener
	// SubnetPool is where cluster subnets (and the DNS network's /30) come
	// from, SubnetBits their size. Defaults: DefaultSubnetPool and 24 (253
	// tasks per cluster).
	SubnetPool netip.Prefix
	SubnetBits int
	// Registry, if set, is Portolan's image registry (ECR's): images it
	// serves are pulled from it. No other image is pulled.
	Registry Registry
	Logger   *slog.Logger
}

// DNSListener is a DNS server that can answer on one more address of the
// host before it starts serving (*dns.Server of internal/cloudmap/dns).
type DNSListener interface {
	Listen(addr string) (string, error)
}

// Driver is the docker runtime. Create it with New.
type Driver struct {
	cfg   Config
	cli   *client.Client
	log   *slog.Logger
	arch  string // the engine's architecture
	pause string // the pause image's tag
	// dns are the tasks' DNS servers: Config.DNSServers, after Portolan's
	// own when Config.DNS listens on the DNS network.
	dns []netip.Addr
	// hostAddr is the DNS network's gateway when Config.DNS listens there:
	// the address of the host every task reaches (HostAddr).
	hostAddr netip.Addr

	// ooms caches oomEvent's answers, by container id.
	ooms sync.Map
	// fallbacks has the subnets whose tasks were put on their cluster's
	// network instead of their VPC's, so that each is logged once.
	fallbacks sync.Map

	// netMu orders creating or claiming a pause container in a cluster
	// network against removing that network when its last task goes.
	netMu sync.Mutex

	// renameMu keeps a rename of a container attached to a network from
	// overlapping a container joining or leaving a network (a start or a
	// removal): Docker 20.10's libnetwork takes two of its locks in
	// opposite orders for the two, and when they meet on one network the
	// engine's networking deadlocks for every client. Renames hold it;
	// starts and removals hold it shared, so they never wait on each other.
	renameMu sync.RWMutex

	// filling has the clusters whose warm pool a goroutine is filling,
	// true if it must fill once more; fills counts those goroutines.
	fillMu  sync.Mutex
	filling map[string]bool
	fills   sync.WaitGroup
}

var (
	_ runtime.Driver        = (*Driver)(nil)
	_ runtime.Remover       = (*Driver)(nil)
	_ runtime.HostAddresser = (*Driver)(nil)
)

// New connects to the engine, checks it answers, and builds the pause image
// if the engine lacks it.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Owner == "" {
		return nil, errors.New("docker runtime: Owner is required")
	}
	if !cfg.SubnetPool.IsValid() {
		cfg.SubnetPool = DefaultSubnetPool
	}
	if cfg.SubnetBits == 0 {
		cfg.SubnetBits = 24
	}
	if !cfg.SubnetPool.Addr().Is4() || cfg.SubnetBits < cfg.SubnetPool.Bits() || cfg.SubnetBits > 30 {
		return nil, fmt.Errorf("docker runtime: cannot cut /%d subnets from %s", cfg.SubnetBits, cfg.SubnetPool)
	}
	cfg.SubnetPool = cfg.SubnetPool.Masked()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cli := cfg.Client
	if cli == nil {
		var err error
		if cli, err = client.New(client.FromEnv); err != nil {
			return nil, fmt.Errorf("docker runtime: %w", err)
		}
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, fmt.Errorf("docker runtime: %w", err)
	}
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker runtime: %w", err)
	}
	pause, err := ensurePauseImage(ctx, cli, v.Arch)
	if err != nil {
		return nil, fmt.Errorf("docker runtime: pause image: %w", err)
	}
	d := &Driver{cfg: cfg, cli: cli, log: cfg.Logger, arch: v.Arch, pause: pause, dns: cfg.DNSServers, filling: map[string]bool{}}
	if cfg.DNS != nil {
		addr, err := d.listenDNS(ctx)
		if err != nil {
			d.log.Warn("Portolan's DNS cannot serve task containers, which will not resolve Cloud Map names (binding port 53 needs root)", "err", err)
		} else {
			d.dns = append([]netip.Addr{addr}, cfg.DNSServers...)
			d.hostAddr = addr
			d.log.Info("tasks resolve through Portolan's DNS", "addr", addr)
		}
	}
	// A previous server's warm pause containers may have other DNS
	// settings, or be half made: start afresh.
	if err := d.removeWarm(ctx); err != nil {
		return nil, fmt.Errorf("docker runtime: %w", err)
	}
	return d, nil
}

// DNSServers are the DNS servers every task's resolv.conf gets.
func (d *Driver) DNSServers() []netip.Addr { return slices.Clone(d.dns) }

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "docker" }

// Client returns the engine client the driver uses.
func (d *Driver) Client() *client.Client { return d.cli }

func pauseName(taskID string) string           { return "portolan-" + taskID }
func containerName(taskID, name string) string { return "portolan-" + taskID + "." + name }

// inspect returns the container id (or name) if this driver's owner owns
// it, and a *runtime.NotFoundError otherwise.
func (d *Driver) inspect(ctx context.Context, kind, id string) (container.InspectResponse, error) {
	res, err := d.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) || (err == nil && (res.Container.Config == nil || res.Container.Config.Labels[labelOwner] != d.cfg.Owner)) {
		return container.InspectResponse{}, &runtime.NotFoundError{Kind: kind, ID: id}
	}
	if err != nil {
		return container.InspectResponse{}, err
	}
	return res.Container, nil
}

// ProvisionTask implements runtime.Driver: it gives the task a pause
// container on the cluster's network, a warm one if the cluster has one.
func (d *Driver) ProvisionTask(ctx context.Context, spec runtime.TaskSpec) (runtime.Task, error) {
	if err := spec.Validate(); err != nil {
		return runtime.Task{}, err
	}
	p, err := d.inspect(ctx, "task", pauseName(spec.TaskID))
	var nf *runtime.NotFoundError
	if errors.As(err, &nf) {
		var id string
		var onCluster bool
		if id, onCluster, err = d.newPause(ctx, spec); err != nil {
			return runtime.Task{}, fmt.Errorf("provision task %s: %w", spec.TaskID, err)
		}
		if onCluster {
			// For the cluster's next task, off this one's path.
			d.refill(spec.Cluster)
		}
		p, err = d.inspect(ctx, "task", id)
	}
	switch {
	case err != nil:
		return runtime.Task{}, err
	case p.Config.Labels[labelCluster] != spec.Cluster:
		return runtime.Task{}, fmt.Errorf("task %s is already provisioned in cluster %s", spec.TaskID, p.Config.Labels[labelCluster])
	case p.State == nil || !p.State.Running:
		// Provisioned before, and stopped since (an engine restart stops
		// everything): bring the namespace back.
		if err := d.start(ctx, p.ID); err != nil {
			return runtime.Task{}, fmt.Errorf("provision task %s: %w", spec.TaskID, err)
		}
		if p, err = d.inspect(ctx, "task", p.ID); err != nil {
			return runtime.Task{}, err
		}
	}
	t := taskOf(spec.TaskID, p.Config.Labels, p.NetworkSettings)
	if !t.Address.IsValid() {
		return runtime.Task{}, fmt.Errorf("provision task %s: pause container %s has no address", spec.TaskID, p.ID)
	}
	return t, nil
}

// newPause gives the task a running pause container: on its VPC's
// network if it has a subnet that can have one (vpc.go), else on the
// cluster's (onCluster), the cluster's warm one or one of its own.
func (d *Driver) newPause(ctx context.Context, spec runtime.TaskSpec) (id string, onCluster bool, err error) {
	if !spec.Subnet.IsZero() {
		if id, ok, err := d.startVpcPause(ctx, spec); err != nil || ok {
			return id, false, err
		}
	}
	id, err = d.newClusterPause(ctx, spec)
	return id, true, err
}

// newClusterPause gives the task a running pause container on its
// cluster's network: the cluster's warm one, or else one of its own.
func (d *Driver) newClusterPause(ctx context.Context, spec runtime.TaskSpec) (string, error) {
	id, running, err := d.claimWarm(ctx, spec)
	switch {
	case err != nil:
		return "", err
	case id == "":
		return d.startPause(ctx, spec)
	case running:
		return id, nil
	}
	// Still starting, which this start waits for (NotModified), or stopped
	// by an engine restart.
	if err := d.start(ctx, id); err != nil && !cerrdefs.IsNotModified(err) {
		if rerr := d.remove(context.WithoutCancel(ctx), id); rerr != nil {
			d.log.Warn("removing a pause container that failed to start", "containerId", id, "err", rerr)
		}
		return "", err
	}
	return id, nil
}

// startPause starts a pause container for the task when the cluster has
// no warm one, creating the cluster's network if needed.
func (d *Driver) startPause(ctx context.Context, spec runtime.TaskSpec) (string, error) {
	d.netMu.Lock()
	network, err := d.clusterNetwork(ctx, spec.Cluster)
	var id string
	if err == nil {
		id, err = d.createPause(ctx, placement{cluster: spec.Cluster, network: network}, pauseName(spec.TaskID))
	}
	d.netMu.Unlock()
	if err != nil {
		return "", err
	}
	if err := d.start(ctx, id); err != nil {
		if rerr := d.remove(context.WithoutCancel(ctx), id); rerr != nil {
			d.log.Warn("removing a pause container that failed to start", "containerId", id, "err", rerr)
		}
		return "", err
	}
	return id, nil
}

// placement is where a pause container goes: its cluster's network, or
// its VPC's with addr, an address of subnet.
type placement struct {
	cluster, network string
	subnet           runtime.Subnet // zero on a cluster's network
	addr             netip.Addr
}

// createPause creates (without starting) a pause container named name
// where p says; callers hold netMu. On a cluster's network the same
// container serves a task started cold and a warm one, so it names no
// task.
func (d *Driver) createPause(ctx context.Context, p placement, name string) (string, error) {
	labels := map[string]string{labelOwner: d.cfg.Owner, labelRole: rolePause, labelCluster: p.cluster}
	var endpoints *network.NetworkingConfig
	if !p.subnet.IsZero() {
		labels[labelVpc], labels[labelSubnet], labels[labelAddress] = p.subnet.VpcID, p.subnet.ID, p.addr.String()
		endpoints = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			p.network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: p.addr}},
		}}
	}
	opts := client.ContainerCreateOptions{
		Name:   name,
		Config: &container.Config{Image: d.pause, Labels: labels},
		HostConfig: &container.HostConfig{
			NetworkMode: container.NetworkMode(p.network),
			DNS:         d.dns,
			DNSSearch:   d.cfg.DNSSearch,
		},
		NetworkingConfig: endpoints,
	}
	res, err := d.cli.ContainerCreate(ctx, opts)
	if cerrdefs.IsNotFound(err) {
		// Someone removed the pause image (docker image prune) since New
		// built it: build it again.
		if _, err = ensurePauseImage(ctx, d.cli, d.arch); err == nil {
			res, err = d.cli.ContainerCreate(ctx, opts)
		}
	}
	if err != nil {
		return "", err
	}
	return res.ID, nil
}

// taskOf makes task id's runtime.Task from its pause container's labels and
// network.
func taskOf(id string, labels map[string]string, ns *container.NetworkSettings) runtime.Task {
	t := runtime.Task{ID: id, Cluster: labels[labelCluster], Owner: labels[labelOwner]}
	if ns != nil {
		for _, ep := range ns.Networks {
			if ep != nil && ep.IPAddress.IsValid() {
				t.Address = ep.IPAddress
			}
		}
	}
	return t
}

// start starts a container that joins a network (a pause container).
func (d *Driver) start(ctx context.Context, id string) error {
	d.renameMu.RLock()
	defer d.renameMu.RUnlock()
	_, err := d.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return err
}

// remove force-removes a container, ignoring that it may be gone already.
func (d *Driver) remove(ctx context.Context, id string) error {
	d.renameMu.RLock()
	_, err := d.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	d.renameMu.RUnlock()
	if err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	d.ooms.Delete(id) // a removed container is never inspected again
	return nil
}

// DeprovisionTask implements runtime.Driver: it removes the task's
// containers, then its pause container, then the cluster's network if that
// was its last task.
func (d *Driver) DeprovisionTask(ctx context.Context, taskID string) error {
	if !runtime.ValidName(taskID) {
		return nil
	}
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner, labelTask+"="+taskID)})
	if err != nil {
		return err
	}
	// The pause container after the task containers, whose network it holds.
	p, err := d.inspect(ctx, "task", pauseName(taskID))
	var nf *runtime.NotFoundError
	switch {
	case err == nil:
		list.Items = append(list.Items, container.Summary{ID: p.ID, Labels: p.Config.Labels})
	case !errors.As(err, &nf):
		return fmt.Errorf("deprovision task %s: %w", taskID, err)
	}
	// Pause containers made before warm pools carry the task label too.
	slices.SortStableFunc(list.Items, func(a, b container.Summary) int {
		return cmpBool(a.Labels[labelRole] == rolePause, b.Labels[labelRole] == rolePause)
	})
	clusters, vpcs := map[string]bool{}, map[string]bool{}
	for _, c := range list.Items {
		if vpc := c.Labels[labelVpc]; vpc != "" {
			vpcs[vpc] = true
		} else {
			clusters[c.Labels[labelCluster]] = true
		}
		if err := d.remove(ctx, c.ID); err != nil {
			return fmt.Errorf("deprovision task %s: %w", taskID, err)
		}
	}
	for cluster := range clusters {
		if err := d.removeNetworkIfUnused(ctx, cluster); err != nil {
			d.log.Warn("removing cluster network", "cluster", cluster, "err", err)
		}
	}
	for vpc := range vpcs {
		if err := d.removeVpcNetworkIfUnused(ctx, vpc); err != nil {
			d.log.Warn("removing VPC network", "vpcId", vpc, "err", err)
		}
	}
	return nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// StartContainer implements runtime.Driver: the container joins the network
// namespace of the task's pause container.
func (d *Driver) StartContainer(ctx context.Context, taskID string, spec runtime.ContainerSpec) (runtime.ContainerState, error) {
	if err := spec.Validate(); err != nil {
		return runtime.ContainerState{}, err
	}
	if !runtime.ValidName(taskID) {
		return runtime.ContainerState{}, &runtime.NotFoundError{Kind: "task", ID: taskID}
	}
	p, err := d.inspect(ctx, "task", pauseName(taskID))
	if err != nil {
		return runtime.ContainerState{}, err
	}
	task := taskOf(taskID, p.Config.Labels, p.NetworkSettings)
	if p.State == nil || !p.State.Running || !task.Address.IsValid() {
		return runtime.ContainerState{}, fmt.Errorf("task %s: its network (pause container %s) is not running", taskID, p.ID[:12])
	}
	image, err := d.image(ctx, spec.Image)
	if err != nil {
		return runtime.ContainerState{}, err
	}

	env := make([]string, 0, len(spec.Environment))
	for k, v := range spec.Environment {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	cfg := &container.Config{
		Image:      image,
		Env:        env,
		WorkingDir: spec.WorkingDirectory,
		Labels: map[string]string{
			labelOwner: d.cfg.Owner, labelRole: roleContainer, labelCluster: task.Cluster, labelTask: taskID,
			labelContainer: spec.Name, labelAddress: task.Address.String(),
		},
	}
	// A VPC's task containers count as its network's users, as its pause
	// container does.
	if vpc := p.Config.Labels[labelVpc]; vpc != "" {
		cfg.Labels[labelVpc], cfg.Labels[labelSubnet] = vpc, p.Config.Labels[labelSubnet]
	}
	// Empty means the image's own, as in ECS.
	if len(spec.EntryPoint) > 0 {
		cfg.Entrypoint = spec.EntryPoint
	}
	if len(spec.Command) > 0 {
		cfg.Cmd = spec.Command
	}
	host := &container.HostConfig{NetworkMode: container.NetworkMode("container:" + p.ID)}
	if spec.CPU > 0 {
		host.CPUShares = int64(max(spec.CPU, 2)) // the kernel's minimum weight is 2
	}
	host.Memory = int64(spec.Memory) << 20
	host.MemoryReservation = int64(spec.MemoryReservation) << 20
	if host.Memory > 0 {
		host.MemorySwap = host.Memory // no swap, as on Fargate: the limit is the limit
	}

	res, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: containerName(taskID, spec.Name), Config: cfg, HostConfig: host,
	})
	if err != nil {
		if cerrdefs.IsConflict(err) {
			return runtime.ContainerState{}, fmt.Errorf("container %s of task %s already exists: %w", spec.Name, taskID, err)
		}
		return runtime.ContainerState{}, fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	if _, err := d.cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		if rerr := d.remove(context.WithoutCancel(ctx), res.ID); rerr != nil {
			d.log.Warn("removing a container that failed to start", "containerId", res.ID, "err", rerr)
		}
		return runtime.ContainerState{}, fmt.Errorf("start container %s: %w", spec.Name, err)
	}
	return d.Inspect(ctx, res.ID)
}

// stateOf turns an inspected container into a runtime.ContainerState.
func stateOf(c container.InspectResponse) runtime.ContainerState {
	l := c.Config.Labels
	s := runtime.ContainerState{
		ID: c.ID, TaskID: l[labelTask], Cluster: l[labelCluster], Name: l[labelContainer], Image: c.Config.Image,
	}
	s.Address, _ = netip.ParseAddr(l[labelAddress])
	st := c.State
	if st == nil {
		s.Status = runtime.StatusPending
		return s
	}
	s.StartedAt = parseTime(st.StartedAt)
	switch st.Status {
	case container.StateCreated:
		s.Status = runtime.StatusPending
	case container.StateRunning, container.StatePaused, container.StateRestarting:
		s.Status, s.PID = runtime.StatusRunning, st.Pid
	default:
		s.Status = runtime.StatusStopped
		e := runtime.ExitStatus{Code: st.ExitCode, Reason: st.Error, FinishedAt: parseTime(st.FinishedAt)}
		if st.OOMKilled {
			e.Reason = oomReason
		}
		s.Exit = &e
	}
	return s
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// Inspect implements runtime.Driver.
func (d *Driver) Inspect(ctx context.Context, id string) (runtime.ContainerState, error) {
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return runtime.ContainerState{}, err
	}
	return d.state(ctx, c), nil
}

// state is stateOf, with an OOM kill the engine's flag missed found in its
// event log: a memory-limited container killed by SIGKILL.
func (d *Driver) state(ctx context.Context, c container.InspectResponse) runtime.ContainerState {
	s := stateOf(c)
	if e := s.Exit; e != nil && e.Code == 137 && e.Reason == "" && c.HostConfig != nil && c.HostConfig.Memory > 0 && d.oomEvent(ctx, c.ID, s.StartedAt, e.FinishedAt) {
		e.Reason = oomReason
	}
	return s
}

// oomLag is how long after a container's exit its OOM event may come.
const oomLag = 250 * time.Millisecond

// oomEvent reports whether the engine logged an OOM kill of the container
// between its start and oomLag after its exit. The engine (20.10 on
// cgroup v1, at least) loses the OOMKilled flag when the container's exit
// reaches it before the OOM notice; the "oom" event is logged either way,
// possibly just after the exit, so a call made at once may wait up to
// oomLag for it (short: a killed task must leave Cloud Map within a
// second). Answers are kept: a container's past does not change.
func (d *Driver) oomEvent(ctx context.Context, id string, started, finished time.Time) bool {
	if v, ok := d.ooms.Load(id); ok {
		return v.(bool)
	}
	if started.IsZero() || finished.IsZero() {
		return false
	}
	until := finished.Add(oomLag)
	ctx, cancel := context.WithTimeout(ctx, time.Until(until)+5*time.Second)
	defer cancel()
	res := d.cli.Events(ctx, client.EventsListOptions{
		Since:   fmt.Sprint(started.Unix() - 1),
		Until:   fmt.Sprintf("%d.%09d", until.Unix(), until.Nanosecond()),
		Filters: make(client.Filters).Add("container", id).Add("event", "oom"),
	})
	for {
		select {
		case <-res.Messages:
			d.ooms.Store(id, true)
			return true
		case err := <-res.Err:
			if err == nil || errors.Is(err, io.EOF) {
				d.ooms.Store(id, false)
			}
			return false
		}
	}
}

// inspectContainer is inspect for task containers: a pause container is not
// one.
func (d *Driver) inspectContainer(ctx context.Context, id string) (container.InspectResponse, error) {
	c, err := d.inspect(ctx, "container", id)
	if err == nil && c.Config.Labels[labelRole] != roleContainer {
		return container.InspectResponse{}, &runtime.NotFoundError{Kind: "container", ID: id}
	}
	return c, err
}

// StopContainer implements runtime.Driver with the engine's stop, whose
// timeout is in whole seconds: timeout is rounded up.
func (d *Driver) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return err
	}
	secs := int(math.Ceil(timeout.Seconds()))
	_, err = d.cli.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &secs})
	if err != nil && !cerrdefs.IsNotModified(err) {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	return nil
}

// Wait implements runtime.Driver.
func (d *Driver) Wait(ctx context.Context, id string) (runtime.ExitStatus, error) {
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return runtime.ExitStatus{}, err
	}
	w := d.cli.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var exit runtime.ExitStatus
	select {
	case r := <-w.Result:
		exit.Code = int(r.StatusCode)
		if r.Error != nil {
			exit.Reason = r.Error.Message
		}
	case err := <-w.Error:
		return runtime.ExitStatus{}, fmt.Errorf("wait for container %s: %w", id, err)
	case <-ctx.Done():
		return runtime.ExitStatus{}, ctx.Err()
	}
	// The wait result lacks the time and the OOM flag; inspect has them
	// unless the container is gone already.
	if c, err := d.inspectContainer(ctx, c.ID); err == nil && c.State != nil {
		if e := d.state(ctx, c).Exit; e != nil {
			return *e, nil
		}
	}
	exit.FinishedAt = time.Now()
	return exit, nil
}

// List implements runtime.Driver: every container with the driver's owner
// label, grouped by task; warm pause containers belong to none. A task
// container whose pause container is gone is listed under a task made up
// from its labels.
func (d *Driver) List(ctx context.Context) ([]runtime.Task, error) {
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).
		Add("label", labelOwner+"="+d.cfg.Owner)})
	if err != nil {
		return nil, err
	}
	tasks := map[string]*runtime.Task{}
	task := func(id string, labels map[string]string) *runtime.Task {
		if tasks[id] == nil {
			tasks[id] = &runtime.Task{ID: id, Cluster: labels[labelCluster], Owner: labels[labelOwner]}
			tasks[id].Address, _ = netip.ParseAddr(labels[labelAddress])
		}
		return tasks[id]
	}
	for _, c := range list.Items {
		switch c.Labels[labelRole] {
		case rolePause:
			id, ok := pauseTaskID(c.Names)
			if !ok {
				continue
			}
			t := task(id, c.Labels)
			if c.NetworkSettings != nil {
				tt := taskOf(id, c.Labels, &container.NetworkSettings{Networks: c.NetworkSettings.Networks})
				if tt.Address.IsValid() {
					t.Address = tt.Address
				}
			}
		case roleContainer:
			in, err := d.inspectContainer(ctx, c.ID)
			var nf *runtime.NotFoundError
			if errors.As(err, &nf) {
				continue // removed since the list
			}
			if err != nil {
				return nil, err
			}
			t := task(c.Labels[labelTask], c.Labels)
			t.Containers = append(t.Containers, d.state(ctx, in))
		}
	}
	return runtime.Sorted(tasks), nil
}

// RemoveAll removes every container and network of the driver's owner:
// the cleanup for tests and for resetting a data dir, not part of a task's
// life.
func (d *Driver) RemoveAll(ctx context.Context) error {
	d.fills.Wait()
	tasks, err := d.List(ctx)
	if err != nil {
		return err
	}
	errs := []error{runtime.DeprovisionTasks(ctx, d, tasks), d.removeWarm(ctx)}
	nets, err := d.ownNetworks(ctx, "")
	if err != nil {
		return err
	}
	dnsNets, err := d.dnsNetworks(ctx)
	if err != nil {
		return err
	}
	vpcNets, err := d.vpcNetworks(ctx, "")
	if err != nil {
		return err
	}
	for _, n := range slices.Concat(nets, dnsNets, vpcNets) {
		if _, err := d.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
