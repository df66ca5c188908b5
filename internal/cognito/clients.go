package cognito

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// UserPoolClientInput is CreateUserPoolClient's request, and with
// ClientId UpdateUserPoolClient's.
type UserPoolClientInput struct {
	UserPoolId                      string
	ClientId                        string
	ClientName                      string
	GenerateSecret                  bool
	RefreshTokenValidity            int
	AccessTokenValidity             int
	IdTokenValidity                 int
	TokenValidityUnits              *TokenValidityUnitsType
	ReadAttributes                  []string
	WriteAttributes                 []string
	ExplicitAuthFlows               []string
	SupportedIdentityProviders      []string
	CallbackURLs                    []string
	LogoutURLs                      []string
	DefaultRedirectURI              string
	AllowedOAuthFlows               []string
	AllowedOAuthScopes              []string
	AllowedOAuthFlowsUserPoolClient bool
	PreventUserExistenceErrors      string
	EnableTokenRevocation           *bool
	AuthSessionValidity             int
}

// UserPoolClientOutput wraps a client.
type UserPoolClientOutput struct {
	UserPoolClient *UserPoolClientType
}

var explicitFlows = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
	"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

// standardScopes are the OAuth scopes every pool has.
var standardScopes = []string{"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}

// secretString draws n characters of alphabet from crypto/rand, without
// modulo bias: client secrets must be unguessable.
func secretString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, 64)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// checkValidity applies AWS's ranges: ID and access tokens live five
// minutes to a day, refresh tokens an hour to ten years.
func checkValidity(cl *UserPoolClientType) error {
	units := cl.TokenValidityUnits
	for _, u := range []string{units.AccessToken, units.IdToken, units.RefreshToken} {
		switch u {
		case "", "seconds", "minutes", "hours", "days":
		default:
			return invalidParameter("Invalid TimeUnit: %s", u)
		}
	}
	tc := clientRecord{*cl}
	if d := tc.accessValidity(); d < 5*time.Minute || d > 24*time.Hour {
		return invalidParameter("Invalid range for token validity.")
	}
	if d := tc.idValidity(); d < 5*time.Minute || d > 24*time.Hour {
		return invalidParameter("Invalid range for token validity.")
	}
	if d := tc.refreshValidity(); d < time.Hour || d > 3650*24*time.Hour {
		return invalidParameter("Invalid range for token validity.")
	}
	return nil
}

// checkOAuth applies the rules on OAuth flows and scopes: client
// credentials need a secret, stand alone, and take only resource servers'
// scopes; every scope must exist.
func (c *Control) checkOAuth(ctx context.Context, cl *UserPoolClientType) error {
	for _, f := range cl.AllowedOAuthFlows {
		if f != "code" && f != "implicit" && f != "client_credentials" {
			return invalidParameter("1 validation error detected: Value '[%s]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]", f)
		}
	}
	if slices.Contains(cl.AllowedOAuthFlows, "client_credentials") {
		if cl.ClientSecret == "" {
			return ErrInvalidOAuthFlow.Newf("client_credentials flow can not be selected if client does not have a client secret.")
		}
		if len(cl.AllowedOAuthFlows) > 1 {
			return ErrInvalidOAuthFlow.Newf("client_credentials flow can not be selected along with code flow or implicit flow.")
		}
	}
	if len(cl.AllowedOAuthScopes) == 0 {
		return nil
	}
	custom, err := c.poolScopes(ctx, cl.UserPoolId)
	if err != nil {
		return err
	}
	for _, s := range cl.AllowedOAuthScopes {
		isCustom := slices.Contains(custom, s)
		if !isCustom && !slices.Contains(standardScopes, s) {
			return ErrScopeDoesNotExist.Newf("Invalid scope requested: %s", s)
		}
		if !isCustom && slices.Contains(cl.AllowedOAuthFlows, "client_credentials") {
			return ErrInvalidOAuthFlow.Newf("client_credentials flow can only be used with custom scopes.")
		}
	}
	return nil
}

