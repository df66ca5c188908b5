package route53test

import (
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	r53 "github.com/portolan/portolan/internal/route53"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running Route 53 (with Cloud Map).
type Env struct {
	Store    store.Store
	Route53  *r53.Control
	CloudMap *cloudmap.Control
	// DNS answers for both, with WithDNS; nil otherwise.
	DNS *dns.Server
	// Dir holds the state: Start(t, InDir(e.Dir)) after Stop reopens it.
	Dir      string
	Endpoint string
	AWS      aws.Config
	Logger   *slog.Logger
	stop     func()
}

type options struct {
	dir     string
	withDNS bool
	dns     []func(*dns.Config)
	aliases []r53.AliasTargets
	served  func() int64
}

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithDNS runs the DNS server on Cloud Map's view and Route 53's zones
// (loopback, port 0, no upstreams, unless configure says otherwise), and
// reports changes INSYNC once it answers from them.
func WithDNS(configure ...func(*dns.Config)) Option {
	return func(o *options) { o.withDNS, o.dns = true, configure }
}

// WithServed reports what the DNS server serves (a test holding it back),
// instead of a DNS server's own revision.
func WithServed(served func() int64) Option { return func(o *options) { o.served = served } }

// WithAliases vouches for alias targets of other services.
func WithAliases(a ...r53.AliasTargets) Option { return func(o *options) { o.aliases = a } }

// Start runs Route 53 and Cloud Map for the duration of the test and
// returns once both views have a first snapshot.
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
	cfg := r53.Config{Region: awstest.Region, AccountID: AccountID, Store: st, CloudMap: e.CloudMap.View(), Aliases: o.aliases, Logger: log}
	if o.withDNS {
		cfg.Served = func() int64 { return e.DNS.ZonesRevision(e.Route53.DNSZones()) }
	}
	if o.served != nil {
		cfg.Served = o.served
	}
	e.Route53 = r53.New(cfg)
	if o.withDNS {
		dc := dns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: []string{}, View: e.CloudMap.View(),
			Zones: []dns.Zones{e.Route53.DNSZones()}, Logger: log}
		for _, c := range o.dns {
			c(&dc)
		}
		var err error
		if e.DNS, err = dns.New(dc); err != nil {
			st.Close()
			t.Fatal(err)
		}
	}
	mux := awsapi.NewMux(log)
	e.CloudMap.Register(mux)
	e.Route53.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("cloudmap", e.CloudMap.Run)
	srv.Go("route53", e.Route53.Run)
	if e.DNS != nil {
		srv.GoStrict("dns server", e.DNS.Run)
	}
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "cloudmap view", e.CloudMap.View())
	awstest.WaitReady(t, srv, "route53 view", e.Route53.View())
	return e
}

// Stop shuts everything down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is a route53 client for the endpoint.
func (e *Env) Client() *route53.Client { return route53.NewFromConfig(e.AWS) }

// CloudMapClient is a servicediscovery client for the endpoint.
func (e *Env) CloudMapClient() *servicediscovery.Client { return servicediscovery.NewFromConfig(e.AWS) }

// DNSAddr is the DNS server's address, with WithDNS.
func (e *Env) DNSAddr() string { return e.DNS.Addrs()[0] }
