package sts

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type GetCallerIdentityInput struct{}

type GetCallerIdentityOutput struct {
	UserId  string
	Account string
	Arn     string
}

// GetCallerIdentity says who signed the request: the session's assumed
// role for temporary credentials, else the account's root user (the
// configured credentials, or none).
func (c *Control) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	out := &GetCallerIdentityOutput{UserId: c.cfg.AccountID, Account: c.cfg.AccountID, Arn: c.rootARN()}
	s, err := c.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	if s != nil {
		out.UserId, out.Arn = s.UserId, s.Arn
	}
	return out, nil
}

// callerSession is the session the request was signed with, or nil when
// it was not signed with temporary credentials this server issued.
func (c *Control) callerSession(ctx context.Context) (*Session, error) {
	key := awsapi.CallerAccessKey(ctx)
	if !strings.HasPrefix(key, accessKeyPrefix) {
		return nil, nil
	}
	s, _, err := store.GetJSON[Session](ctx, c.st, sessionKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return s, err
}

// SessionSecret answers the SigV4 verifier about a temporary access key
// (awsapi.SessionKeys).
func (c *Control) SessionSecret(ctx context.Context, accessKeyID string) (secret, token string, err error) {
	if !strings.HasPrefix(accessKeyID, accessKeyPrefix) {
		return "", "", awsapi.ErrSessionUnknown
	}
	s, _, err := store.GetJSON[Session](ctx, c.st, sessionKey(accessKeyID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", "", awsapi.ErrSessionUnknown
	case err != nil:
		return "", "", err
	case !c.now().Before(s.Expiration):
		return "", "", awsapi.ErrSessionExpired
	}
	return s.SecretAccessKey, s.SessionToken, nil
}
