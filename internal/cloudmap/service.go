package cloudmap

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
	Logger    *slog.Logger
}

// Control is Cloud Map's control plane: its exported methods are the API
// operations, with the same inputs and outputs as the wire, so in-process
// callers (ECS, the stack deployer) use exactly what AWS clients use. Every
// service's façade has this name (docs/architecture.md); Service is Cloud
// Map's own resource (model.go).
type Control struct {
	cfg  Config
	st   store.Store
	view *store.View[*Snapshot]
	log  *slog.Logger
}

// New returns Cloud Map's control plane. Run must be running for DiscoverInstances to answer.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side that the DNS server and the gateway follow.
func (r *Control) View() *View { return r.view.Reader() }

// Run keeps the View current until ctx ends.
func (r *Control) Run(ctx context.Context) error { return r.view.Run(ctx) }

// commit writes through the view (store.View.Commit: retried on a lost
// race, then waited for), so a caller that writes then discovers reads its
// own write; a write that keeps losing answers as busy.
func (r *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := r.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

func (r *Control) arn(resource string) string {
	return awsapi.ARN("servicediscovery", r.cfg.Region, r.cfg.AccountID, resource)
}

// count is the number of keys under prefix: ServiceCount and InstanceCount
// are counted, never stored.
func (r *Control) count(ctx context.Context, prefix string) (int, error) {
	kvs, _, err := r.st.List(ctx, prefix)
	return len(kvs), err
}
