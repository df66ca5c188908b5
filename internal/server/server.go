package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/cluster"
	"github.com/portolan/portolan/internal/cognito"
	"github.com/portolan/portolan/internal/ec2/endpointdns"
	"github.com/portolan/portolan/internal/ecr/registry"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/ecs/taskusage"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/iam"
	"github.com/portolan/portolan/internal/route53"
	"github.com/portolan/portolan/internal/route53resolver"
	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/sts"
	"github.com/portolan/portolan/internal/sts/taskcreds"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// Config is everything a server process is told.
type Config struct {
	DataDir string
	// Store is where the state lives: DataDir's bolt file unless told (store.go).
	Store           StoreConfig
	APIAddr         string
	Region          string
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
	// Insecure allows listening beyond loopback without credentials.
	Insecure bool
	// Runtime runs task containers: "process" (default) or "docker".
	Runtime string
	// TaskAddresses is how the process runtime tells tasks apart: "auto"
	// (default), "addresses" or "ports" (process.AddressMode).
	TaskAddresses string
	// GatewayAddr serves the HTTP APIs; DNSAddr answers for the DNS namespaces.
	GatewayAddr string
	DNSAddr     string
	// RegistryAddr serves ECR's image registry (docker login/push/pull).
	// On loopback the Docker engine trusts it over plain HTTP.
	RegistryAddr string
	// HealthCheckInterval is how often Portolan probes instances of Cloud Map
	// services with a HealthCheckConfig.
	HealthCheckInterval time.Duration
	// AccountThrottle is the gateway's account-level limit (AWS's 10,000
	// requests/s, burst 5,000, when zero; a negative Rate turns it off).
	AccountThrottle gateway.Throttle
	// LoadBalancerAddresses is the range load balancers get their addresses
	// from (elbv2.DefaultAddresses when zero).
	LoadBalancerAddresses netip.Prefix
	// AccessLogStdout also prints the access log lines of stages that
	// configure access logging to stdout (they always go to their log group).
	AccessLogStdout bool
	// BoundAPIs each serve one API on an address of their own, whatever
	// the Host, as a custom domain would.
	BoundAPIs []BoundAPI
	// Images maps image names in templates to something the runtime runs
	// (--image NAME=REF), for every stack deployed on this server.
	Images map[string]string
	// MetricPeriod is the real length of AWS's one-minute metric period
	// (1 m when zero): CloudWatch's alarm periods, the ECS metrics and
	// Application Auto Scaling's cooldowns count in it.
	MetricPeriod time.Duration
	// ExecuteChangeSetHold bounds how long ExecuteChangeSet waits for its
	// stack operation (cloudformation.Config.ExecuteHold).
	ExecuteChangeSetHold time.Duration
	// DockerTaskCredentials serves the api on 169.254.170.2:80 for task
	// containers on the docker runtime (their role's credentials and
	// AWS_ENDPOINT_URL). One server per machine can; the CLI turns it on,
	// tests that need it do.
	DockerTaskCredentials bool
	// DNSSearch are search domains for the docker runtime's task
	// containers' resolv.conf (portolan up --compose gives the project's
	// namespace, so that a compose service's name alone resolves).
	DNSSearch []string
	// CognitoClock, when set, is the clock Cognito issues tokens by (tests
	// set it back to issue tokens that have expired).
	CognitoClock func() time.Time
	// OTLPEndpoint, when set, is the OTLP/HTTP collector the gateway's
	// request spans go to (tracing is off, at no cost, without it).
	OTLPEndpoint string
	// Roles this process runs (--roles; all when empty), and its place
	// in a cluster (roles.go).
	Roles []string
	Node  NodeConfig
}

// BoundAPI binds an address to one HTTP API.
type BoundAPI struct {
	API  string // the API's id or name (of APIs sharing a name, the newest)
	Addr string
}

// DefaultRegistryAddr is where ECR's registry listens unless told.
const DefaultRegistryAddr = "127.0.0.1:4567"

// Defaults fills what was left empty.
func (c *Config) Defaults() {
	c.DataDir = cmp.Or(c.DataDir, ".portolan")
	c.APIAddr = cmp.Or(c.APIAddr, "127.0.0.1:4566")
	c.Region = cmp.Or(c.Region, "us-east-1")
	c.AccountID = cmp.Or(c.AccountID, "000000000000")
	c.Runtime = cmp.Or(c.Runtime, "process")
	c.GatewayAddr = cmp.Or(c.GatewayAddr, "127.0.0.1:8080")
	c.DNSAddr = cmp.Or(c.DNSAddr, "127.0.0.1:8600")
	c.RegistryAddr = cmp.Or(c.RegistryAddr, DefaultRegistryAddr)
	c.nodeDefaults()
}

