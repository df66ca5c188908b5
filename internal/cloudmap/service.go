package cloudmap

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what a Registry needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
}

// Registry is Cloud Map: its exported methods are the API operations, with
// the same inputs and outputs as the wire, so in-process callers (ECS, the
// stack deployer) use exactly what AWS clients use. It is not called Service,
// as other services' façades are, because Service is Cloud Map's own
// resource (model.go).
type Registry struct {
	cfg  Config
	st   store.Store
	view *View
	log  *slog.Logger
}

// New returns a Registry. Run must be running for DiscoverInstances to answer.
func New(cfg Config) *Registry {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side that the DNS server and the gateway follow.
func (r *Registry) View() *View { return r.view }

// Run keeps the View current until ctx ends.
func (r *Registry) Run(ctx context.Context) error { return r.view.run(ctx) }

// commit applies the transaction build returns (store.Retry re-runs build
// when another writer won a race), then waits until the View has the
// write, so a caller that writes then discovers reads its own write.
func (r *Registry) commit(ctx context.Context, build func() (store.Txn, error)) error {
	rev, err := store.Retry(ctx, r.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	if err == nil && rev > 0 {
		r.view.waitRevision(ctx, rev)
	}
	return err
}

func (r *Registry) arn(resource string) string {
	return awsapi.ARN("servicediscovery", r.cfg.Region, r.cfg.AccountID, resource)
}

// count is the number of keys under prefix: ServiceCount and InstanceCount
// are counted, never stored.
func (r *Registry) count(ctx context.Context, prefix string) (int, error) {
	kvs, _, err := r.st.List(ctx, prefix)
	return len(kvs), err
}
