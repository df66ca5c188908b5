package server

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/apigw/gateway"
	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudformation"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/health"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/cognito"
	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/ecr"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/discovery"
	"github.com/portolan/portolan/internal/ecs/loadbalancing"
	"github.com/portolan/portolan/internal/ecs/servicemetrics"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/albmetrics"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/restapi"
	restgateway "github.com/portolan/portolan/internal/restapi/gateway"
	"github.com/portolan/portolan/internal/route53resolver"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// A cell is one region: every regional service over the region's own
// keyspace of the store, with the controllers and data planes that follow
// them. Resources, ARNs, ids and listings are per cell, as AWS's are per
// region. The server's home region (--region) is a cell on the store's
// root keyspace (what a single-region server always had); other regions
// are cells under r/<region>/, made when a request first names them
// (regions.go). What has no region is the server's: IAM, STS, Route 53,
// the DNS server, the listeners, the task runtime.
type cell struct {
	region string
	store  store.Store
	home   bool
	// ordinal tells the regions apart where they share the machine: 0
	// for the home region, then 1, 2… in the order they were made.
	ordinal int
	mux     *awsapi.Mux
	log     *slog.Logger

	CloudMap *cloudmap.Control
	ECS      *ecs.Control
	Logs     *logs.Control
	Stacks   *stack.Deployer
	// CloudFormation serves the stack engine through CloudFormation's API.
	CloudFormation *cloudformation.Control
	APIGW          *apigw.Control
	ELBv2          *elbv2.Control
	Resolver       *route53resolver.Control
	// RestAPI is API Gateway's REST API (v1) control plane; its View is
	// what the REST API data plane follows.
	RestAPI *restapi.Control
	EC2     *ec2.Control
	// Cognito is the user pools: the local identity provider whose keys
	// the gateway's JWT authorizers read directly.
	Cognito *cognito.Control
	// endpoints serves Cognito's discovery and OAuth2 endpoints of the
	// region's pools by host name, and the AWS endpoint after them.
	endpoints http.Handler
	// ECR is the container registry's control plane (the registry that
	// serves docker push and pull is the home region's).
	ECR *ecr.Control
	// CloudWatch holds metrics and evaluates alarms; AppAutoScaling scales
	// ECS services on them.
	CloudWatch     *cloudwatch.Control
	AppAutoScaling *appautoscaling.Control
	serviceMetrics *servicemetrics.Publisher
	albMetrics     *albmetrics.Publisher
	// loadBalancers serves ELBv2's load balancers (their listeners and
	// target health checks).
	loadBalancers *dataplane.Dataplane
	Gateway       *gateway.Gateway
	// RestGateway serves REST APIs on the gateway's listener.
	RestGateway *restgateway.Gateway
	checker     *health.Checker
	agent       *agent.Agent
	sched       *ecs.Scheduler
	placer      *ecs.Placer
	registrar   *discovery.Registrar
	targets     *loadbalancing.Registrar
}