// Validate refuses configurations that would be unsafe or cannot work.
func (c *Config) Validate() error {
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return errors.New("--access-key-id and --secret-access-key go together")
	}
	if c.AccessKeyID == "" && !c.Insecure && !loopbackOnly(c.APIAddr) {
		return fmt.Errorf("refusing to serve the unauthenticated API on %s: configure --access-key-id/--secret-access-key, listen on loopback, or pass --insecure", c.APIAddr)
	}
	if c.Runtime != "process" && c.Runtime != "docker" {
		return fmt.Errorf("--runtime must be process or docker, got %q", c.Runtime)
	}
	if err := c.validateNode(); err != nil {
		return err
	}
	if _, err := process.ParseAddressMode(c.TaskAddresses); err != nil {
		return fmt.Errorf("--task-addresses: %w", err)
	}
	if len(c.AccountID) != 12 {
		return fmt.Errorf("--account must be 12 digits, got %q", c.AccountID)
	}
	return nil
}

func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Server is a running Portolan process. The home region's services are
// its own fields (the embedded cell); other regions' are in regions.
type Server struct {
	*cell
	cfg     Config
	log     *slog.Logger
	store   store.Store
	regions *regions
	Route53 *route53.Control
	IAM     *iam.Control
	// STS issues temporary credentials, which the API then accepts.
	STS *sts.Control
	// authenticate vets every API request when credentials are
	// configured (nil: the API is open).
	authenticate func(r *http.Request, body []byte) error
	// taskCreds serves tasks their task role's credentials; taskLn, on
	// the docker runtime, is where containers reach it (taskcreds.go).
	taskCreds *taskcreds.Provider
	taskLn    net.Listener
	// Registry is ECR's data plane, serving docker push/pull on regLn.
	Registry *registry.Registry
	regLn    net.Listener
	// endpointNames serves the VPC endpoints' DNS names (execute-api
	// endpoints resolve to the gateway).
	endpointNames *endpointdns.Records
	DNS           *dns.Server
	gwLn          net.Listener
	// taskGwLn serves the gateway where task containers reach the host,
	// taskGateway (taskgateway.go); nil when gwLn serves it, or nothing.
	taskGwLn    net.Listener
	taskGateway netip.AddrPort
	boundLns    []net.Listener // aligned with cfg.BoundAPIs
	// cluster is this process's membership (leases, the controller
	// election); leading is true while it runs the controller.
	cluster     cluster.Cluster
	leading     atomic.Bool
	driver      runtime.Driver
	admin       *admin.Admin
	metrics     *prometheus.Registry
	taskMetrics *ecs.TaskMetrics
	taskUsage   *taskusage.Exporter
	token       string   // admin token, when the API requires credentials
	tracing     *tracing // nil: no --otlp-endpoint
	apiLn       net.Listener
	ready       atomic.Bool
	// stopping closes when the api listener shuts down, ending the
	// requests that would stream forever (`portolan logs --follow`).
	stopping chan struct{}
}

