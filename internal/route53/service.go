package route53

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	// Region is where VPCs are when a client names none, and the region
	// of Cloud Map's namespace ARNs.
	Region    string
	AccountID string
	Store     store.Store
	// CloudMap, when set, is read for the hosted zones behind Cloud Map's
	// DNS namespaces, which Route 53 lists beside its own.
	CloudMap *cloudmap.View
	// Aliases check alias targets outside Route 53's zones (a load
	// balancer's name); a target none of them knows is accepted unchecked.
	Aliases []AliasTargets
	// Served, when set, is the revision of Route 53's zones the DNS
	// server answers from (dns.Server.ZonesRevision of DNSZones): a change
	// is PENDING until it reaches the change. Without it a change is
	// INSYNC once committed.
	Served func() int64
	Logger *slog.Logger
}

// AliasTargets knows the names of some hosted zones outside Route 53 (the
// load balancers'), which alias record sets may point at.
type AliasTargets interface {
	// AliasTarget reports whether name is one of its names (known), and if
	// so whether it exists now.
	AliasTarget(name string) (known, exists bool)
}

// Control is Route 53's control plane: its exported methods are the API
// operations, with the wire's inputs and outputs.
type Control struct {
	cfg   Config
	st    store.Store
	view  *store.View[*Snapshot]
	zones *DNSZones
	log   *slog.Logger
}

// New returns Route 53's control plane; Run must be running for reads.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
	c.zones = &DNSZones{view: c.view.Reader()}
	return c
}

// View is the read side.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the View current until ctx ends.
func (c *Control) Run(ctx context.Context) error { return c.view.Run(ctx) }

// DNSZones is the DNS server's source of Route 53's zones (its
// Config.Zones); the same value every call, so that the server can tell
// which revision of it it serves.
func (c *Control) DNSZones() *DNSZones { return c.zones }

// commit writes through the view, so that a caller reads its own write.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// snapshot is the current picture (empty before the view's first).
func (c *Control) snapshot() *Snapshot {
	if s := c.view.Value(); s != nil {
		return s
	}
	return &Snapshot{zones: map[string]*ZoneState{}}
}

// DNSZones serves Route 53's hosted zones from the DNS server.
type DNSZones struct{ view *View }

// Changed is the view's: the DNS server rebuilds when it publishes.
func (z *DNSZones) Changed() <-chan struct{} { return z.view.Changed() }

// Zones are every hosted zone, oldest first, at the snapshot's revision.
func (z *DNSZones) Zones() ([]*dns.Zone, int64) {
	snap := z.view.Snapshot()
	if snap == nil {
		return nil, 0
	}
	return snap.dns, snap.Revision
}
