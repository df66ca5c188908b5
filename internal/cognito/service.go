package cognito

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// Now is the clock tokens, lockouts and codes are timed by (time.Now
	// when nil): tests move it to issue expired tokens.
	Now func() time.Time
	// Deliver receives the confirmation codes SignUp would send by email or
	// SMS (nil: they are logged, as nothing is sent from here).
	Deliver func(poolID, username, code string)
}

// Control is Cognito user pools' control plane: its exported methods are
// the API operations, with the wire's inputs and outputs.
type Control struct {
	cfg  Config
	st   store.Store
	view *store.View[*Snapshot]
	log  *slog.Logger
}

// New returns the user pools' control plane; Run must be running.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
	c.view = newView(cfg.Store, cfg.Logger)
	if cfg.Deliver == nil {
		c.cfg.Deliver = func(poolID, username, code string) {
			c.log.Info("confirmation code (delivered nowhere: read it here)", "userPoolId", poolID, "username", username, "code", code)
		}
	}
	return c
}

// View is the read side: pools' public keys and domains.
func (c *Control) View() *View { return c.view.Reader() }

// Run keeps the View current until ctx ends.
func (c *Control) Run(ctx context.Context) error { return c.view.Run(ctx) }

// Ready returns once the View has its first snapshot: the gateway's
// authorizers and the endpoints read keys from it.
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

func (c *Control) now() time.Time { return c.cfg.Now() }

func (c *Control) stamp() awsapi.Timestamp {
	return awsapi.Timestamp(c.now().Truncate(time.Millisecond))
}

// Issuer is the iss of a pool's tokens: AWS's own URL, so that authorizers
// and libraries configured for AWS accept them unchanged.
func (c *Control) Issuer(poolID string) string {
	return "https://cognito-idp." + c.cfg.Region + ".amazonaws.com/" + poolID
}

func (c *Control) poolARN(id string) string {
	return awsapi.ARN("cognito-idp", c.cfg.Region, c.cfg.AccountID, "userpool/"+id)
}

// pool reads a pool, or answers ResourceNotFoundException.
func (c *Control) pool(ctx context.Context, id string) (*UserPoolType, store.KV, error) {
	if id == "" {
		return nil, store.KV{}, required("userPoolId")
	}
	p, kv, err := store.GetJSON[UserPoolType](ctx, c.st, poolKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, poolNotFound(id)
	}
	return p, kv, err
}

// client reads an app client, or answers ResourceNotFoundException.
func (c *Control) client(ctx context.Context, id string) (*clientRecord, store.KV, error) {
	if id == "" {
		return nil, store.KV{}, required("clientId")
	}
	cl, kv, err := store.GetJSON[clientRecord](ctx, c.st, clientKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, clientNotFound(id)
	}
	return cl, kv, err
}

// poolClient reads a client that must belong to pool poolID.
func (c *Control) poolClient(ctx context.Context, poolID, id string) (*clientRecord, store.KV, error) {
	if _, _, err := c.pool(ctx, poolID); err != nil {
		return nil, store.KV{}, err
	}
	cl, kv, err := c.client(ctx, id)
	if err == nil && cl.UserPoolId != poolID {
		return nil, kv, clientNotFound(id)
	}
	return cl, kv, err
}
