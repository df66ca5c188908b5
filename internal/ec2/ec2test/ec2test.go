package ec2test

import (
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	pec2 "github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running EC2 control plane.
type Env struct {
	Store   store.Store
	Control *pec2.Control
	// Dir holds the state file: Start(t, InDir(e.Dir)) after Stop reopens it.
	Dir      string
	Endpoint string
	AWS      aws.Config
	Logger   *slog.Logger
	stop     func()
}

type options struct{ dir string }

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

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
	e.Control = pec2.New(pec2.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log})
	mux := awsapi.NewMux(log)
	e.Control.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("ec2", e.Control.Run)
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "ec2 view", e.Control.View())
	return e
}

// Stop shuts the control plane down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is an EC2 client for the endpoint.
func (e *Env) Client() *ec2.Client { return ec2.NewFromConfig(e.AWS) }
