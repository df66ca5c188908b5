package iam

import (
	"context"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

type GetUserInput struct{ UserName string }

type GetUserOutput struct{ User *User }

// accountCreated is when the account (its root user) reads as created.
var accountCreated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// GetUser answers for the caller: Portolan has no IAM users, and the
// configured credentials are the account's root, as IAM answers a call
// signed with root's keys. Temporary credentials are not a user's.
func (c *Control) GetUser(ctx context.Context, in *GetUserInput) (*GetUserOutput, error) {
	if in.UserName != "" {
		return nil, ErrNoSuchEntity.Newf("The user with name %s cannot be found.", in.UserName)
	}
	if strings.HasPrefix(awsapi.CallerAccessKey(ctx), "ASIA") {
		return nil, ErrValidation.Newf("Must specify userName when calling with non-User credentials")
	}
	return &GetUserOutput{User: &User{UserId: c.cfg.AccountID, Arn: awsapi.AccountRootARN(c.cfg.AccountID), CreateDate: accountCreated}}, nil
}
