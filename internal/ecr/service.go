package ecr

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	// RegistryHost is host:port where the registry data plane is reached:
	// repositoryUri and the authorization token's proxyEndpoint name it.
	RegistryHost string
	// TokenTTL is how long an authorization token is good for (AWS's 12
	// hours when zero).
	TokenTTL time.Duration
	Logger   *slog.Logger
}

// Control is ECR's control plane: its exported methods are the API
// operations, with the wire's inputs and outputs, and what the registry
// data plane asks of it.
type Control struct {
	cfg  Config
	st   store.Store
	view *store.View[*Snapshot]
	log  *slog.Logger
}

// New returns ECR's control plane; Run must be running.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the view current and enforces lifecycle policies until ctx
// ends.
func (c *Control) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.view.Run(ctx) })
	g.Go(func() error { return c.enforceLifecycle(ctx) })
	return g.Wait()
}

// Ready returns once the view has its first snapshot.
func (c *Control) Ready(ctx context.Context) error {
	_, _, err := c.view.Next(ctx, -1)
	return err
}

func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

func (c *Control) snapshot() *Snapshot {
	if s := c.view.Value(); s != nil {
		return s
	}
	return &Snapshot{}
}

func (c *Control) repositoryArn(name string) string {
	return awsapi.ARN("ecr", c.cfg.Region, c.cfg.AccountID, "repository/"+name)
}

// RegistryHost is where the registry data plane is reached (host:port).
func (c *Control) RegistryHost() string { return c.cfg.RegistryHost }

// AccountID is the registry's id.
func (c *Control) AccountID() string { return c.cfg.AccountID }

// Region is the registry's region.
func (c *Control) Region() string { return c.cfg.Region }