// New opens the state and binds the listeners, so that a caller knows the
// process can serve before Run starts (and tests can listen on port 0).
func New(cfg Config, log *slog.Logger) (*Server, error) {
	cfg.Defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, err
	}
	reg, committed := newRegistry()
	loc, err := cfg.Store.location(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(context.Background(), loc, cfg.Store)
	if err != nil {
		return nil, err
	}
	raw := st
	st = store.Timed(watchLag(st, reg), committed)
	s := &Server{cfg: cfg, log: log, store: st, stopping: make(chan struct{}), metrics: reg, cluster: newCluster(raw, cfg, log)}
	s.newIdentity(cfg, st, log)
	fail := func(err error) (*Server, error) {
		for _, ln := range append([]net.Listener{s.gwLn, s.taskGwLn, s.apiLn, s.regLn}, s.boundLns...) {
			if ln != nil {
				ln.Close()
			}
		}
		if s.DNS != nil {
			s.DNS.Close()
		}
		st.Close()
		return nil, err
	}
	// The gateway's port goes into every API's apiEndpoint, and the
	// registry's address into every repository URI: bind them first.
	if s.gwLn, err = net.Listen("tcp", cfg.GatewayAddr); err != nil {
		return fail(fmt.Errorf("gateway listener: %w", err))
	}
	if s.regLn, err = net.Listen("tcp", cfg.RegistryAddr); err != nil {
		return fail(fmt.Errorf("registry listener: %w", err))
	}
	for _, b := range cfg.BoundAPIs {
		ln, err := net.Listen("tcp", b.Addr)
		if err != nil {
			return fail(fmt.Errorf("listener for API %s: %w", b.API, err))
		}
		s.boundLns = append(s.boundLns, ln)
	}
	if cfg.OTLPEndpoint != "" {
		if s.tracing, err = newTracing(cfg.OTLPEndpoint); err != nil {
			return fail(err)
		}
	}
	s.cell = s.newCell(cfg.Region, st, 0)
	if s.Registry, err = registry.New(context.Background(), registry.Config{Dir: filepath.Join(cfg.DataDir, "registry"), ECR: s.ECR, Logger: log.With("role", "registry")}); err != nil {
		return fail(err)
	}
	dnsCfg := s.newDNSConfig(cfg, st, log)
	if s.DNS, err = dns.New(dnsCfg); err != nil {
		return fail(fmt.Errorf("dns: %w", err))
	}
	// Tasks are told the api's address (taskcreds), so bind it first.
	s.apiLn, err = net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		return fail(fmt.Errorf("api listener: %w", err))
	}
	driver, err := newDriver(cfg, s.DNS, s.Registry, log.With("role", "agent"))
	if err != nil {
		return fail(err)
	}
	s.driver = driver
	s.listenForTasks(driver)
	s.taskCreds = taskcreds.New(taskcreds.Config{Store: st, STS: s.STS, Roles: s.IAM, Region: cfg.Region,
		Endpoint: s.listenTaskEndpoint(cfg), Logger: log.With("role", "task credentials")})
	if err := s.cell.attach(s); err != nil {
		return fail(fmt.Errorf("stacks: %w", err))
	}
	if s.regions, err = newRegions(s); err != nil {
		return fail(fmt.Errorf("regions: %w", err))
	}
	s.admin = admin.New(admin.Config{CloudMap: s.CloudMap, ECS: s.ECS, APIGW: s.APIGW, Logs: s.Logs, Reset: s.Reset, Token: s.token, Metrics: reg, Store: st, Stacks: s.CloudFormation, DNS: s.DNS,
		ELB: s.ELBv2, ListenerAddresses: s.ELBv2.ListenerAddresses(), RestAPI: s.RestAPI,
		Authenticate: s.authenticate, Stopping: s.stopping, Logger: log.With("role", "admin")})
	s.taskMetrics = ecs.NewTaskMetrics(st, reg, log.With("role", "task metrics"))
	// Per-task CPU and memory, sampled as often as the service metrics.
	s.taskUsage = taskusage.New(taskusage.Config{Tasks: s.agent, Interval: cfg.MetricPeriod / 3, Logger: log.With("role", "task usage")})
	reg.MustRegister(s.taskUsage)
	s.closeUnserved()
	return s, nil
}

// tracer is the gateways' tracer: nil (tracing off, at no cost) without
// --otlp-endpoint.
func (s *Server) tracer() trace.Tracer {
	if s.tracing == nil {
		return nil
	}
	return s.tracing.tracer()
}

// registryHost is the registry's address as repository URIs name it.
func (s *Server) registryHost() string {
	_, port, _ := net.SplitHostPort(s.regLn.Addr().String())
	return net.JoinHostPort(dnsAddrOf(s.regLn.Addr()).String(), port)
}

// newIdentity makes the global identity services (IAM, STS) and the
// API's front door: with credentials configured, every request is signed
// with them or with STS's temporary ones, but for Cognito's sign-in calls,
// which AWS takes unsigned.
func (s *Server) newIdentity(cfg Config, st store.Store, log *slog.Logger) {
	s.IAM = iam.New(iam.Config{AccountID: cfg.AccountID, Store: st, Logger: log.With("role", "iam")})
	s.STS = sts.New(sts.Config{AccountID: cfg.AccountID, Store: st, Roles: s.IAM, Logger: log.With("role", "sts")})
	if cfg.AccessKeyID == "" {
		return
	}
	s.token = newToken()
	v := awsapi.NewVerifier([]awsapi.Credentials{{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}}, nil).WithSessions(s.STS)
	s.authenticate = func(r *http.Request, body []byte) error {
		if cognito.Unsigned(r.Header.Get("X-Amz-Target")) {
			return nil
		}
		_, err := v.Verify(r, body)
		return err
	}
}

// newMux is a region's AWS endpoint, behind the server's front door. It
// refuses a request scoped to a region that is not one before anything
// else, as AWS does.
func (s *Server) newMux(log *slog.Logger) *awsapi.Mux {
	m := awsapi.NewMux(log.With("role", "api"))
	m.Authenticate = func(r *http.Request, body []byte) error {
		if err := awsapi.CheckSigningRegion(r); err != nil {
			return err
		}
		if s.authenticate != nil {
			return s.authenticate(r, body)
		}
		return nil
	}
	return m
}

