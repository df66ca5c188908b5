package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/cluster"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/store"
)

// The roles a process can run (--roles). Every role works in any process:
// a worker runs agent,gateway,dns against the servers' etcd.
const (
	RoleAPI        = "api"        // the AWS endpoint (and ECR's registry)
	RoleController = "controller" // reconcilers, on the elected leader only
	RoleGateway    = "gateway"    // the HTTP/REST API gateways and load balancers
	RoleDNS        = "dns"        // the DNS server
	RoleAgent      = "agent"      // runs the tasks placed on this node
)

// AllRoles is the default: everything in one process.
var AllRoles = []string{RoleAPI, RoleController, RoleGateway, RoleDNS, RoleAgent}

// ParseRoles reads --roles: a comma-separated subset of AllRoles.
func ParseRoles(v string) ([]string, error) {
	var roles []string
	for _, r := range strings.Split(v, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("unknown role %q: want some of %s", r, strings.Join(AllRoles, ","))
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// NodeConfig is this process's place in a cluster.
type NodeConfig struct {
	// Name is the node's name (--node-name, default the host name); its
	// container instance id derives from it.
	Name string
	// Advertise is the address this node's tasks are reached at.
	Advertise string
	// Zone is the node's availability zone (default <region>a).
	Zone string
	// LeaseTTL is how long a node (and the controller) outlives its last
	// lease renewal (cluster.DefaultTTL when zero).
	LeaseTTL time.Duration
	// CPU (units, 1024 a core) and Memory (MiB) the node offers to tasks;
	// the machine's when zero.
	CPU, Memory int
	// overcommit: neither was told, so the machine's sizes are reported
	// but tasks are placed whatever they reserve (ecs.Node.Overcommit).
	overcommit bool
}

func (c *Config) has(role string) bool { return len(c.Roles) == 0 || slices.Contains(c.Roles, role) }

func (c *Config) nodeDefaults() {
	if c.Node.Name == "" {
		c.Node.Name, _ = os.Hostname()
	}
	if c.Node.Zone == "" {
		c.Node.Zone = c.Region + "a"
	}
	if c.Node.CPU == 0 && c.Node.Memory == 0 {
		c.Node.overcommit = true
	}
	if c.Node.CPU == 0 {
		c.Node.CPU = goruntime.NumCPU() * 1024
	}
	if c.Node.Memory == 0 {
		c.Node.Memory = machineMemory()
	}
}

// machineMemory is the machine's memory in MiB (/proc/meminfo), or 2 GiB
// where that cannot be read.
func machineMemory() int {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 2048
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.Atoi(fields[1]); err == nil {
				return kb / 1024
			}
		}
	}
	return 2048
}

// node is the container instance this process's agent registers.
func (c *Config) node() *ecs.Node {
	arch := goruntime.GOARCH
	if arch == "amd64" {
		arch = "x86_64"
	}
	return &ecs.Node{ID: ecs.NodeID(c.Node.Name), Name: c.Node.Name, Zone: c.Node.Zone, Address: c.Node.Advertise,
		OSType: "linux", Arch: arch, CPU: c.Node.CPU, Memory: c.Node.Memory, Overcommit: c.Node.overcommit, AgentVersion: "portolan"}
}

// leases grants the agent its node leases.
func leases(cl cluster.Cluster) func(ctx context.Context) (agent.Lease, error) {
	return func(ctx context.Context) (agent.Lease, error) { return cl.Grant(ctx) }
}

// controller runs the reconcilers that must run once per installation,
// on the process the cluster elects; every other process waits its turn.
type controller struct {
	cluster cluster.Cluster
	node    string
	roles   []role
	leading *atomic.Bool
}

func (c controller) Run(ctx context.Context) error {
	return c.cluster.Lead(ctx, c.node, func(ctx context.Context) error {
		c.leading.Store(true)
		defer c.leading.Store(false)
		g, ctx := errgroup.WithContext(ctx)
		for _, r := range c.roles {
			g.Go(func() error { return r.Run(ctx) })
		}
		return g.Wait()
	})
}

// Leading says whether this process runs the controller now.
func (s *Server) Leading() bool { return s.leading.Load() }

// NodeID is the container instance id of this process's agent.
func (s *Server) NodeID() string { return ecs.NodeID(s.cfg.Node.Name) }

// roleClass says which --roles entry each runner of the table belongs to;
// runners not named here serve the others (the views every role reads)
// and run in every process.
var roleClass = map[string]string{
	"agent": RoleAgent, "service metrics": RoleAgent, "task endpoint": RoleAgent,
	"scheduler": RoleController, "placer": RoleController, "health checker": RoleController,
	"appautoscaling": RoleController, "cloudwatch": RoleController, "regions' controllers": RoleController,
	"gateway": RoleGateway, "rest gateway": RoleGateway, "gateway listener": RoleGateway,
	"gateway listener for tasks": RoleGateway, "load balancers": RoleGateway, "alb metrics": RoleGateway,
	"dns":      RoleDNS,
	"registry": RoleAPI, "cloudformation": RoleAPI,
}

func classOf(name string) string {
	if strings.HasPrefix(name, "bound API ") {
		return RoleGateway
	}
	return roleClass[name]
}

// selectRoles keeps the runners of the configured roles, the
// controller's gathered into one that runs them while this process leads.
func (s *Server) selectRoles(all []role) []role {
	out, ctl := s.split(all)
	if s.cfg.has(RoleController) {
		out = append(out, role{"controller", controller{cluster: s.cluster, node: s.cfg.Node.Name, roles: ctl, leading: &s.leading}})
	}
	return out
}

// split sorts runners into those of the configured roles that serve in
// any process and the controller's (none when this process does not run
// the controller role).
func (s *Server) split(all []role) (serve, control []role) {
	for _, r := range all {
		switch class := classOf(r.name); {
		case class == RoleController:
			if s.cfg.has(RoleController) {
				control = append(control, r)
			}
		case class == "" || s.cfg.has(class):
			serve = append(serve, r)
		}
	}
	return serve, control
}

// closeUnserved closes the listeners of roles this process does not run,
// so that nothing connects to an address that never answers.
func (s *Server) closeUnserved() {
	if !s.cfg.has(RoleGateway) {
		for _, ln := range append([]net.Listener{s.gwLn, s.taskGwLn}, s.boundLns...) {
			if ln != nil {
				ln.Close()
			}
		}
	}
	if !s.cfg.has(RoleDNS) {
		s.DNS.Close()
	}
	if !s.cfg.has(RoleAPI) {
		s.regLn.Close()
	}
}

// newCluster makes this process's membership in the store's cluster: on
// etcd, leases and the controller election; on bolt, one process.
func newCluster(raw store.Store, cfg Config, log *slog.Logger) cluster.Cluster {
	cl := cluster.For(raw, cfg.Node.LeaseTTL)
	if e, ok := cl.(*cluster.Etcd); ok {
		e.Logger = log.With("role", "cluster")
	}
	return cl
}

func (c *Config) validateNode() error {
	if c.Node.Advertise != "" && net.ParseIP(c.Node.Advertise) == nil {
		return fmt.Errorf("--advertise must be an IP address, got %q", c.Node.Advertise)
	}
	if c.Node.CPU < 0 || c.Node.Memory < 0 {
		return errors.New("--node-cpu and --node-memory must not be negative")
	}
	return nil
}
