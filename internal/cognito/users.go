package cognito

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// signInAttributes are the attributes that can stand for the user name
// (UsernameAttributes, AliasAttributes' email and phone_number).
var signInAttributes = []string{"email", "phone_number"}

// lookup finds a user by name, or by an attribute that signs in, or by
// sub; nil when there is none.
func (c *Control) lookup(ctx context.Context, p *UserPoolType, name string) (*userRecord, store.KV, error) {
	if name == "" {
		return nil, store.KV{}, nil
	}
	u, kv, err := store.GetJSON[userRecord](ctx, c.st, userKey(p.Id, name))
	if err == nil {
		return u, kv, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, kv, err
	}
	for _, attr := range append([]string{"sub"}, signInAttributes...) {
		akv, err := c.st.Get(ctx, aliasKey(p.Id, attr, name))
		if err != nil {
			continue
		}
		u, kv, err := store.GetJSON[userRecord](ctx, c.st, userKey(p.Id, string(akv.Value)))
		if err == nil {
			return u, kv, nil
		}
	}
	return nil, store.KV{}, nil
}

// mustUser is lookup answering UserNotFoundException.
func (c *Control) mustUser(ctx context.Context, poolID, name string) (*UserPoolType, *userRecord, store.KV, error) {
	p, _, err := c.pool(ctx, poolID)
	if err != nil {
		return nil, nil, store.KV{}, err
	}
	if name == "" {
		return nil, nil, store.KV{}, required("username")
	}
	u, kv, err := c.lookup(ctx, p, name)
	if err == nil && u == nil {
		err = userNotFound()
	}
	return p, u, kv, err
}

// checkAttributes applies the pool's schema to attributes a caller sets.
func checkAttributes(p *UserPoolType, attrs []AttributeType) error {
	for _, a := range attrs {
		i := slices.IndexFunc(p.SchemaAttributes, func(s SchemaAttributeType) bool { return s.Name == a.Name })
		if i < 0 {
			return invalidParameter("Attributes did not conform to the schema: %s: Attribute does not exist in the schema.", a.Name)
		}
		if a.Name == "sub" {
			return invalidParameter("Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)")
		}
		if len(a.Value) > 2048 {
			return invalidParameter("Attributes did not conform to the schema: %s: String must be no longer than 2048 characters", a.Name)
		}
	}
	return nil
}

// checkRequired refuses a new user without the schema's required
// attributes.
func checkRequired(p *UserPoolType, attrs []AttributeType) error {
	for _, s := range p.SchemaAttributes {
		if s.Required != nil && *s.Required && s.Name != "sub" && !slices.ContainsFunc(attrs, func(a AttributeType) bool { return a.Name == s.Name }) {
			return invalidParameter("Attributes did not conform to the schema: %s: The attribute is required", s.Name)
		}
	}
	return nil
}

// setAttr replaces or adds an attribute.
func setAttr(attrs []AttributeType, name, value string) []AttributeType {
	for i := range attrs {
		if attrs[i].Name == name {
			attrs[i].Value = value
			return attrs
		}
	}
	return append(attrs, AttributeType{Name: name, Value: value})
}