// newCell makes a region's control planes, controllers and gateways. The
// server's listeners are bound (API endpoints and repository URIs name
// them) and its global services made; attach finishes the cell once the
// task runtime exists.
func (s *Server) newCell(region string, st store.Store, ordinal int) *cell {
	cfg := s.cfg
	home := ordinal == 0
	log := s.log
	if !home {
		log = log.With("region", region)
	}
	c := &cell{region: region, store: st, home: home, ordinal: ordinal, mux: s.newMux(log), log: log}
	c.CloudMap = cloudmap.New(cloudmap.Config{Region: region, AccountID: cfg.AccountID, Store: st, Logger: log.With("role", "cloudmap")})
	c.Cognito = cognito.New(cognito.Config{Region: region, AccountID: cfg.AccountID, Store: st, Now: cfg.CognitoClock, Logger: log.With("role", "cognito")})
	c.ELBv2 = elbv2.New(elbv2.Config{Region: region, AccountID: cfg.AccountID, Store: st, Addresses: c.loadBalancerAddresses(cfg), Logger: log.With("role", "elbv2")})
	c.ECS = ecs.New(ecs.Config{Region: region, AccountID: cfg.AccountID, Store: st, CloudMap: c.CloudMap, LoadBalancing: c.ELBv2, Subnets: taskSubnets{c}, Logger: log.With("role", "ecs")})
	c.EC2 = ec2.New(ec2.Config{Region: region, AccountID: cfg.AccountID, Store: st, Interfaces: taskInterfaces{c.ECS}, Logger: log.With("role", "ec2")})
	// Each registrar is both an agent ACTIVATING/DEACTIVATING hook and a
	// scheduler reconciler: Cloud Map instances, load balancer targets.
	c.registrar = discovery.New(discovery.Config{CloudMap: c.CloudMap, Tasks: c.ECS, Region: region, Logger: log.With("role", "discovery")})
	c.targets = loadbalancing.New(loadbalancing.Config{LoadBalancing: c.ELBv2, Tasks: c.ECS, Logger: log.With("role", "targets")})
	c.sched = ecs.NewScheduler(ecs.SchedulerConfig{Control: c.ECS, Discovery: ecs.Discoveries{c.registrar, c.targets}, Logger: log.With("role", "scheduler")})
	c.placer = ecs.NewPlacer(c.ECS, log.With("role", "placer"))
	c.Logs = logs.New(logs.Config{Region: region, AccountID: cfg.AccountID, Store: st, Logger: log.With("role", "logs")})
	c.CloudWatch = cloudwatch.New(cloudwatch.Config{Region: region, AccountID: cfg.AccountID, Store: st, MetricPeriod: cfg.MetricPeriod,
		Actions: alarmActions{c}, Logger: log.With("role", "cloudwatch")})
	c.AppAutoScaling = appautoscaling.New(appautoscaling.Config{Region: region, AccountID: cfg.AccountID, Store: st, Alarms: c.CloudWatch,
		Services: c.ECS, Logger: log.With("role", "appautoscaling")})
	c.ECR = ecr.New(ecr.Config{Region: region, AccountID: cfg.AccountID, Store: st, RegistryHost: s.registryHost(), Logger: log.With("role", "ecr")})
	c.Resolver = route53resolver.New(route53resolver.Config{Region: region, AccountID: cfg.AccountID, Store: st, Logger: log.With("role", "route53resolver")})
	c.newGateways(s)
	c.checker = health.New(health.Config{CloudMap: c.CloudMap, Interval: cfg.HealthCheckInterval, Logger: log.With("role", "health")})
	return c
}

// loadBalancerAddresses is the range the region's load balancers take
// their addresses from: the configured one for the home region, and the
// ranges of the same size that follow it for the others, in order, so
// that no two regions' load balancers listen on the same address.
func (c *cell) loadBalancerAddresses(cfg Config) netip.Prefix {
	p := cfg.LoadBalancerAddresses
	if !p.IsValid() {
		p = elbv2.DefaultAddresses
	}
	p = p.Masked()
	if c.ordinal == 0 || !p.Addr().Is4() {
		return p
	}
	base := p.Addr().As4()
	n := binary.BigEndian.Uint32(base[:]) + uint32(c.ordinal)<<(32-p.Bits())
	binary.BigEndian.PutUint32(base[:], n)
	return netip.PrefixFrom(netip.AddrFrom4(base), p.Bits())
}

// metrics is where the cell's Prometheus series go: the server's registry
// for the home region; nowhere (nil: the data planes count nothing) for
// the others, whose series would repeat the home region's names without
// telling them apart.
func (c *cell) metrics(s *Server) prometheus.Registerer {
	if c.home {
		return s.metrics
	}
	return nil
}

