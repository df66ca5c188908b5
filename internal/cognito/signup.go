package cognito

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// SignUpInput is SignUp's request.
type SignUpInput struct {
	ClientId       string
	SecretHash     string
	Username       string
	Password       string
	UserAttributes []AttributeType
}

// CodeDeliveryDetailsType says where a code went.
type CodeDeliveryDetailsType struct {
	Destination    string
	DeliveryMedium string
	AttributeName  string
}

// SignUpOutput is SignUp's answer.
type SignUpOutput struct {
	UserConfirmed       bool
	UserSub             string
	CodeDeliveryDetails *CodeDeliveryDetailsType `json:",omitempty"`
}

// codeLife is how long a confirmation code is good for (24 hours).
const codeLife = 24 * time.Hour

// SignUp registers a user from the client, UNCONFIRMED until the code
// "sent" to them (handed to Config.Deliver) is confirmed.
func (c *Control) SignUp(ctx context.Context, in *SignUpInput) (*SignUpOutput, error) {
	cl, _, err := c.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	p, _, err := c.pool(ctx, cl.UserPoolId)
	if err != nil {
		return nil, err
	}
	if p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		return nil, ErrNotAuthorized.Newf("SignUp is not permitted for this user pool")
	}
	if in.Username == "" {
		return nil, required("username")
	}
	if in.Password == "" {
		return nil, required("password")
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Policies.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	code := secretString(6, "0123456789")
	hash := hashPassword(in.Password)
	var u *userRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		p, pkv, err := c.pool(ctx, cl.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		var ops []store.Op
		var cmps []store.Cmp
		u, ops, cmps, err = c.newUser(ctx, p, in.Username, in.UserAttributes)
		if err != nil {
			return store.Txn{}, err
		}
		u.Status, u.PasswordHash = StatusUnconfirmed, hash
		u.ConfirmationHash, u.TempExpires = hashSecret(code), c.now().Add(codeLife).Unix()
		ops = append(ops, store.Put(userKey(p.Id, u.Username), store.JSON(u)))
		return store.Txn{If: append(cmps, store.Unchanged(pkv)), Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	c.cfg.Deliver(p.Id, u.Username, code)
	out := &SignUpOutput{UserSub: u.attr("sub")}
	if email := u.attr("email"); email != "" {
		out.CodeDeliveryDetails = &CodeDeliveryDetailsType{Destination: maskEmail(email), DeliveryMedium: "EMAIL", AttributeName: "email"}
	}
	return out, nil
}

// maskEmail shows an address as Cognito does: a***@e***.
func maskEmail(e string) string {
	at := -1
	for i, r := range e {
		if r == '@' {
			at = i
			break
		}
	}
	if at < 1 || at+1 >= len(e) {
		return "***"
	}
	return e[:1] + "***@" + e[at+1:at+2] + "***"
}

// ConfirmSignUpInput is ConfirmSignUp's request.
type ConfirmSignUpInput struct {
	ClientId         string
	SecretHash       string
	Username         string
	ConfirmationCode string
}

// ConfirmSignUp confirms a user with the code SignUp delivered.
func (c *Control) ConfirmSignUp(ctx context.Context, in *ConfirmSignUpInput) (*struct{}, error) {
	cl, _, err := c.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if in.ConfirmationCode == "" {
		return nil, required("confirmationCode")
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return nil, err
	}
	return &struct{}{}, c.updateUser(ctx, cl.UserPoolId, in.Username, func(u *userRecord) error {
		if u.Status != StatusUnconfirmed {
			return ErrNotAuthorized.Newf("User cannot be confirmed. Current status is %s", u.Status)
		}
		if subtle.ConstantTimeCompare([]byte(u.ConfirmationHash), []byte(hashSecret(in.ConfirmationCode))) != 1 {
			return ErrCodeMismatch.Newf("Invalid verification code provided, please try again.")
		}
		if c.now().Unix() > u.TempExpires {
			return ErrExpiredCode.Newf("Invalid code provided, please request a code again.")
		}
		u.confirm()
		return nil
	})
}

// AdminConfirmSignUp confirms a user without a code.
func (c *Control) AdminConfirmSignUp(ctx context.Context, in *UserInput) (*struct{}, error) {
	return &struct{}{}, c.updateUser(ctx, in.UserPoolId, in.Username, func(u *userRecord) error {
		if u.Status != StatusUnconfirmed {
			return ErrNotAuthorized.Newf("User cannot be confirmed. Current status is %s", u.Status)
		}
		u.confirm()
		return nil
	})
}

func (u *userRecord) confirm() {
	u.Status, u.ConfirmationHash, u.TempExpires = StatusConfirmed, "", 0
}
