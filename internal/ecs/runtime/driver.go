package runtime

import (
	"golang.org/x/sync/errgroup"
	"strings"

	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Driver runs the containers of ECS tasks on one node. Implementations are
// safe for concurrent use.
//
// A container is named by the ID StartContainer returns (what ECS shows as a
// container's runtimeId). IDs stay valid across a restart of the server: a new
// Driver over the same state finds the same containers under the same IDs.
type Driver interface {
	// Name is the runtime's name as the --runtime flag spells it.
	Name() string

	// ProvisionTask gives a task its network identity: one IPv4 address that
	// all its containers share, as an awsvpc ENI does. Provisioning a task
	// that is already provisioned returns it unchanged, so the call is safe to
	// repeat after a crash.
	ProvisionTask(ctx context.Context, spec TaskSpec) (Task, error)

	// DeprovisionTask kills and removes whatever containers of the task are
	// left, with their logs, and frees the task's address. Stop containers
	// gracefully first; this is the cleanup. Deprovisioning an unknown task is
	// not an error.
	DeprovisionTask(ctx context.Context, taskID string) error

	// StartContainer creates and starts one container of a provisioned task
	// and returns its state. A missing image is an *ImageNotFoundError; an
	// unknown task a *NotFoundError.
	StartContainer(ctx context.Context, taskID string, spec ContainerSpec) (ContainerState, error)

	// StopContainer sends SIGTERM to the container and SIGKILL if it has not
	// exited after timeout, then returns once it has exited. Stopping a
	// stopped container is not an error.
	StopContainer(ctx context.Context, id string, timeout time.Duration) error

	// Wait blocks until the container has exited and returns how.
	Wait(ctx context.Context, id string) (ExitStatus, error)

	// Inspect returns the container's current state.
	Inspect(ctx context.Context, id string) (ContainerState, error)

	// Stats samples the resource usage of a running container.
	Stats(ctx context.Context, id string) (Stats, error)

	// Logs calls fn for each line the container wrote to stdout or stderr,
	// starting after opts.After. With opts.Follow it keeps going until the
	// container has exited and its output is drained, or ctx ends; without, it
	// returns at the end of what is there. An error from fn stops Logs and is
	// returned.
	Logs(ctx context.Context, id string, opts LogOptions, fn func(LogLine) error) error

	// Exec runs cmd inside the running container (its environment, working
	// directory and network identity) and returns its exit code and output.
	// This is how container health checks run; ctx carries their timeout. A
	// command that cannot be run exits 126 or 127, as with docker exec.
	Exec(ctx context.Context, id string, cmd []string) (ExecResult, error)

	// List returns every task this driver's owner has provisioned and not yet
	// deprovisioned, with all their containers, running or not. It is how a
	// restarted server re-adopts its tasks and finds orphans.
	List(ctx context.Context) ([]Task, error)
}

// Remover is the optional capability to remove everything a driver's owner
// has on the node: every task with its containers, logs and networks. It
// is not part of a task's life (tasks outlive the server by design, so a
// restart can re-adopt them): the server's RemoveAllTasks calls it to clean
// up after tests and to reset a data dir. Both drivers, process and docker,
// implement it.
type Remover interface {
	RemoveAll(ctx context.Context) error
}

// BatchDeprovisioner is the optional capability of a driver that
// deprovisions many tasks together faster than one at a time (the process
// runtime kills them all at once, with one scan of the process table).
// DeprovisionTasks is DeprovisionTask for each of taskIDs.
type BatchDeprovisioner interface {
	DeprovisionTasks(ctx context.Context, taskIDs []string) error
}

// HostAddresser is the optional capability of a driver whose tasks cannot
// reach the host's loopback but reach the host at an address of their own
// (the docker runtime: the gateway of its DNS network). What the host plays
// for tasks listens there too: the DNS server, the API gateway as an
// execute-api VPC endpoint. ok is false when there is no such address.
type HostAddresser interface {
	HostAddr() (addr netip.Addr, ok bool)
}

// DeprovisionTasks deprovisions each of tasks with d, several at once
// (each waits for its processes to die), going on past a failure so that
// one stuck task does not keep the rest: the first step of both drivers'
// RemoveAll, and of a reset. It returns the failures joined. A driver that
// is a BatchDeprovisioner does them all in one call.
func DeprovisionTasks(ctx context.Context, d Driver, tasks []Task) error {
	if b, ok := d.(BatchDeprovisioner); ok {
		ids := make([]string, len(tasks))
		for i, t := range tasks {
			ids[i] = t.ID
		}
		return b.DeprovisionTasks(ctx, ids)
	}
	errs := make([]error, len(tasks))
	var g errgroup.Group
	g.SetLimit(deprovisionAtOnce)
	for i, t := range tasks {
		g.Go(func() error {
			errs[i] = d.DeprovisionTask(ctx, t.ID)
			return nil
		})
	}
	g.Wait()
	return errors.Join(errs...)
}

// deprovisionAtOnce bounds DeprovisionTasks' concurrency: enough to
// overlap the waits, few enough not to swamp the docker engine.
const deprovisionAtOnce = 16

// TaskSpec is what ProvisionTask needs to know about a task.
type TaskSpec struct {
	// TaskID is the task ARN's last part (32 hex digits in ECS).
	TaskID string
	// Cluster is the cluster's name; the docker driver gives each cluster a
	// network of its own.
	Cluster string
	// Subnet is the EC2 subnet the task's interface is in, when EC2 knows
	// it; the zero value when the task names no real subnet. A driver that
	// can (docker) gives the task an address from the subnet's CIDR; one
	// that cannot (process: loopback addresses) ignores it.
	Subnet Subnet
}

// Subnet is an EC2 subnet as a driver sees it: where a task's address
// comes from, and the VPC whose tasks reach each other.
type Subnet struct {
	ID    string // subnet-…
	VpcID string // vpc-…
	// CIDR is the subnet's IPv4 block, within VpcCIDR, the VPC's.
	CIDR    netip.Prefix
	VpcCIDR netip.Prefix
}

// IsZero reports whether the subnet is unset.
func (s Subnet) IsZero() bool { return s == Subnet{} }

// Task is a provisioned task as the driver sees it.
type Task struct {
	ID      string
	Cluster string
	// Owner is the owner string of the driver that provisioned the task.
	Owner string
	// Address is the task's private IPv4 address (the ENI's privateIPv4Address).
	Address netip.Addr
	// Containers are filled in by List, ordered by start time.
	Containers []ContainerState
}

// ContainerSpec is one container definition of a task, resolved: overrides
// applied, secrets and environment files already merged into Environment.
type ContainerSpec struct {
	Name string
	// Image is an image reference (docker) or an executable or directory
	// (process; see that package's doc).
	Image            string
	EntryPoint       []string
	Command          []string
	Environment      map[string]string
	WorkingDirectory string
	PortMappings     []PortMapping
	// CPU is the container's cpu units (1024 = one vCPU), a relative weight.
	CPU int
	// Memory is the hard limit and MemoryReservation the soft one, in MiB;
	// zero means none.
	Memory            int
	MemoryReservation int
}

// PortMapping is a port the container listens on. Under awsvpc there is no
// host port: the port is reached at the task's address.
type PortMapping struct {
	ContainerPort int
	// Protocol is "tcp" (the default) or "udp".
	Protocol string
}

// PortBinding is where a container port is reached on the host when that
// differs from the container port: the process runtime in ports mode gives
// every task 127.0.0.1 and each container port a host port of its own, as
// ECS's bridge mode does with hostPort.
type PortBinding struct {
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort"`
	Protocol      string `json:"protocol,omitempty"`
}

// Status is a container's lastStatus in ECS terms.
type Status string

const (
	// StatusPending: created but not (yet) started.
	StatusPending Status = "PENDING"
	StatusRunning Status = "RUNNING"
	StatusStopped Status = "STOPPED"
)

// ContainerState is a container as the driver last saw it.
type ContainerState struct {
	// ID is the driver's handle for the container (ECS runtimeId).
	ID      string
	TaskID  string
	Cluster string
	Name    string
	Image   string
	Status  Status
	// PID is the host pid of the container's main process while it runs, as
	// far as the driver knows it; 0 otherwise.
	PID int
	// Address is the task's address, shared by all its containers.
	Address netip.Addr
	// Ports are the container's port mappings whose host port differs from
	// the container port; a port not listed is reached as itself at
	// Address (awsvpc).
	Ports     []PortBinding
	StartedAt time.Time
	// Exit is set once Status is StatusStopped.
	Exit *ExitStatus
}

// HostPort is where the container's containerPort is reached at Address:
// its binding's host port, or the port itself.
func (s ContainerState) HostPort(containerPort int) int {
	for _, p := range s.Ports {
		if p.ContainerPort == containerPort {
			return p.HostPort
		}
	}
	return containerPort
}

// UnknownExitCode is ExitStatus.Code when the driver cannot know it, e.g. for
// a process that exited while no server was its parent. ECS shows no exitCode
// then.
const UnknownExitCode = -1

// ExitStatus is how a container ended.
type ExitStatus struct {
	// Code is the exit code; for a death by signal it is 128+signal, as
	// Docker and shells report it (137 after SIGKILL, 143 after SIGTERM).
	Code int
	// Reason explains an abnormal end in words ECS would show as the
	// container's reason, e.g. "OutOfMemoryError: Container killed due to
	// memory usage"; empty for a plain exit.
	Reason     string
	FinishedAt time.Time
}

// Known reports whether Code is a real exit code.
func (e ExitStatus) Known() bool { return e.Code != UnknownExitCode }

// Stats is one sample of a container's resource usage. CPU utilisation is
// the difference of CPUTime between two samples over the time between them.
type Stats struct {
	Time time.Time
	// CPUTime is the CPU time the container has used since it started.
	CPUTime time.Duration
	// MemoryBytes is the memory the container uses now (its working set).
	MemoryBytes uint64
	// MemoryLimitBytes is the limit MemoryBytes counts against; 0 if the
	// driver enforces none.
	MemoryLimitBytes uint64
	// Processes is the number of processes in the container.
	Processes int
}

// Stream says which output a log line came from.
type Stream uint8

const (
	Stdout Stream = iota + 1
	Stderr
)

func (s Stream) String() string {
	switch s {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	}
	return "unknown"
}

// LogLine is one line of container output.
type LogLine struct {
	Stream Stream
	// Time is when the line was written, as closely as the driver knows it.
	Time time.Time
	// Text is the line without its newline.
	Text string
	// Cursor marks the position just after this line; pass it as
	// LogOptions.After to resume there, e.g. after a server restart.
	Cursor string
}

// LogOptions say where Logs starts and whether it follows.
type LogOptions struct {
	Follow bool
	// After is a LogLine.Cursor; empty means from the beginning.
	After string
}

// ExecResult is the outcome of Exec.
type ExecResult struct {
	ExitCode int
	// Output is stdout and stderr interleaved, cut at MaxExecOutput bytes.
	Output []byte
}

// MaxExecOutput bounds ExecResult.Output: a health check's output is for
// humans, and a misbehaving check must not grow the agent without bound.
const MaxExecOutput = 64 << 10

// validCluster reports whether s is a cluster's name in the runtime: an
// ECS cluster name, which a server of several regions prefixes with the
// region's and a dot (us-west-2.dev), so that each region's agent knows
// its own tasks.
func validCluster(s string) bool {
	region, name, tagged := strings.Cut(s, ".")
	if !tagged {
		return ValidName(s)
	}
	return ValidName(region) && ValidName(name)
}

// ValidName reports whether s is what ECS allows in a container name: 1-255
// letters, digits, hyphens and underscores. Task IDs and cluster names fit
// it too, and the drivers build file and container names from all three.
func ValidName(s string) bool {
	if len(s) < 1 || len(s) > 255 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Validate checks the fields every driver relies on.
func (s TaskSpec) Validate() error {
	if !ValidName(s.TaskID) {
		return &InvalidSpecError{Field: "taskId", Value: s.TaskID}
	}
	if !validCluster(s.Cluster) {
		return &InvalidSpecError{Field: "cluster", Value: s.Cluster}
	}
	return s.Subnet.validate()
}

// validate checks a set subnet: ids fit in names and labels, blocks are
// IPv4 and the subnet's lies within its VPC's.
func (s Subnet) validate() error {
	switch {
	case s.IsZero():
		return nil
	case !ValidName(s.ID):
		return &InvalidSpecError{Field: "subnet.id", Value: s.ID}
	case !ValidName(s.VpcID):
		return &InvalidSpecError{Field: "subnet.vpcId", Value: s.VpcID}
	case !s.VpcCIDR.IsValid() || !s.VpcCIDR.Addr().Is4():
		return &InvalidSpecError{Field: "subnet.vpcCidr", Value: s.VpcCIDR.String()}
	case !s.CIDR.IsValid() || !s.CIDR.Addr().Is4() || s.CIDR.Bits() < s.VpcCIDR.Bits() || !s.VpcCIDR.Contains(s.CIDR.Addr()):
		return &InvalidSpecError{Field: "subnet.cidr", Value: s.CIDR.String()}
	}
	return nil
}

// Validate checks the fields every driver relies on.
func (s ContainerSpec) Validate() error {
	if !ValidName(s.Name) {
		return &InvalidSpecError{Field: "name", Value: s.Name}
	}
	for _, p := range s.PortMappings {
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			return &InvalidSpecError{Field: "portMappings.containerPort", Value: fmt.Sprint(p.ContainerPort)}
		}
		if p.Protocol != "" && p.Protocol != "tcp" && p.Protocol != "udp" {
			return &InvalidSpecError{Field: "portMappings.protocol", Value: p.Protocol}
		}
	}
	return nil
}

// HealthCheckCommand turns an ECS healthCheck.command into the argv Exec
// runs: ["CMD", args...] runs args as they are, ["CMD-SHELL", "cmd"] runs
// cmd with /bin/sh -c, as Docker does for both forms.
func HealthCheckCommand(command []string) ([]string, error) {
	if len(command) < 2 {
		return nil, &InvalidSpecError{Field: "healthCheck.command", Value: fmt.Sprint(command)}
	}
	switch command[0] {
	case "CMD":
		return command[1:], nil
	case "CMD-SHELL":
		// Docker joins the rest with spaces too; ECS documents a single string.
		s := command[1]
		for _, a := range command[2:] {
			s += " " + a
		}
		return []string{"/bin/sh", "-c", s}, nil
	}
	return nil, &InvalidSpecError{Field: "healthCheck.command", Value: fmt.Sprint(command)}
}

// Sorted returns tasks in the order List promises: by id, and each task's
// containers by start time, then name.
func Sorted(tasks map[string]*Task) []Task {
	out := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		slices.SortFunc(t.Containers, func(a, b ContainerState) int {
			return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.Name, b.Name))
		})
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Task) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
