package cognito

import (
	"context"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// CreateUserPoolInput is CreateUserPool's request (what Portolan reads of
// it; other members are accepted and ignored).
type CreateUserPoolInput struct {
	PoolName               string
	Policies               *UserPoolPolicyType
	Schema                 []SchemaAttributeType
	AutoVerifiedAttributes []string
	AliasAttributes        []string
	UsernameAttributes     []string
	UsernameConfiguration  *UsernameConfigurationType
	MfaConfiguration       string
	AdminCreateUserConfig  *AdminCreateUserConfigType
	UserPoolTags           map[string]string
	DeletionProtection     string
	UserPoolTier           string
}

// UserPoolOutput wraps a pool.
type UserPoolOutput struct {
	UserPool *UserPoolType
}

// standardAttributes are the attributes every pool has (OIDC's standard
// claims and Cognito's sub).
var standardAttributes = []string{"sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
	"picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified",
	"address", "updated_at"}

func standardSchema() []SchemaAttributeType {
	out := make([]SchemaAttributeType, 0, len(standardAttributes))
	f, t := false, true
	for _, name := range standardAttributes {
		typ := "String"
		switch name {
		case "email_verified", "phone_number_verified":
			typ = "Boolean"
		case "updated_at":
			typ = "Number"
		}
		mutable := name != "sub"
		a := SchemaAttributeType{Name: name, AttributeDataType: typ, DeveloperOnlyAttribute: &f, Mutable: &mutable, Required: &f}
		if name == "sub" {
			a.Required = &t
		}
		out = append(out, a)
	}
	return out
}

// buildSchema merges the request's schema into the standard one: settings
// of standard attributes, and custom ones under "custom:".
func buildSchema(in []SchemaAttributeType) ([]SchemaAttributeType, error) {
	schema := standardSchema()
	for _, a := range in {
		if a.Name == "" {
			return nil, invalidParameter("Schema attributes must have a name.")
		}
		if i := slices.IndexFunc(schema, func(s SchemaAttributeType) bool { return s.Name == a.Name }); i >= 0 {
			if a.Required != nil {
				schema[i].Required = a.Required
			}
			if a.Mutable != nil {
				schema[i].Mutable = a.Mutable
			}
			continue
		}
		name := strings.TrimPrefix(a.Name, "custom:")
		if len(name) > 20 {
			return nil, invalidParameter("Custom attribute names can be at most 20 characters: %s", name)
		}
		switch a.AttributeDataType {
		case "", "String", "Number", "DateTime", "Boolean":
		default:
			return nil, invalidParameter("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
		}
		if a.Required != nil && *a.Required {
			return nil, invalidParameter("Required custom attributes are not supported currently.")
		}
		a.Name = "custom:" + name
		if a.AttributeDataType == "" {
			a.AttributeDataType = "String"
		}
		if slices.ContainsFunc(schema, func(s SchemaAttributeType) bool { return s.Name == a.Name }) {
			return nil, invalidParameter("Existing attribute already has name %s.", a.Name)
		}
		schema = append(schema, a)
	}
	return schema, nil
}

func checkPoolSettings(in *CreateUserPoolInput) error {
	if len(in.AliasAttributes) > 0 && len(in.UsernameAttributes) > 0 {
		return invalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	for _, a := range in.UsernameAttributes {
		if a != "email" && a != "phone_number" {
			return invalidParameter("Username attributes can only be email and phone_number.")
		}
	}
	for _, a := range in.AutoVerifiedAttributes {
		if a != "email" && a != "phone_number" {
			return invalidParameter("Auto verified attributes can only be email and phone_number.")
		}
	}
	if p := in.Policies; p != nil && p.PasswordPolicy != nil {
		if n := p.PasswordPolicy.MinimumLength; n != 0 && (n < 6 || n > 99) {
			return invalidParameter("1 validation error detected: Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99", n)
		}
	}
	switch in.DeletionProtection {
	case "", "ACTIVE", "INACTIVE":
	default:
		return invalidParameter("Invalid DeletionProtection: %s", in.DeletionProtection)
	}
	return nil
}

// CreateUserPool creates a pool and its first signing key.
func (c *Control) CreateUserPool(ctx context.Context, in *CreateUserPoolInput) (*UserPoolOutput, error) {
	if in.PoolName == "" {
		return nil, required("poolName")
	}
	if len(in.PoolName) > 128 {
		return nil, invalidParameter("1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	if err := checkPoolSettings(in); err != nil {
		return nil, err
	}
	if in.MfaConfiguration != "" && in.MfaConfiguration != "OFF" {
		return nil, invalidParameter("MFA is not emulated by Portolan: MfaConfiguration can only be OFF.")
	}
	schema, err := buildSchema(in.Schema)
	if err != nil {
		return nil, err
	}
	now := c.stamp()
	id := c.cfg.Region + "_" + awsapi.RandomString(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	p := &UserPoolType{Id: id, Name: in.PoolName, Arn: c.poolARN(id), SchemaAttributes: schema, AutoVerifiedAttributes: in.AutoVerifiedAttributes,
		AliasAttributes: in.AliasAttributes, UsernameAttributes: in.UsernameAttributes, UsernameConfiguration: in.UsernameConfiguration,
		MfaConfiguration: "OFF", UserPoolTags: in.UserPoolTags, DeletionProtection: in.DeletionProtection, UserPoolTier: "ESSENTIALS",
		CreationDate: now, LastModifiedDate: now}
	p.Policies.PasswordPolicy = defaultPolicy()
	if in.Policies != nil && in.Policies.PasswordPolicy != nil {
		p.Policies.PasswordPolicy = in.Policies.PasswordPolicy
	}
	if in.AdminCreateUserConfig != nil {
		p.AdminCreateUserConfig = *in.AdminCreateUserConfig
	}
	if p.DeletionProtection == "" {
		p.DeletionProtection = "INACTIVE"
	}
	if in.UserPoolTier != "" {
		p.UserPoolTier = in.UserPoolTier
	}
	key, err := newSigningKey(c.now())
	if err != nil {
		return nil, err
	}
	err = c.commit(ctx, func() (store.Txn, error) {
		return store.Txn{If: []store.Cmp{store.Absent(poolKey(id))}, Then: []store.Op{
			store.Put(poolKey(id), store.JSON(p)),
			store.Put(signingKeysKey(id), store.JSON(keysRecord{Keys: []signingKey{key}})),
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &UserPoolOutput{UserPool: p}, nil
}

// UserPoolIdInput names a pool.
type UserPoolIdInput struct {
	UserPoolId string
}

// DescribeUserPool returns a pool.
func (c *Control) DescribeUserPool(ctx context.Context, in *UserPoolIdInput) (*UserPoolOutput, error) {
	p, _, err := c.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	users, _, err := c.st.List(ctx, userPrefix(p.Id))
	if err != nil {
		return nil, err
	}
	p.EstimatedNumberOfUsers = len(users)
	return &UserPoolOutput{UserPool: p}, nil
}

// UpdateUserPoolInput is UpdateUserPool's request: the settings it
// names replace the pool's (AWS resets what the request leaves out).
type UpdateUserPoolInput struct {
	UserPoolId             string
	Policies               *UserPoolPolicyType
	AutoVerifiedAttributes []string
	MfaConfiguration       string
	AdminCreateUserConfig  *AdminCreateUserConfigType
	UserPoolTags           map[string]string
	DeletionProtection     string
}

// UpdateUserPool changes a pool's settings.
func (c *Control) UpdateUserPool(ctx context.Context, in *UpdateUserPoolInput) (*struct{}, error) {
	if err := checkPoolSettings(&CreateUserPoolInput{AutoVerifiedAttributes: in.AutoVerifiedAttributes, Policies: in.Policies,
		DeletionProtection: in.DeletionProtection}); err != nil {
		return nil, err
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		p, kv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		p.Policies.PasswordPolicy = defaultPolicy()
		if in.Policies != nil && in.Policies.PasswordPolicy != nil {
			p.Policies.PasswordPolicy = in.Policies.PasswordPolicy
		}
		p.AutoVerifiedAttributes = in.AutoVerifiedAttributes
		p.AdminCreateUserConfig = AdminCreateUserConfigType{}
		if in.AdminCreateUserConfig != nil {
			p.AdminCreateUserConfig = *in.AdminCreateUserConfig
		}
		if in.UserPoolTags != nil {
			p.UserPoolTags = in.UserPoolTags
		}
		p.DeletionProtection = "INACTIVE"
		if in.DeletionProtection != "" {
			p.DeletionProtection = in.DeletionProtection
		}
		p.LastModifiedDate = c.stamp()
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(p))}}, nil
	})
	return &struct{}{}, err
}

// DeleteUserPool deletes a pool and everything in it: its users, groups,
// clients, resource servers, domain and keys, in one transaction.
func (c *Control) DeleteUserPool(ctx context.Context, in *UserPoolIdInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		p, kv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		if p.DeletionProtection == "ACTIVE" {
			return store.Txn{}, invalidParameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
		}
		ops := []store.Op{store.Delete(kv.Key), store.Delete(signingKeysKey(p.Id))}
		if p.Domain != "" {
			ops = append(ops, store.Delete(domainKey(p.Domain)))
		}
		for _, prefix := range []string{userPrefix(p.Id), groupPrefix(p.Id), rsPrefix(p.Id), keyPrefix + "alias/" + p.Id + "/", keyPrefix + "origin/" + p.Id + "/"} {
			kvs, _, err := c.st.List(ctx, prefix)
			if err != nil {
				return store.Txn{}, err
			}
			for _, kv := range kvs {
				ops = append(ops, store.Delete(kv.Key))
			}
		}
		clients, err := c.clientsOf(ctx, p.Id)
		if err != nil {
			return store.Txn{}, err
		}
		for _, cl := range clients {
			ops = append(ops, store.Delete(clientKey(cl.ClientId)))
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: ops}, nil
	})
	return &struct{}{}, err
}

// ListUserPoolsInput pages the pools.
type ListUserPoolsInput struct {
	MaxResults *int
	NextToken  string
}

// UserPoolDescriptionType is a pool in a listing.
type UserPoolDescriptionType struct {
	Id               string
	Name             string
	LastModifiedDate awsapi.Timestamp
	CreationDate     awsapi.Timestamp
}

// ListUserPoolsOutput is a page of pools.
type ListUserPoolsOutput struct {
	UserPools []UserPoolDescriptionType
	NextToken string `json:",omitempty"`
}

var pager = awsapi.Pager{Max: 60, Default: 60,
	BadSize:  ErrInvalidParameter.Newf("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60"),
	BadToken: ErrInvalidParameter.Newf("Invalid pagination token.")}

// ListUserPools lists the pools by id.
func (c *Control) ListUserPools(ctx context.Context, in *ListUserPoolsInput) (*ListUserPoolsOutput, error) {
	if in.MaxResults == nil {
		return nil, required("maxResults")
	}
	kvs, _, err := c.st.List(ctx, poolPrefix)
	if err != nil {
		return nil, err
	}
	var all []UserPoolDescriptionType
	for _, kv := range kvs {
		if p := store.DecodeJSON[UserPoolType](kv.Value); p != nil {
			all = append(all, UserPoolDescriptionType{Id: p.Id, Name: p.Name, LastModifiedDate: p.LastModifiedDate, CreationDate: p.CreationDate})
		}
	}
	page, next, err := awsapi.Paginate(pager, all, func(p UserPoolDescriptionType) string { return p.Id }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListUserPoolsOutput{UserPools: nonNil(page), NextToken: next}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
