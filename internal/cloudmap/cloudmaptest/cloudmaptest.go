package cloudmaptest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// Env is a running Cloud Map.
type Env struct {
	Store    store.Store
	CloudMap *cloudmap.Control
	// DNS is the DNS server following CloudMap's View, when Start was given
	// WithDNS; nil otherwise.
	DNS *dns.Server
	// Endpoint is the AWS endpoint URL, http://localhost:PORT as a user
	// would configure it.
	Endpoint string
	// Dir holds the state (state.db): Start(t, InDir(e.Dir)) after e.Stop()
	// is a restart.
	Dir    string
	AWS    aws.Config
	Logger *slog.Logger
	stop   func()
}

// Option adjusts what Start runs.
type Option func(*options)

type options struct {
	dir     string
	withDNS bool
	dns     []func(*dns.Config)
}

// WithDNS also runs a DNS server on the View: loopback only, port 0, no
// upstreams, unless configure says otherwise.
func WithDNS(configure ...func(*dns.Config)) Option {
	return func(o *options) { o.withDNS, o.dns = true, configure }
}

// InDir keeps the state in dir (an earlier Env's Dir) instead of a new
// temp dir.
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Start runs Cloud Map for the duration of the test and returns once its
// View has a first snapshot, as the server's health endpoint does.
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
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: "000000000000", Store: st, Logger: log})
	if o.withDNS {
		cfg := dns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: []string{}, View: e.CloudMap.View(), Logger: log}
		for _, c := range o.dns {
			c(&cfg)
		}
		var err error
		if e.DNS, err = dns.New(cfg); err != nil {
			st.Close()
			t.Fatal(err)
		}
	}
	mux := awsapi.NewMux(log)
	e.CloudMap.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")

	srv.Go("cloudmap", e.CloudMap.Run)
	if e.DNS != nil {
		// The DNS server reports its own errors even at shutdown: a test
		// that sees one has found a bug.
		srv.GoStrict("dns server", e.DNS.Run)
	}
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "cloudmap view", e.CloudMap.View())
	return e
}

// Stop shuts Cloud Map down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is a servicediscovery client for the endpoint.
func (e *Env) Client() *servicediscovery.Client { return servicediscovery.NewFromConfig(e.AWS) }

// HTTPNamespace creates an HTTP namespace named name through c and returns
// its id, read from the creating operation's targets.
func HTTPNamespace(t testing.TB, c *servicediscovery.Client, name string) string {
	t.Helper()
	ctx := context.Background()
	op, err := c.CreateHttpNamespace(ctx, &servicediscovery.CreateHttpNamespaceInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOperation(ctx, &servicediscovery.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		t.Fatal(err)
	}
	return got.Operation.Targets["NAMESPACE"]
}
