package admin

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/store"
)

// CloudMap is the Cloud Map read API the status view lists.
type CloudMap interface {
	ListNamespaces(ctx context.Context, in *cloudmap.ListInput) (*cloudmap.ListNamespacesOutput, error)
	ListServices(ctx context.Context, in *cloudmap.ListInput) (*cloudmap.ListServicesOutput, error)
	ListInstances(ctx context.Context, in *cloudmap.ListInstancesInput) (*cloudmap.ListInstancesOutput, error)
	GetInstancesHealthStatus(ctx context.Context, in *cloudmap.GetInstancesHealthStatusInput) (*cloudmap.GetInstancesHealthStatusOutput, error)
}

// ECS is the ECS read API the status view lists and log targets resolve through.
type ECS interface {
	ListClusters(ctx context.Context, in *ecs.ListInput) (*ecs.ListClustersOutput, error)
	ListServices(ctx context.Context, in *ecs.ListServicesInput) (*ecs.ListServicesOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error)
	ListTasks(ctx context.Context, in *ecs.ListTasksInput) (*ecs.ListTasksOutput, error)
	Task(ctx context.Context, cluster, id string) (*ecs.Task, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput) (*ecs.TaskDefinitionOutput, error)
}

// APIGW is the API Gateway read API the status view lists.
type APIGW interface {
	GetApis(ctx context.Context, in *apigw.PageInput) (*apigw.Page[*apigw.Api], error)
	GetVpcLinks(ctx context.Context, in *apigw.PageInput) (*apigw.Page[*apigw.VpcLink], error)
	GetStages(ctx context.Context, in *apigw.GetStagesInput) (*apigw.Page[*apigw.Stage], error)
	GetIntegrations(ctx context.Context, in *apigw.GetIntegrationsInput) (*apigw.Page[*apigw.Integration], error)
	GetRoutes(ctx context.Context, in *apigw.GetRoutesInput) (*apigw.Page[*apigw.Route], error)
}

// Logs is the CloudWatch Logs read API the log stream tails.
type Logs interface {
	HasLogGroup(ctx context.Context, name string) (bool, error)
	Tail(ctx context.Context, in logs.TailInput, fn func(stream string, t time.Time, message string)) error
}

// Config is what the admin endpoints read from and how they are guarded.
type Config struct {
	CloudMap CloudMap
	ECS      ECS
	APIGW    APIGW
	Logs     Logs
	// Authenticate, when set, holds every endpoint to the AWS APIs' SigV4
	// rule (awsapi.Mux.Authenticate): an unsigned request is refused.
	Authenticate func(r *http.Request, body []byte) error
	// Reset, when set, serves POST /_portolan/reset[?service=NAME]: it
	// empties one service's state, or every one's, and answers when done.
	// A service name it does not know is an error wrapping ErrBadReset.
	Reset func(ctx context.Context, service string) error
	// Token, when set with Authenticate, is accepted in place of a SigV4
	// signature (Authorization: Bearer, a token query parameter or the
	// console's cookie): what a browser or a Prometheus server can send.
	Token string
	// Metrics, when set, is served at GET /metrics.
	Metrics *prometheus.Registry
	// Store, when set, tells the console when to refresh (any change);
	// it is never read.
	Store store.Store
	// Stacks, when set, is where the console reads stack events.
	Stacks Stacks
	// DNS, when set, answers the console's DNS view.
	DNS DNS
	// ELB and ListenerAddresses, when set, add the load balancers to the
	// status view and the console.
	ELB               ELB
	ListenerAddresses ListenerAddresses
	// RestAPI, when set, adds the REST APIs to the status view and the
	// console.
	RestAPI RestAPI
	// Stopping closes when the api listener shuts down: a log follower
	// would otherwise stream forever, and Shutdown waits for handlers.
	Stopping <-chan struct{}
	Logger   *slog.Logger
}

// Admin serves the /_portolan endpoints.
type Admin struct {
	cloudMap      CloudMap
	ecs           ECS
	apigw         APIGW
	logs          Logs
	authenticate  func(r *http.Request, body []byte) error
	reset         func(ctx context.Context, service string) error
	token         string
	metrics       *prometheus.Registry
	store         store.Store
	stacks        Stacks
	dns           DNS
	elb           ELB
	listenerAddrs ListenerAddresses
	restAPI       RestAPI
	stopping      <-chan struct{}
	log           *slog.Logger
}

// New makes the endpoints over cfg's services.
func New(cfg Config) *Admin {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Admin{cloudMap: cfg.CloudMap, ecs: cfg.ECS, apigw: cfg.APIGW, logs: cfg.Logs,
		authenticate: cfg.Authenticate, reset: cfg.Reset, token: cfg.Token, metrics: cfg.Metrics, store: cfg.Store, stacks: cfg.Stacks, dns: cfg.DNS, elb: cfg.ELB, listenerAddrs: cfg.ListenerAddresses, restAPI: cfg.RestAPI, stopping: cfg.Stopping, log: log}
}

// Register mounts the endpoints on mux, beside whatever else it serves
// (the AWS APIs at "/" take every other request, these paths' other
// methods included).
func (a *Admin) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /_portolan/status", a.authenticated(a.serveStatus))
	mux.HandleFunc("GET /_portolan/logs", a.authenticated(a.serveLogs))
	if a.reset != nil {
		mux.HandleFunc("POST /_portolan/reset", a.authenticated(a.serveReset))
	}
	a.registerConsole(mux)
	if a.metrics != nil {
		mux.HandleFunc("GET /metrics", a.authenticated(a.metricsHandler(a.metrics).ServeHTTP))
	}
}

// authenticated holds the admin endpoints to the same SigV4 rule as the
// AWS APIs: with credentials configured, a request must be signed.
func (a *Admin) authenticated(h http.HandlerFunc) http.HandlerFunc {
	if a.authenticate == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if a.hasToken(r) {
			h(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
		if err != nil {
			http.Error(w, `{"message":"request body too large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		if err := a.authenticate(r, body); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}
}

// TokenCookie is the cookie the console keeps the token in.
const TokenCookie = "portolan_token"

// hasToken reports whether r carries the admin token.
func (a *Admin) hasToken(r *http.Request) bool {
	if a.token == "" {
		return false
	}
	got := r.URL.Query().Get("token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		got = bearer
	} else if c, err := r.Cookie(TokenCookie); err == nil && got == "" {
		got = c.Value
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) == 1
}

// jsonError answers an admin endpoint's request with {"message": msg}.
func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// lineStream writes NDJSON lines and flushes each, so the client prints
// progress as it happens.
type lineStream struct {
	mu sync.Mutex
	w  http.ResponseWriter
	e  *json.Encoder
}

func newLineStream(w http.ResponseWriter) *lineStream {
	w.Header().Set("Content-Type", "application/x-ndjson")
	return &lineStream{w: w, e: json.NewEncoder(w)}
}

func (s *lineStream) send(v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.Encode(v)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}
