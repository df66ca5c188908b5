// Package route53resolvertest runs Route 53 Resolver for tests: a real
// bolt store in a temp dir, the API on a loopback listener, and the DNS
// server serving its inbound endpoints and forwarding by its rules, as
// the server wires them.
package route53resolvertest

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	r53r "github.com/portolan/portolan/internal/route53resolver"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running Route 53 Resolver with its DNS server.
type Env struct {
	Store    store.Store
	Resolver *r53r.Control
	CloudMap *cloudmap.Control
	DNS      *dns.Server
	Endpoint string
	AWS      aws.Config
	stop     func()
}

// Options are what Start may be told.
type Options struct {
	// Upstreams are the DNS server's resolvers for names no rule takes.
	Upstreams []string
	// Addresses are where endpoint addresses come from when a request
	// names none; DNSPort the port inbound endpoints are served on.
	Addresses netip.Prefix
	DNSPort   int
}

// Start runs Route 53 Resolver, Cloud Map (the DNS server's zones) and the
// DNS server for the duration of the test.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st}
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log})
	e.Resolver = r53r.New(r53r.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Addresses: o.Addresses, DNSPort: o.DNSPort, Logger: log})
	var err error
	e.DNS, err = dns.New(dns.Config{Addrs: []string{"127.0.0.1:0"}, Upstreams: o.Upstreams, View: e.CloudMap.View(), Logger: log,
		Rules:     []dns.ForwardRules{r53r.ForwardingRules{View: e.Resolver.View()}},
		Listeners: r53r.InboundListeners{View: e.Resolver.View(), Port: o.DNSPort}})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	mux := awsapi.NewMux(log)
	e.Resolver.Register(mux)
	e.CloudMap.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("cloudmap", e.CloudMap.Run)
	srv.Go("route53resolver", e.Resolver.Run)
	srv.GoStrict("dns server", e.DNS.Run)
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "cloudmap view", e.CloudMap.View())
	awstest.WaitReady(t, srv, "route53resolver view", e.Resolver.View())
	return e
}

// Client is a route53resolver client for the endpoint.
func (e *Env) Client() *route53resolver.Client { return route53resolver.NewFromConfig(e.AWS) }
