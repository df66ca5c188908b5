package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// LoadBalancers tells VPC links whether their Network Load Balancer
	// exists.
	LoadBalancers LoadBalancers
}

// Control is API Gateway's REST API (v1) control plane. Its exported
// methods are the apigateway operations with the wire's inputs and outputs,
// so in-process callers use exactly what SDK clients use.
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

// View is the read side the REST gateway follows.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the View current and settles PENDING VPC links until ctx ends.
func (c *Control) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.view.Run(ctx) })
	g.Go(func() error { return c.runVpcLinks(ctx) })
	return g.Wait()
}

// commit applies the transaction build returns, re-running build when a
// precondition fails because another writer got there first, then waits
// until the View has the write, so a client that writes and then invokes
// (through a gateway following the View) sees its write.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := c.view.Commit(ctx, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

func listJSON[T any](ctx context.Context, st store.Store, prefix string) ([]*T, []store.KV, error) {
	kvs, _, err := st.List(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*T, 0, len(kvs))
	for _, kv := range kvs {
		v := new(T)
		if err := json.Unmarshal(kv.Value, v); err != nil {
			return nil, nil, err
		}
		out = append(out, v)
	}
	return out, kvs, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
