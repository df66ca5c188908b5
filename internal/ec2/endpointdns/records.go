package endpointdns

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/store"
)

// APIs lists the REST APIs the private names are made for. Portolan's DNS
// table has no wildcards, so an endpoint's *.execute-api.REGION.amazonaws.com
// becomes one name per API.
type APIs interface {
	store.Source
	// RestAPIIDs are the ids of every REST API, and the store revision
	// they reflect.
	RestAPIIDs() (ids []string, rev int64)
}

// Config is what Records follows.
type Config struct {
	Endpoints *ec2.View
	Region    string
	// Gateway is the address the names resolve to: the REST gateway's
	// (ServeAt can move it before Run).
	Gateway netip.Addr
	// APIs, when set, adds each API's names through every execute-api
	// endpoint: {apiId}-{vpceId}.execute-api.REGION.amazonaws.com, and,
	// with private DNS on, {apiId}.execute-api.REGION.amazonaws.com.
	APIs APIs
}

// Records is a dns.Records source: the DNS names of every execute-api
// Interface endpoint, all resolving to the gateway. Run keeps it current.
type Records struct {
	cfg  Config
	feed store.Feed[[]dns.Record]
	// built are the revisions of the endpoints and the APIs the feed's
	// records were built from; only Run's goroutine touches it.
	built *[2]int64
}

// New returns the source; it has no records until Run's first build.
func New(cfg Config) *Records { return &Records{cfg: cfg} }

// ServeAt has the names resolve to addr instead of Config.Gateway. It is
// for an address that exists only once something else has set it up (the
// docker runtime's DNS network, where the gateway also listens for task
// containers), and must come before Run.
func (r *Records) ServeAt(addr netip.Addr) { r.cfg.Gateway = addr }

// Run rebuilds the records whenever the endpoints (or the APIs) change,
// until ctx ends.
func (r *Records) Run(ctx context.Context) error {
	sources := []store.Source{r.cfg.Endpoints}
	if r.cfg.APIs != nil {
		sources = append(sources, r.cfg.APIs)
	}
	return store.Join(ctx, &r.feed, r.build, sources...)
}

// Changed is the feed's: the DNS server rebuilds when it publishes.
func (r *Records) Changed() <-chan struct{} { return r.feed.Changed() }

// Records are the records to serve and the revision they reflect.
func (r *Records) Records() ([]dns.Record, int64) {
	recs, rev, _ := r.feed.Load()
	return recs, rev
}

// Ready waits for the first build, so that a server reports ready only
// once endpoints created before a restart resolve again.
func (r *Records) Ready(ctx context.Context) error {
	_, _, err := r.feed.Await(ctx, func([]dns.Record, int64) bool { return true })
	return err
}

func (r *Records) build() ([]dns.Record, int64, bool) {
	snap := r.cfg.Endpoints.Snapshot()
	if snap == nil {
		return nil, 0, false
	}
	revs := [2]int64{snap.Revision}
	var apis []string
	if r.cfg.APIs != nil {
		apis, revs[1] = r.cfg.APIs.RestAPIIDs()
	}
	if r.built != nil && *r.built == revs {
		return nil, 0, false
	}
	r.built = &revs
	// The DNS server rebuilds when this revision changes: it must grow
	// even when the source that changed lags behind the other.
	rev := max(revs[0], revs[1])
	if _, prev, ok := r.feed.Load(); ok && rev <= prev {
		rev = prev + 1
	}
	return Names(snap, r.cfg.Region, apis, r.cfg.Gateway), rev, true
}

// Names are the records for snap's execute-api Interface endpoints: each
// endpoint's own DNS names, and per API the names AWS answers through
// them, all at addr, sorted and without duplicates (two VPCs' endpoints
// with private DNS answer the same API names).
func Names(snap *ec2.Snapshot, region string, apiIDs []string, addr netip.Addr) []dns.Record {
	service := "com.amazonaws." + region + "." + ec2.ExecuteAPIService
	suffix := ".execute-api." + region + ".amazonaws.com"
	var names []string
	for _, e := range snap.Endpoints() {
		if e.ServiceName != service || e.VpcEndpointType != ec2.TypeInterface {
			continue
		}
		for _, d := range e.DnsEntries {
			if !strings.HasPrefix(d.DnsName, "*.") {
				names = append(names, d.DnsName)
			}
		}
		for _, api := range apiIDs {
			names = append(names, api+"-"+e.VpcEndpointId+suffix)
			if e.PrivateDnsEnabled {
				names = append(names, api+suffix)
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	recs := make([]dns.Record, len(names))
	for i, n := range names {
		recs[i] = dns.Record{Name: n, Addr: addr}
	}
	return recs
}
