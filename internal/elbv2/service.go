package elbv2

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// DefaultAddresses is where load balancers get their addresses when
// Config.Addresses is unset: each one its own loopback address, as each
// AWS load balancer has its own, so every one can listen on port 80.
var DefaultAddresses = netip.MustParsePrefix("127.0.100.0/22")

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// Addresses is the range load balancers' addresses are allocated from
	// (DefaultAddresses when invalid/zero).
	Addresses netip.Prefix
}

// Control is Elastic Load Balancing v2's control plane. Its exported
// methods are the API operations with the wire's inputs and outputs, so
// in-process callers (the stack deployer, ECS) use what SDK clients use.
type Control struct {
	cfg  Config
	st   store.Store
	view *store.View[*Snapshot]
	log  *slog.Logger
}

// New returns the control plane. Run keeps its View current.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.Addresses.IsValid() {
		cfg.Addresses = DefaultAddresses
	}
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side the data plane and the health checker follow.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the View current, and removes drained targets, until ctx ends.
func (c *Control) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.view.Run(ctx) })
	g.Go(func() error { return c.RunDrainer(ctx) })
	return g.Wait()
}

// commit writes through the view (store.View.Commit: retried on a lost
// race, then waited for), so a caller that writes and then connects finds
// its change served; a write that keeps losing answers as busy.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// arn is an elasticloadbalancing ARN of this region and account.
func (c *Control) arn(resource string) string {
	return awsapi.ARN("elasticloadbalancing", c.cfg.Region, c.cfg.AccountID, resource)
}

// newID is the 16-hex-digit id AWS gives load balancers, target groups,
// listeners and rules in their ARNs.
func newID() string { return awsapi.RandomHex(16) }