// newDNSConfig builds the DNS server's sources besides Cloud Map, and the
// services that own them: the load balancers' names, the execute-api VPC
// endpoints' names (per REST API), Route 53's hosted zones, and Route 53
// Resolver's inbound addresses and forwarding rules.
func (s *Server) newDNSConfig(cfg Config, st store.Store, log *slog.Logger) dns.Config {
	s.endpointNames = endpointdns.New(endpointdns.Config{Endpoints: s.EC2.View(), APIs: restAPIIDs{s.RestAPI.View()}, Region: cfg.Region, Gateway: dnsAddrOf(s.gwLn.Addr())})
	// Route 53's changes are INSYNC once the DNS server answers from them.
	s.Route53 = route53.New(route53.Config{Region: cfg.Region, AccountID: cfg.AccountID, Store: st, CloudMap: s.CloudMap.View(),
		Aliases: []route53.AliasTargets{route53.LoadBalancerAliases{View: s.ELBv2.View()}},
		Served:  func() int64 { return s.DNS.ZonesRevision(s.Route53.DNSZones()) }, Logger: log.With("role", "route53")})
	// Route 53 Resolver (the home region's): inbound endpoints are more
	// addresses of the DNS server (port 53, as the VPC resolver), its
	// associated rules forward.
	dnsCfg := dns.Config{Addrs: []string{cfg.DNSAddr}, View: s.CloudMap.View(), Records: []dns.Records{dataplane.DNSRecords{View: s.ELBv2.View()}, s.endpointNames},
		Zones: []dns.Zones{s.Route53.DNSZones()}, Rules: []dns.ForwardRules{route53resolver.ForwardingRules{View: s.Resolver.View()}},
		Listeners: route53resolver.InboundListeners{View: s.Resolver.View()}, Metrics: s.metrics, Logger: log.With("role", "dns")}
	if cfg.Runtime == "docker" {
		// Task containers resolve through us (see newDriver): names outside
		// our namespaces are forwarded for them too.
		dnsCfg.RecursionCIDRs = []netip.Prefix{docker.DefaultSubnetPool}
	}
	return dnsCfg
}

// dnsAddrOf is the address DNS answers for names served by a listener:
// its own, or loopback when it listens on every address.
func dnsAddrOf(addr net.Addr) netip.Addr {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || ap.Addr().IsUnspecified() {
		return netip.MustParseAddr("127.0.0.1")
	}
	return ap.Addr().Unmap()
}

// RemoveAllTasks kills and removes every task container this server's
// runtime owns. Task containers outlive the server by design (a restart
// re-adopts them); tests call this so that none outlives the test.
func (s *Server) RemoveAllTasks(ctx context.Context) error {
	if r, ok := s.driver.(runtime.Remover); ok {
		return r.RemoveAll(ctx)
	}
	return nil
}

// RuntimeTasks lists the tasks this server's runtime holds, with their
// containers: tests use it to show that a reset left none.
func (s *Server) RuntimeTasks(ctx context.Context) ([]runtime.Task, error) {
	return s.driver.List(ctx)
}

// StoreRevision is the state's current revision: tests use it to show that
// a rejected request changed nothing.
func (s *Server) StoreRevision() int64 { return s.store.Revision() }

// GatewayAddr is the address the HTTP API gateway listens on.
func (s *Server) GatewayAddr() string { return s.gwLn.Addr().String() }

// BoundAPIAddr is the address serving Config.BoundAPIs[i].
func (s *Server) BoundAPIAddr(i int) string { return s.boundLns[i].Addr().String() }

// RegistryAddr is the address ECR's registry listens on.
func (s *Server) RegistryAddr() string { return s.regLn.Addr().String() }

// DNSAddr is the first address the DNS server answers on.
func (s *Server) DNSAddr() string { return s.DNS.Addrs()[0] }

// APIAddr is the address the AWS endpoint listens on.
func (s *Server) APIAddr() string { return s.apiLn.Addr().String() }

// Run starts every role (see lifecycle.go) and serves until ctx ends,
// then shuts down cleanly.
func (s *Server) Run(ctx context.Context) error {
	defer s.store.Close()
	g, ctx := errgroup.WithContext(ctx)
	roles := s.selectRoles(s.roles())
	for _, r := range roles {
		g.Go(func() error { return r.Run(ctx) })
	}
	g.Go(func() error { return s.waitReady(ctx, roles) })
	s.log.Info("portolan serving", "api", s.APIAddr(), "gateway", s.GatewayAddr(), "dns", s.DNSAddr(), "registry", s.RegistryAddr(), "dataDir", s.cfg.DataDir, "region", s.cfg.Region)
	for i, b := range s.cfg.BoundAPIs {
		s.log.Info("serving one API on its own address", "apiRef", b.API, "addr", s.BoundAPIAddr(i))
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