// newGateways makes the API Gateway control planes and the data planes
// that serve their APIs and the load balancers, for the gateway listener
// already bound (its port goes into every API's apiEndpoint).
func (c *cell) newGateways(s *Server) {
	cfg, log := s.cfg, c.log
	_, gwPort, _ := net.SplitHostPort(s.gwLn.Addr().String())
	accessLogOut := io.Discard
	if cfg.AccessLogStdout {
		accessLogOut = os.Stdout
	}
	metrics := c.metrics(s)
	c.loadBalancers = dataplane.New(dataplane.Config{Control: c.ELBv2, Logger: log.With("role", "load balancers")})
	if metrics != nil {
		metrics.MustRegister(dataplane.RequestMetrics{Dataplane: c.loadBalancers})
	}
	c.albMetrics = albmetrics.New(albmetrics.Config{Counts: c.loadBalancers, LoadBalancers: c.ELBv2.View(), Sink: c.CloudWatch,
		MetricPeriod: cfg.MetricPeriod, Logger: log.With("role", "alb metrics")})
	// The home region's APIs keep the short host names a single-region
	// server always gave them; other regions' carry their region, as
	// AWS's do. Every gateway answers both forms.
	domain := gateway.DefaultDomain
	if !c.home {
		domain = "execute-api." + c.region + ".localhost"
	}
	c.APIGW = apigw.New(apigw.Config{Region: c.region, AccountID: cfg.AccountID, Store: c.store, Logger: log.With("role", "apigw"),
		Endpoint: "http://{apiId}." + domain + ":" + gwPort})
	c.RestAPI = restapi.New(restapi.Config{Region: c.region, AccountID: cfg.AccountID, Store: c.store, Logger: log.With("role", "restapi"),
		LoadBalancers: vpcLinkTargets{c.ELBv2}})
	// REST APIs share the gateway's listener and its host names: the HTTP
	// API gateway hands them every request whose host is not one of its APIs.
	c.RestGateway = restgateway.New(restgateway.Config{APIs: c.RestAPI.View(), LoadBalancers: restgateway.ELBLoadBalancers{View: c.ELBv2.View()},
		Endpoints: restgateway.EC2Endpoints{View: c.EC2.View(), Region: c.region}, Region: c.region, AccountID: cfg.AccountID,
		AccessLog: accessLogOut, LogSink: accessLogSink{c.Logs}, Metrics: metrics, Logger: log.With("role", "rest gateway"), AccountThrottle: restgateway.Throttle(cfg.AccountThrottle)})
	var next http.Handler = c.RestGateway
	if c.home {
		// The home gateway owns the listener: hosts none of its APIs
		// serve go on to the REST APIs and the other regions.
		next = gatewayNext{s}
	}
	c.Gateway = gateway.New(gateway.Config{APIs: c.APIGW.View(), CloudMap: c.CloudMap.View(), LoadBalancers: c.ELBv2.ListenerAddresses(), AccountID: cfg.AccountID,
		Region: c.region, AccessLog: accessLogOut, LogSink: accessLogSink{c.Logs}, Metrics: metrics, Tracer: s.tracer(), Logger: log.With("role", "gateway"),
		AccountThrottle: cfg.AccountThrottle, Next: next, LocalKeys: c.Cognito})
}

