package server

import (
	"context"
	"net/http"
	"time"

	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/graceful"
	"github.com/portolan/portolan/internal/route53"
	"github.com/portolan/portolan/internal/sts/taskcreds"
)

// A role's life, in order. Every goroutine of the process belongs to one
// role, and every role goes through these steps:
//
//  1. New: server.New constructs it from its Config and dependencies and
//     binds its listeners, so a bad address or an unreadable data dir
//     fails before anything runs (and tests can listen on port 0).
//  2. Run(ctx): Server.Run starts every role of roles() under one
//     errgroup. A role serves until ctx ends, then returns (nil or ctx's
//     error); any other error ends the process, the errgroup cancelling
//     the other roles.
//  3. Ready: a role that is not ready as soon as it runs implements
//     Readier. GET /_portolan/health answers 503 until every Readier is
//     ready, then 200; WaitReady waits for the same moment.
//
// A role's Run is its own code; the adapters below only give the roles
// one shape, they do not change what the roles do.

// Runner is a role: it serves until ctx ends.
type Runner interface {
	Run(ctx context.Context) error
}

// Readier is the optional capability of a Runner that needs a moment after
// Run starts before it serves: Ready blocks until it does, or ctx ends.
type Readier interface {
	Ready(ctx context.Context) error
}

// role is one entry of the process's table of runners.
type role struct {
	name string
	Runner
}

// runFunc is a role whose Run is a function (a listener's serve loop).
type runFunc func(ctx context.Context) error

func (f runFunc) Run(ctx context.Context) error { return f(ctx) }

// cloudMapRole is ready once the Cloud Map view has its first snapshot:
// the gateway and DNS serve from it.
type cloudMapRole struct{ *cloudmap.Control }

func (r cloudMapRole) Ready(ctx context.Context) error {
	_, err := r.View().Next(ctx, -1)
	return err
}

// route53Role is ready once Route 53's view has its first snapshot: the
// DNS server serves its zones from it.
type route53Role struct{ *route53.Control }

func (r route53Role) Ready(ctx context.Context) error {
	_, err := r.View().Next(ctx, -1)
	return err
}

// agentRole is ready once the agent has re-adopted the tasks still
// running from before, so that nothing starts them twice.
type agentRole struct{ *agent.Agent }

func (r agentRole) Ready(ctx context.Context) error {
	select {
	case <-r.Agent.Ready():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// roles is the table of what runs in this process: the home region's
// cell's, then what the server has beside them.
func (s *Server) roles() []role {
	roles := append(s.cell.roles(),
		role{"sts", s.STS},                      // deletes expired sessions
		role{"endpoint names", s.endpointNames}, // ready at its first build, before DNS serves
		role{"route53", route53Role{s.Route53}},
		role{"registry", runFunc(func(ctx context.Context) error { return s.Registry.Serve(ctx, s.regLn) })},
		role{"regions", s.regions},
		role{"regions' controllers", regionControllers{s.regions}},
		role{"gateway listener", runFunc(func(ctx context.Context) error { return s.Gateway.Serve(ctx, s.gwLn) })},
	)
	if s.tracing != nil {
		roles = append(roles, role{"tracing", s.tracing})
	}
	for i, ln := range s.boundLns {
		api := s.cfg.BoundAPIs[i].API
		roles = append(roles, role{"bound API " + api, runFunc(func(ctx context.Context) error { return s.Gateway.ServeAPI(ctx, ln, api) })})
	}
	if s.taskGwLn != nil {
		roles = append(roles, role{"gateway listener for tasks", runFunc(func(ctx context.Context) error { return s.Gateway.Serve(ctx, s.taskGwLn) })})
	}
	if s.taskLn != nil {
		roles = append(roles, role{"task endpoint", runFunc(s.serveTaskEndpoint)})
	}
	return append(roles,
		role{"dns", s.DNS},
		role{"task metrics", s.taskMetrics},
		role{"task usage", s.taskUsage},
		role{"api", runFunc(s.serveAPI)},
	)
}

// apiHandler is the AWS endpoint and the /_portolan endpoints.
func (s *Server) apiHandler() http.Handler {
	top := http.NewServeMux()
	top.HandleFunc("GET /_portolan/health", s.health)
	if !s.cfg.has(RoleAPI) {
		return top // a process without the api role answers its health only
	}
	top.Handle("GET "+taskcreds.Path+"{task}", s.taskCreds)
	s.admin.Register(top)
	// Cognito's discovery and token endpoints answer by host name.
	top.Handle("/", cognitoEndpoints{s})
	return top
}

// serveAPI serves apiHandler on the api listener until ctx ends.
func (s *Server) serveAPI(ctx context.Context) error {
	api := &http.Server{Handler: s.apiHandler(), ReadHeaderTimeout: 10 * time.Second}
	api.RegisterOnShutdown(func() { close(s.stopping) })
	return graceful.Serve(ctx, api, s.apiLn, 5*time.Second)
}

// waitReady marks the process ready once every Readier role is. A role
// that fails to get ready leaves the process unready (its Run error, if
// any, ends the process); ctx ending does the same.
func (s *Server) waitReady(ctx context.Context, roles []role) error {
	for _, r := range roles {
		if rd, ok := r.Runner.(Readier); ok {
			if err := rd.Ready(ctx); err != nil {
				return nil
			}
		}
	}
	s.ready.Store(true)
	s.log.Info("portolan ready")
	return nil
}

// WaitReady blocks until every role is ready to serve.
func (s *Server) WaitReady(ctx context.Context) error {
	for !s.ready.Load() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, `{"status":"starting"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ready"}`))
}
