package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

// DefaultEndpoint is the apiEndpoint template when Config.Endpoint is empty:
// the gateway's default listener, reached by host name as AWS's
// {apiId}.execute-api.{region}.amazonaws.com is.
const DefaultEndpoint = "http://{apiId}.execute-api.localhost:8080"

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// Endpoint is the apiEndpoint every API reports, with "{apiId}" replaced
	// by the API's id. The server sets it from the gateway's address.
	Endpoint string
}

// Control is API Gateway's HTTP API control plane. Its exported methods are
// the apigatewayv2 operations with the wire's inputs and outputs, so
// in-process callers use exactly what SDK clients use.
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
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	return &Control{cfg: cfg, st: cfg.Store, view: newView(cfg.Store, cfg.Logger), log: cfg.Logger}
}

// View is the read side the gateway follows.
func (s *Control) View() *View { return s.view.Reader() }

// Run keeps the View current until ctx ends.
func (s *Control) Run(ctx context.Context) error { return s.view.Run(ctx) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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

// commit applies the transaction build returns, re-running build when a
// precondition fails because another writer got there first, then waits
// until the View has the write, so a client that writes and then invokes
// (through a gateway following the View) sees its write.
func (s *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	err := s.view.Commit(ctx, func() (store.Txn, error) {
		txn, err := build()
		txn.Then = lastWriteWins(txn.Then)
		return txn, err
	})
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// lastWriteWins keeps only the last op on each key: a transaction's
// builders may write a record and later rewrite it (a stage that also gets
// a deployment), and etcd refuses a transaction that names a key twice.
func lastWriteWins(ops []store.Op) []store.Op {
	last := make(map[string]int, len(ops))
	for i, op := range ops {
		last[op.Key] = i
	}
	if len(last) == len(ops) {
		return ops
	}
	out := make([]store.Op, 0, len(last))
	for i, op := range ops {
		if last[op.Key] == i {
			out = append(out, op)
		}
	}
	return out
}

func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
