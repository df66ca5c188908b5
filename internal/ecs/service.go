package ecs

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what the ECS control plane needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// CloudMap validates services' serviceRegistries and answers
	// ListServicesByNamespace; nil refuses serviceRegistries.
	CloudMap CloudMap
	// LoadBalancing validates services' loadBalancers and reports their
	// targets' health to the scheduler; nil refuses loadBalancers.
	LoadBalancing LoadBalancing
	// Subnets describes the subnets awsvpc tasks are launched in, which
	// their records keep for the agent's runtime; nil knows none.
	Subnets Subnets
}

// Control is the ECS control plane. Its exported methods are the API
// operations, with the wire's inputs and outputs, so in-process callers
// (the stack deployer, tests) use exactly what AWS clients use.
// Every service's façade has this name (docs/architecture.md); Service is
// ECS's own resource.
type Control struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns the ECS control plane.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

func (c *Control) arn(resource string) string {
	return awsapi.ARN("ecs", c.cfg.Region, c.cfg.AccountID, resource)
}

// commit applies the transaction build returns; store.Retry re-runs build
// when a precondition lost a race with another writer.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return errContended
	}
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
