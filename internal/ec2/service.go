package ec2

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	// Interfaces lists the network interfaces of running awsvpc tasks
	// (DescribeNetworkInterfaces); nil lists none.
	Interfaces TaskInterfaces
	Logger     *slog.Logger
}

// Control is EC2's control plane (VPCs and what lives in them, VPC
// endpoints). Its exported methods
// are the API operations with the wire's inputs and outputs, so
// in-process callers (the stack deployer) use what SDK clients use.
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
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side the REST gateway and the DNS server follow.
func (c *Control) View() *View { return c.view.Reader() }

// Run makes the account's default VPC if it has none yet, then keeps the
// View current until ctx ends.
func (c *Control) Run(ctx context.Context) error {
	if err := c.EnsureDefaultVPC(ctx); err != nil {
		return err
	}
	return c.view.Run(ctx)
}

// Region is the region endpoints are made in (their DNS names carry it).
func (c *Control) Region() string { return c.cfg.Region }

// commit writes through the view (store.View.Commit: retried on a lost
// race, then waited for), so a caller that writes and then resolves or
// connects finds its change served.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// write commits the network's records. They are read from the store, not
// the View (which follows endpoints only), so there is nothing to wait for.
func (c *Control) write(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// newEndpointID is an endpoint id as AWS makes them: vpce- and 17 hex digits.
func newEndpointID() string { return "vpce-" + awsapi.RandomHex(17) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func isTrue(b *bool) bool { return b != nil && *b }
