package elbv2test

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running Elastic Load Balancing v2 control plane.
type Env struct {
	Store   store.Store
	Control *elbv2.Control
	// Dir holds the state file: Start(t, InDir(e.Dir)) after Stop reopens it.
	Dir      string
	Endpoint string
	AWS      aws.Config
	Logger   *slog.Logger
	// Dataplane serves the load balancers, with WithDataplane.
	Dataplane *dataplane.Dataplane
	stop      func()
}

type options struct {
	dir       string
	addresses netip.Prefix
	dataplane bool
}

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithAddresses sets the range load balancers' addresses come from.
func WithAddresses(p netip.Prefix) Option { return func(o *options) { o.addresses = p } }

// WithDataplane also serves the load balancers: their listeners on their
// addresses, and health checks of their targets. Give such tests an
// address range of their own (WithAddresses), so that test packages
// running at once never bind the same address and port.
func WithDataplane() Option { return func(o *options) { o.dataplane = true } }

// Start runs the control plane for the duration of the test and returns
// once its View has a first snapshot.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	st := awstest.OpenStore(t, o.dir, store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st, Dir: o.dir, Logger: log}
	e.Control = elbv2.New(elbv2.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log, Addresses: o.addresses})
	mux := awsapi.NewMux(log)
	e.Control.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("elbv2", e.Control.Run)
	if o.dataplane {
		e.Dataplane = dataplane.New(dataplane.Config{Control: e.Control, Logger: log})
		srv.Go("load balancers", e.Dataplane.Run)
	}
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "elbv2 view", e.Control.View())
	return e
}

// Stop shuts the control plane down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is an elasticloadbalancingv2 client for the endpoint.
func (e *Env) Client() *elasticloadbalancingv2.Client {
	return elasticloadbalancingv2.NewFromConfig(e.AWS)
}