// newUser builds a user record and the keys that index it: its name, its
// sub, and the attributes that sign in. name is what the caller gave: with
// UsernameAttributes, an email or phone number standing for a generated
// user name.
func (c *Control) newUser(ctx context.Context, p *UserPoolType, name string, attrs []AttributeType) (*userRecord, []store.Op, []store.Cmp, error) {
	if err := checkAttributes(p, attrs); err != nil {
		return nil, nil, nil, err
	}
	attrs = slices.Clone(attrs)
	sub := awsapi.NewUUID()
	username := name
	if len(p.UsernameAttributes) > 0 {
		isAttr := false
		for _, a := range p.UsernameAttributes {
			if (a == "email" && strings.Contains(name, "@")) || (a == "phone_number" && strings.HasPrefix(name, "+")) {
				attrs, isAttr = setAttr(attrs, a, name), true
				break
			}
		}
		if !isAttr {
			return nil, nil, nil, invalidParameter("Username should be either an email or a phone number.")
		}
		username = sub
	}
	if len(username) > 128 || strings.ContainsAny(username, " \t\n") {
		return nil, nil, nil, invalidParameter("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
	}
	if err := checkRequired(p, attrs); err != nil {
		return nil, nil, nil, err
	}
	attrs = append([]AttributeType{{Name: "sub", Value: sub}}, attrs...)
	now := c.stamp()
	u := &userRecord{Username: username, Attributes: attrs, Created: now, Modified: now, Enabled: true}
	ops := []store.Op{store.Put(aliasKey(p.Id, "sub", sub), []byte(username))}
	cmps := []store.Cmp{store.Absent(userKey(p.Id, username))}
	if existing, _, err := c.lookup(ctx, p, username); err != nil {
		return nil, nil, nil, err
	} else if existing != nil {
		return nil, nil, nil, ErrUsernameExists.Newf("User account already exists")
	}
	signIn := append(slices.Clone(p.UsernameAttributes), p.AliasAttributes...)
	for _, attr := range signInAttributes {
		v := u.attr(attr)
		if v == "" || !slices.Contains(signIn, attr) {
			continue
		}
		if _, err := c.st.Get(ctx, aliasKey(p.Id, attr, v)); err == nil {
			if len(p.UsernameAttributes) > 0 {
				return nil, nil, nil, ErrUsernameExists.Newf("An account with the given %s already exists.", attr)
			}
			return nil, nil, nil, ErrAliasExists.Newf("An account with the given %s already exists.", attr)
		}
		ops = append(ops, store.Put(aliasKey(p.Id, attr, v), []byte(username)))
		cmps = append(cmps, store.Absent(aliasKey(p.Id, attr, v)))
	}
	return u, ops, cmps, nil
}

// AdminCreateUserInput is AdminCreateUser's request.
type AdminCreateUserInput struct {
	UserPoolId        string
	Username          string
	UserAttributes    []AttributeType
	TemporaryPassword string
	MessageAction     string
}

// UserOutput wraps a user.
type UserOutput struct {
	User UserType
}

// AdminCreateUser creates a user who must choose a password at first
// sign-in (FORCE_CHANGE_PASSWORD). No invitation is sent from here.
func (c *Control) AdminCreateUser(ctx context.Context, in *AdminCreateUserInput) (*UserOutput, error) {
	p, _, err := c.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.Username == "" {
		return nil, required("username")
	}
	switch in.MessageAction {
	case "", "SUPPRESS":
	case "RESEND":
		// Nothing is sent from here: resending is answering with the user.
		_, u, _, err := c.mustUser(ctx, in.UserPoolId, in.Username)
		if err != nil {
			return nil, err
		}
		return &UserOutput{User: u.wire()}, nil
	default:
		return nil, invalidParameter("Invalid MessageAction: %s", in.MessageAction)
	}
	temp := in.TemporaryPassword
	if temp == "" {
		temp = generatedPassword()
	} else if err := checkPolicy(p.Policies.PasswordPolicy, temp); err != nil {
		return nil, err
	}
	var u *userRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		p, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		var ops []store.Op
		var cmps []store.Cmp
		u, ops, cmps, err = c.newUser(ctx, p, in.Username, in.UserAttributes)
		if err != nil {
			return store.Txn{}, err
		}
		u.Status = StatusForceChangePassword
		u.PasswordHash = hashPassword(temp)
		days := 7
		if pp := p.Policies.PasswordPolicy; pp != nil && pp.TemporaryPasswordValidityDays > 0 {
			days = pp.TemporaryPasswordValidityDays
		}
		u.TempExpires = c.now().Add(time.Duration(days) * 24 * time.Hour).Unix()
		ops = append(ops, store.Put(userKey(p.Id, u.Username), store.JSON(u)))
		return store.Txn{If: append(cmps, store.Unchanged(pkv)), Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	return &UserOutput{User: u.wire()}, nil
}

// generatedPassword is a temporary password that meets any policy.
func generatedPassword() string {
	return "Aa1!" + secretString(16, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
}

// AdminSetUserPasswordInput is AdminSetUserPassword's request.
type AdminSetUserPasswordInput struct {
	UserPoolId string
	Username   string
	Password   string
	Permanent  bool
}

// AdminSetUserPassword sets a password: permanent (the user is CONFIRMED)
// or temporary (FORCE_CHANGE_PASSWORD).
func (c *Control) AdminSetUserPassword(ctx context.Context, in *AdminSetUserPasswordInput) (*struct{}, error) {
	if in.Password == "" {
		return nil, required("password")
	}
	p, _, _, err := c.mustUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Policies.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	hash := hashPassword(in.Password)
	return &struct{}{}, c.updateUser(ctx, in.UserPoolId, in.Username, func(u *userRecord) error {
		u.PasswordHash, u.TempExpires, u.Lockout = hash, 0, lockout{}
		u.Status = StatusConfirmed
		if !in.Permanent {
			u.Status = StatusForceChangePassword
			u.TempExpires = c.now().Add(7 * 24 * time.Hour).Unix()
		}
		return nil
	})
}

// updateUser rewrites a user in one transaction.
func (c *Control) updateUser(ctx context.Context, poolID, name string, change func(u *userRecord) error) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, u, kv, err := c.mustUser(ctx, poolID, name)
		if err != nil {
			return store.Txn{}, err
		}
		if err := change(u); err != nil {
			return store.Txn{}, err
		}
		u.Modified = c.stamp()
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(u))}}, nil
	})
}

