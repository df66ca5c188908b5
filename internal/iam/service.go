package iam

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs. IAM is global: it has no region.
type Config struct {
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
}

// Control is IAM's control plane. Its exported methods are the API
// operations with the wire's inputs and outputs.
type Control struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns the control plane; it has nothing to run.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

// AccountID is the account every IAM entity here belongs to.
func (c *Control) AccountID() string { return c.cfg.AccountID }

func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// arn is an IAM ARN of this account: "role/path/name", "policy/…".
func (c *Control) arn(resource string) string {
	return awsapi.ARN("iam", "", c.cfg.AccountID, resource)
}

// newID is a unique id as IAM makes them: a four-letter prefix naming the
// kind (AROA a role, ANPA a policy, AIPA an instance profile) and 17
// upper-case letters and digits.
func newID(prefix string) string {
	return prefix + awsapi.RandomString(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
}

// encodeDocument is a policy document as IAM returns it: URL-encoded
// (RFC 3986, so a space is %20), which clients decode with QueryUnescape.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// lower is the key form of a name: IAM names are unique regardless of case.
func lower(name string) string { return strings.ToLower(name) }

// absent is nil when key holds nothing, else exists (the entity's
// EntityAlreadyExists error).
func (c *Control) absent(ctx context.Context, key string, exists error) error {
	_, err := c.st.Get(ctx, key)
	switch {
	case err == nil:
		return exists
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}