// fill sets a client's settings from a request, with AWS's defaults.
func (in *UserPoolClientInput) fill(cl *UserPoolClientType) error {
	cl.ClientName = in.ClientName
	// A validity the request leaves out is the default (60 minutes, 60
	// minutes, 30 days); one it gives is in its unit (hours, hours, days
	// when TokenValidityUnits leaves the unit out).
	var units TokenValidityUnitsType
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	pick := func(n int, unit, defUnit string, defN int, defDefault string) (int, string) {
		if n == 0 {
			return defN, defDefault
		}
		return n, cmpOr(unit, defUnit)
	}
	cl.AccessTokenValidity, cl.TokenValidityUnits.AccessToken = pick(in.AccessTokenValidity, units.AccessToken, "hours", 60, "minutes")
	cl.IdTokenValidity, cl.TokenValidityUnits.IdToken = pick(in.IdTokenValidity, units.IdToken, "hours", 60, "minutes")
	cl.RefreshTokenValidity, cl.TokenValidityUnits.RefreshToken = pick(in.RefreshTokenValidity, units.RefreshToken, "days", 30, "days")
	for _, f := range in.ExplicitAuthFlows {
		if !slices.Contains(explicitFlows, f) {
			return invalidParameter("1 validation error detected: Value '[%s]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set", f)
		}
	}
	cl.ExplicitAuthFlows = in.ExplicitAuthFlows
	if len(cl.ExplicitAuthFlows) == 0 {
		cl.ExplicitAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
	}
	cl.ReadAttributes, cl.WriteAttributes = in.ReadAttributes, in.WriteAttributes
	cl.SupportedIdentityProviders, cl.CallbackURLs, cl.LogoutURLs = in.SupportedIdentityProviders, in.CallbackURLs, in.LogoutURLs
	cl.DefaultRedirectURI = in.DefaultRedirectURI
	cl.AllowedOAuthFlows, cl.AllowedOAuthScopes, cl.AllowedOAuthFlowsUserPoolClient = in.AllowedOAuthFlows, in.AllowedOAuthScopes, in.AllowedOAuthFlowsUserPoolClient
	cl.PreventUserExistenceErrors = cmpOr(in.PreventUserExistenceErrors, "ENABLED")
	cl.EnableTokenRevocation = in.EnableTokenRevocation == nil || *in.EnableTokenRevocation
	cl.AuthSessionValidity = in.AuthSessionValidity
	if cl.AuthSessionValidity == 0 {
		cl.AuthSessionValidity = 3
	}
	if cl.AuthSessionValidity < 3 || cl.AuthSessionValidity > 15 {
		return invalidParameter("AuthSessionValidity must be between 3 and 15 minutes.")
	}
	return checkValidity(cl)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CreateUserPoolClient creates an app client, with a secret when asked.
func (c *Control) CreateUserPoolClient(ctx context.Context, in *UserPoolClientInput) (*UserPoolClientOutput, error) {
	if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if in.ClientName == "" {
		return nil, required("clientName")
	}
	now := c.stamp()
	cl := &UserPoolClientType{UserPoolId: in.UserPoolId, ClientId: secretString(26, "abcdefghijklmnopqrstuvwxyz0123456789"), CreationDate: now, LastModifiedDate: now}
	if in.GenerateSecret {
		cl.ClientSecret = secretString(51, "abcdefghijklmnopqrstuvwxyz0123456789")
	}
	if err := in.fill(cl); err != nil {
		return nil, err
	}
	if err := c.checkOAuth(ctx, cl); err != nil {
		return nil, err
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		_, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(pkv), store.Absent(clientKey(cl.ClientId))},
			Then: []store.Op{store.Put(clientKey(cl.ClientId), store.JSON(clientRecord{*cl}))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &UserPoolClientOutput{UserPoolClient: cl}, nil
}

// ClientIdInput names a client of a pool.
type ClientIdInput struct {
	UserPoolId string
	ClientId   string
}

// DescribeUserPoolClient returns a client, its secret included.
func (c *Control) DescribeUserPoolClient(ctx context.Context, in *ClientIdInput) (*UserPoolClientOutput, error) {
	cl, _, err := c.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return &UserPoolClientOutput{UserPoolClient: &cl.UserPoolClientType}, nil
}

// UpdateUserPoolClient replaces a client's settings (what the request
// leaves out goes back to its default, as on AWS); its id and secret stay.
func (c *Control) UpdateUserPoolClient(ctx context.Context, in *UserPoolClientInput) (*UserPoolClientOutput, error) {
	var out *UserPoolClientType
	err := c.commit(ctx, func() (store.Txn, error) {
		cl, kv, err := c.poolClient(ctx, in.UserPoolId, in.ClientId)
		if err != nil {
			return store.Txn{}, err
		}
		next := cl.UserPoolClientType
		name := in.ClientName
		if name == "" {
			name = next.ClientName
		}
		in2 := *in
		in2.ClientName = name
		if err := in2.fill(&next); err != nil {
			return store.Txn{}, err
		}
		if err := c.checkOAuth(ctx, &next); err != nil {
			return store.Txn{}, err
		}
		next.LastModifiedDate = c.stamp()
		out = &next
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(clientRecord{next}))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &UserPoolClientOutput{UserPoolClient: out}, nil
}

// DeleteUserPoolClient deletes a client; its tokens stay valid until they
// expire, but refresh no more.
func (c *Control) DeleteUserPoolClient(ctx context.Context, in *ClientIdInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.poolClient(ctx, in.UserPoolId, in.ClientId)
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	return &struct{}{}, err
}

// ListUserPoolClientsInput pages a pool's clients.
type ListUserPoolClientsInput struct {
	UserPoolId string
	MaxResults *int
	NextToken  string
}

// UserPoolClientDescription is a client in a listing.
type UserPoolClientDescription struct {
	ClientId   string
	UserPoolId string
	ClientName string
}

// ListUserPoolClientsOutput is a page of clients.
type ListUserPoolClientsOutput struct {
	UserPoolClients []UserPoolClientDescription
	NextToken       string `json:",omitempty"`
}

// ListUserPoolClients lists a pool's clients by id.
func (c *Control) ListUserPoolClients(ctx context.Context, in *ListUserPoolClientsInput) (*ListUserPoolClientsOutput, error) {
	if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	clients, err := c.clientsOf(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	var all []UserPoolClientDescription
	for _, cl := range clients {
		all = append(all, UserPoolClientDescription{ClientId: cl.ClientId, UserPoolId: cl.UserPoolId, ClientName: cl.ClientName})
	}
	page, next, err := awsapi.Paginate(pager, all, func(d UserPoolClientDescription) string { return d.ClientId }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListUserPoolClientsOutput{UserPoolClients: nonNil(page), NextToken: next}, nil
}

// clientsOf is every client of a pool, by id.
func (c *Control) clientsOf(ctx context.Context, poolID string) ([]*clientRecord, error) {
	kvs, _, err := c.st.List(ctx, clientPrefix)
	if err != nil {
		return nil, err
	}
	var out []*clientRecord
	for _, kv := range kvs {
		if cl := store.DecodeJSON[clientRecord](kv.Value); cl != nil && cl.UserPoolId == poolID {
			out = append(out, cl)
		}
	}
	return out, nil
}

// hasFlow reports whether the client allows an explicit auth flow, by its
// name or its legacy name.
func (cl *clientRecord) hasFlow(names ...string) bool {
	for _, n := range names {
		if slices.Contains(cl.ExplicitAuthFlows, n) {
			return true
		}
	}
	return false
}

// scopeList splits a space-separated scope parameter.
func scopeList(s string) []string { return strings.Fields(s) }
