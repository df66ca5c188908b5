package restapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// AccountInput is GetAccount's (empty) input.
type AccountInput struct{}

// UpdateAccountInput is UpdateAccount's patch.
type UpdateAccountInput struct {
	PatchInput
}

// GetAccount returns the region's API Gateway settings: the CloudWatch role
// and the account-level throttle (AWS's 10,000 rps, burst 5,000).
func (c *Control) GetAccount(ctx context.Context, _ *AccountInput) (*Account, error) {
	a, _, err := c.getAccount(ctx)
	return a, err
}

func (c *Control) getAccount(ctx context.Context) (*Account, *store.KV, error) {
	a, kv, err := store.GetJSON[Account](ctx, c.st, accountStoreKey())
	if errors.Is(err, store.ErrNotFound) {
		return defaultAccount(), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return a, &kv, nil
}

// accountPatch is what UpdateAccount may change: the role API Gateway logs
// to CloudWatch with, and the features list (AWS's one feature is
// "UsagePlans").
var accountPatch = []patchRule[Account]{
	{"/cloudwatchRoleArn", "replace remove", func(a *Account, op *PatchOperation, _ []string) error {
		if op.Op == "remove" || op.str() == "" {
			a.CloudwatchRoleArn = ""
			return nil
		}
		if !strings.HasPrefix(op.str(), "arn:aws:iam::") || !strings.Contains(op.str(), ":role/") {
			return badRequest("The role ARN is not well formed: %s", op.str())
		}
		a.CloudwatchRoleArn = op.str()
		return nil
	}},
	{"/features", "add remove", func(a *Account, op *PatchOperation, _ []string) error {
		a.Features = slices.DeleteFunc(a.Features, func(f string) bool { return f == op.str() })
		if op.Op == "add" {
			a.Features = append(a.Features, op.str())
		}
		return nil
	}},
}

// UpdateAccount applies a patch to the account's settings.
func (c *Control) UpdateAccount(ctx context.Context, in *UpdateAccountInput) (*Account, error) {
	var out *Account
	err := c.commit(ctx, func() (store.Txn, error) {
		a, kv, err := c.getAccount(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyPatch(a, in.PatchOperations, accountPatch); err != nil {
			return store.Txn{}, err
		}
		cmp := store.Absent(accountStoreKey())
		if kv != nil {
			cmp = store.Unchanged(*kv)
		}
		out = a
		return store.Txn{If: []store.Cmp{cmp}, Then: []store.Op{store.Put(accountStoreKey(), store.JSON(a))}}, nil
	})
	return out, err
}
