package route53resolver

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// DefaultAddresses is where endpoint addresses come from when a request
// names a subnet but no address.
var DefaultAddresses = netip.MustParsePrefix("127.0.53.0/24")

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	// Addresses are where addresses come from when a request names none
	// (DefaultAddresses when zero).
	Addresses netip.Prefix
	// DNSPort is the port inbound endpoints are served on (53 when 0).
	DNSPort int
	Logger  *slog.Logger
}

// Control is Route 53 Resolver's control plane: its exported methods are
// the API operations, with the wire's inputs and outputs.
type Control struct {
	cfg  Config
	st   store.Store
	view *store.View[*Snapshot]
	log  *slog.Logger
}

// New returns Route 53 Resolver's control plane; Run must be running.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.Addresses.IsValid() {
		cfg.Addresses = DefaultAddresses
	}
	if cfg.DNSPort == 0 {
		cfg.DNSPort = 53
	}
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the View current until ctx ends.
func (c *Control) Run(ctx context.Context) error { return c.view.Run(ctx) }

func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

func (c *Control) arn(resource string) string {
	return awsapi.ARN("route53resolver", c.cfg.Region, c.cfg.AccountID, resource)
}

func (c *Control) snapshot() *Snapshot {
	if s := c.view.Value(); s != nil {
		return s
	}
	return &Snapshot{}
}
