package sts

import (
	"context"
	"log/slog"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/iam"
	"github.com/portolan/portolan/internal/store"
)

// Roles is the part of IAM that STS reads: the role an ARN names.
type Roles interface {
	RoleByARN(ctx context.Context, arn string) (*iam.Role, error)
}

// Config is what Control needs.
type Config struct {
	AccountID string
	Store     store.Store
	Roles     Roles
	// Now is the clock sessions are issued and expire by (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
	// ReapEvery is how often Run deletes expired sessions (10 minutes when zero).
	ReapEvery time.Duration
}

// Control is STS. Its exported methods are the API operations with the
// wire's inputs and outputs, plus SessionSecret for the SigV4 verifier.
type Control struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns the service; Run deletes expired sessions.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReapEvery == 0 {
		cfg.ReapEvery = 10 * time.Minute
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

func (c *Control) now() time.Time { return c.cfg.Now().UTC() }

// Run deletes expired sessions every ReapEvery until ctx ends; nothing
// depends on it but the store's size (an expired session is refused
// whether its record is there or not).
func (c *Control) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.ReapEvery)
	defer t.Stop()
	for {
		if err := c.reap(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("delete expired sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *Control) reap(ctx context.Context) error {
	kvs, _, err := c.st.List(ctx, sessionPrefix)
	if err != nil {
		return err
	}
	var ops []store.Op
	now := c.now()
	for _, kv := range kvs {
		if s := store.DecodeJSON[Session](kv.Value); s == nil || now.After(s.Expiration) {
			ops = append(ops, store.Delete(kv.Key))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	_, err = c.st.Commit(ctx, store.Txn{Then: ops})
	return err
}

// rootARN is the account's root user, who the configured credentials are.
func (c *Control) rootARN() string { return awsapi.AccountRootARN(c.cfg.AccountID) }