// attach finishes the cell once the server's runtime and global services
// exist: the agent that runs the region's tasks, the stacks, and the
// region's API endpoint. Stacks left mid-operation by a stopped server
// are settled here, in a process that serves the API.
func (c *cell) attach(s *Server) error {
	cfg, log := s.cfg, c.log
	lease := leases(s.cluster)
	if !c.home {
		lease = prefixedLeases(lease, regionPrefix(c.region))
	}
	c.agent = agent.New(agent.Config{Store: c.store, Driver: regionDriver{Driver: s.driver, region: c.regionTag()}, Logs: agent.CloudWatchLogs(c.Logs),
		Lifecycle: agent.Lifecycles{c.registrar, c.targets}, Environment: s.taskCreds, Logger: log.With("role", "agent"), Node: c.node(cfg), Leases: lease})
	c.serviceMetrics = servicemetrics.New(servicemetrics.Config{Tasks: c.agent, Sink: c.CloudWatch, MetricPeriod: cfg.MetricPeriod, Logger: log.With("role", "service metrics")})
	c.Stacks = stack.New(stack.Config{Region: c.region, AccountID: cfg.AccountID, Store: c.store, CloudMap: c.CloudMap, ECS: c.ECS, Logs: c.Logs, APIGW: c.APIGW, ELBv2: c.ELBv2,
		RestAPI: c.RestAPI, EC2: c.EC2, Route53: s.Route53, Resolver: c.Resolver, IAM: s.IAM, Cognito: c.Cognito, ECR: c.ECR, AppAutoScaling: c.AppAutoScaling, CloudWatch: c.CloudWatch, Logger: log.With("role", "stack")})
	// Stack operations run in the processes that serve the API; a worker
	// restarting must not take theirs, still running, for interrupted.
	if cfg.has(RoleAPI) {
		if err := c.Stacks.Recover(context.Background()); err != nil {
			return err
		}
	}
	c.CloudFormation = cloudformation.New(cloudformation.Config{Region: c.region, AccountID: cfg.AccountID, Store: c.store, Stacks: c.Stacks,
		Images: cfg.Images, ExecuteHold: cfg.ExecuteChangeSetHold, Logger: log.With("role", "cloudformation")})
	// s.regions is made after the home cell: look it up per request.
	c.endpoints = c.Cognito.Endpoints(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.regions.ServeHTTP(w, r) }))
	for _, svc := range []interface{ Register(*awsapi.Mux) }{c.CloudMap, c.ECS, c.Logs, c.APIGW, c.ELBv2, c.RestAPI, c.EC2, s.Route53, c.Resolver, c.Cognito, c.ECR, c.CloudFormation, s.IAM, s.STS, c.CloudWatch, c.AppAutoScaling} {
		svc.Register(c.mux)
	}
	return nil
}

// node is this process's container instance in the cell's region: in the
// zone of the same letter as the home region's (--zone us-east-1b is
// ap-northeast-1b in ap-northeast-1), so that tasks placed by subnet
// find it.
func (c *cell) node(cfg Config) *ecs.Node {
	n := cfg.node()
	if !c.home {
		letter, ok := strings.CutPrefix(n.Zone, cfg.Region)
		if !ok {
			letter = "a"
		}
		n.Zone = c.region + letter
	}
	return n
}

// regionTag is what the cell's tasks carry in the runtime to tell them
// from other regions' (regionDriver): nothing for the home region, whose
// tasks are those a single-region server always made.
func (c *cell) regionTag() string {
	if c.home {
		return ""
	}
	return c.region
}

// roles is the cell's part of the process's table of runners (lifecycle.go).
func (c *cell) roles() []role {
	return []role{
		{"cloudmap", cloudMapRole{c.CloudMap}},
		{"logs", c.Logs},
		{"agent", agentRole{c.agent}},
		{"scheduler", c.sched},
		{"placer", c.placer},
		{"service metrics", c.serviceMetrics},
		{"cloudwatch", c.CloudWatch},
		{"appautoscaling", c.AppAutoScaling},
		{"apigw", c.APIGW},
		{"elbv2", c.ELBv2},
		{"restapi", c.RestAPI},
		{"ec2", c.EC2},
		{"cognito", c.Cognito}, // ready at its first snapshot: the authorizers' local keys
		{"route53resolver", c.Resolver},
		{"ecr", c.ECR},                      // ready at its first snapshot, before the registry serves
		{"load balancers", c.loadBalancers}, // ready at its first snapshot
		{"alb metrics", c.albMetrics},
		{"gateway", c.Gateway},          // a Readier of its own: its first snapshot
		{"rest gateway", c.RestGateway}, // the same, for REST APIs
		{"health checker", c.checker},
		{"cloudformation", c.CloudFormation}, // ready once it has settled what a stopped server left
	}
}
