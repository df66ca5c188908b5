// Package cloudformationtest runs CloudFormation for tests: the API over
// the stack engine, on a real store and socket, with Cloud Map as the
// service its stacks deploy into (plus the resource types the engine
// accepts without emulating). Tests that deploy ECS services or call the
// data plane start the whole server (servertest) instead.
package cloudformationtest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudformation"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running CloudFormation.
type Env struct {
	Store          store.Store
	CloudFormation *cloudformation.Control
	Stacks         *stack.Deployer
	CloudMap       *cloudmap.Control
	// Dir holds the state: Start(t, InDir(e.Dir)) after Stop reopens it.
	Dir      string
	Endpoint string
	AWS      aws.Config
	Logger   *slog.Logger
	stop     func()
}

type options struct {
	dir      string
	hold     time.Duration
	handlers map[string]stack.Handler
}

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithExecuteHold sets Config.ExecuteHold (negative: ExecuteChangeSet
// answers at once).
func WithExecuteHold(d time.Duration) Option { return func(o *options) { o.hold = d } }

// WithHandlers deploys more resource types (a test's own, whose create
// can be held or made to fail).
func WithHandlers(h map[string]stack.Handler) Option { return func(o *options) { o.handlers = h } }

// Start runs CloudFormation for the duration of the test and returns once
// it accepts stack operations.
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
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log})
	e.Stacks = stack.New(stack.Config{Region: awstest.Region, AccountID: AccountID, Store: st, CloudMap: e.CloudMap, Extra: o.handlers, Logger: log})
	if err := e.Stacks.Recover(context.Background()); err != nil {
		st.Close()
		t.Fatal(err)
	}
	e.CloudFormation = cloudformation.New(cloudformation.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Stacks: e.Stacks,
		ExecuteHold: o.hold, Logger: log})
	mux := awsapi.NewMux(log)
	e.CloudMap.Register(mux)
	e.CloudFormation.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("cloudmap", e.CloudMap.Run)
	srv.GoStrict("cloudformation", e.CloudFormation.Run)
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "cloudmap view", e.CloudMap.View())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.CloudFormation.Ready(ctx); err != nil {
		t.Fatal("cloudformation not ready:", err)
	}
	return e
}

// Stop shuts everything down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is a CloudFormation client for the endpoint.
func (e *Env) Client() *cfn.Client { return cfn.NewFromConfig(e.AWS) }