// UserInput names a user of a pool.
type UserInput struct {
	UserPoolId string
	Username   string
}

// AdminGetUserOutput is AdminGetUser's answer.
type AdminGetUserOutput struct {
	Username             string
	UserAttributes       []AttributeType
	UserCreateDate       awsapi.Timestamp
	UserLastModifiedDate awsapi.Timestamp
	Enabled              bool
	UserStatus           string
}

// AdminGetUser returns a user.
func (c *Control) AdminGetUser(ctx context.Context, in *UserInput) (*AdminGetUserOutput, error) {
	_, u, _, err := c.mustUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &AdminGetUserOutput{Username: u.Username, UserAttributes: u.Attributes, UserCreateDate: u.Created, UserLastModifiedDate: u.Modified,
		Enabled: u.Enabled, UserStatus: u.Status}, nil
}

// AdminDeleteUser deletes a user and its indexes.
func (c *Control) AdminDeleteUser(ctx context.Context, in *UserInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		p, u, kv, err := c.mustUser(ctx, in.UserPoolId, in.Username)
		if err != nil {
			return store.Txn{}, err
		}
		ops := []store.Op{store.Delete(kv.Key), store.Delete(aliasKey(p.Id, "sub", u.attr("sub")))}
		for _, attr := range signInAttributes {
			if v := u.attr(attr); v != "" {
				if akv, err := c.st.Get(ctx, aliasKey(p.Id, attr, v)); err == nil && strings.EqualFold(string(akv.Value), u.Username) {
					ops = append(ops, store.Delete(akv.Key))
				}
			}
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: ops}, nil
	})
	return &struct{}{}, err
}

// AdminDisableUser stops a user from signing in.
func (c *Control) AdminDisableUser(ctx context.Context, in *UserInput) (*struct{}, error) {
	return &struct{}{}, c.updateUser(ctx, in.UserPoolId, in.Username, func(u *userRecord) error { u.Enabled = false; return nil })
}

// AdminEnableUser lets a disabled user sign in again.
func (c *Control) AdminEnableUser(ctx context.Context, in *UserInput) (*struct{}, error) {
	return &struct{}{}, c.updateUser(ctx, in.UserPoolId, in.Username, func(u *userRecord) error { u.Enabled = true; return nil })
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	UserPoolId      string
	AttributesToGet []string
	Limit           *int
	PaginationToken string
	Filter          string
}

// ListUsersOutput is a page of users.
type ListUsersOutput struct {
	Users           []UserType
	PaginationToken string `json:",omitempty"`
}

var userPager = awsapi.Pager{Max: 60, Default: 60,
	BadSize:  ErrInvalidParameter.Newf("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"),
	BadToken: ErrInvalidParameter.Newf("Invalid pagination token.")}

// ListUsers lists a pool's users by name, those a filter matches.
func (c *Control) ListUsers(ctx context.Context, in *ListUsersInput) (*ListUsersOutput, error) {
	p, _, err := c.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	match, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, userPrefix(p.Id))
	if err != nil {
		return nil, err
	}
	var all []UserType
	for _, kv := range kvs {
		u := store.DecodeJSON[userRecord](kv.Value)
		if u == nil || !match(u) {
			continue
		}
		w := u.wire()
		if len(in.AttributesToGet) > 0 {
			w.Attributes = slices.DeleteFunc(slices.Clone(w.Attributes), func(a AttributeType) bool { return !slices.Contains(in.AttributesToGet, a.Name) })
		}
		all = append(all, w)
	}
	page, next, err := awsapi.Paginate(userPager, all, func(u UserType) string { return strings.ToLower(u.Username) }, in.PaginationToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListUsersOutput{Users: nonNil(page), PaginationToken: next}, nil
}
