package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// InitiateAuthInput is InitiateAuth's request, and with UserPoolId
// AdminInitiateAuth's.
type InitiateAuthInput struct {
	UserPoolId     string
	ClientId       string
	AuthFlow       string
	AuthParameters map[string]string
}

// AuthOutput is what a sign-in step answers: tokens, or a challenge.
type AuthOutput struct {
	ChallengeName        string `json:",omitempty"`
	Session              string `json:",omitempty"`
	ChallengeParameters  map[string]string
	AuthenticationResult *AuthenticationResultType `json:",omitempty"`
}

// InitiateAuth signs a user in from the client (no AWS credentials):
// USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH.
func (c *Control) InitiateAuth(ctx context.Context, in *InitiateAuthInput) (*AuthOutput, error) {
	cl, _, err := c.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	p, _, err := c.pool(ctx, cl.UserPoolId)
	if err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH":
		if !cl.hasFlow("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH") {
			return nil, invalidParameter("USER_PASSWORD_AUTH flow not enabled for this client")
		}
		return c.passwordAuth(ctx, p, cl, in.AuthParameters)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return c.refreshAuth(ctx, p, cl, in.AuthParameters, false)
	case "USER_SRP_AUTH":
		if !cl.hasFlow("ALLOW_USER_SRP_AUTH") {
			return nil, invalidParameter("USER_SRP_AUTH flow not enabled for this client")
		}
		return nil, invalidParameter("USER_SRP_AUTH is not emulated by Portolan: enable ALLOW_USER_PASSWORD_AUTH and use USER_PASSWORD_AUTH")
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		return nil, invalidParameter("Initiate Auth method not supported.")
	}
	return nil, badFlow(in.AuthFlow)
}

// AdminInitiateAuth signs a user in from a server holding AWS
// credentials: ADMIN_USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH.
func (c *Control) AdminInitiateAuth(ctx context.Context, in *InitiateAuthInput) (*AuthOutput, error) {
	cl, _, err := c.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	p, _, err := c.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if !cl.hasFlow("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH") {
			return nil, invalidParameter("Auth flow not enabled for this client")
		}
		return c.passwordAuth(ctx, p, cl, in.AuthParameters)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return c.refreshAuth(ctx, p, cl, in.AuthParameters, false)
	case "USER_PASSWORD_AUTH", "USER_SRP_AUTH":
		return nil, invalidParameter("Initiate Auth method not supported.")
	}
	return nil, badFlow(in.AuthFlow)
}

func badFlow(flow string) error {
	if flow == "" {
		return required("authFlow")
	}
	return invalidParameter("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH]", flow)
}

func param(params map[string]string, name string) (string, error) {
	if v := params[name]; v != "" {
		return v, nil
	}
	return "", invalidParameter("Missing required parameter %s", name)
}

// secretHash is Base64(HMAC-SHA256(client secret, user name + client id)).
func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkSecretHash: a client with a secret must prove it on every call that
// signs in, with the hash of one of the names the user goes by.
func checkSecretHash(cl *clientRecord, got string, names ...string) error {
	if cl.ClientSecret == "" {
		return nil
	}
	if got == "" {
		return ErrNotAuthorized.Newf("Client %s is configured with secret but SECRET_HASH was not received", cl.ClientId)
	}
	ok := 0
	for _, n := range names {
		if n != "" {
			ok |= subtle.ConstantTimeCompare([]byte(secretHash(cl.ClientSecret, n, cl.ClientId)), []byte(got))
		}
	}
	if ok != 1 {
		return ErrNotAuthorized.Newf("Unable to verify secret hash for client %s", cl.ClientId)
	}
	return nil
}

// passwordAuth checks a user name and password, with Cognito's lockout.
// A missing user and a wrong password answer alike, and cost alike: the
// password is hashed against a dummy.
func (c *Control) passwordAuth(ctx context.Context, p *UserPoolType, cl *clientRecord, params map[string]string) (*AuthOutput, error) {
	name, err := param(params, "USERNAME")
	if err != nil {
		return nil, err
	}
	password, err := param(params, "PASSWORD")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(cl, params["SECRET_HASH"], name); err != nil {
		return nil, err
	}
	u, _, err := c.lookup(ctx, p, name)
	if err != nil {
		return nil, err
	}
	now := c.now()
	if u == nil {
		checkPassword(dummyHash, password)
		if cl.PreventUserExistenceErrors == "LEGACY" {
			return nil, userNotFound()
		}
		return nil, errBadCredentials
	}
	if u.Lockout.locked(now) {
		return nil, errLockedOut
	}
	if !checkPassword(u.PasswordHash, password) {
		err := c.updateUser(ctx, p.Id, u.Username, func(u *userRecord) error {
			if !u.Lockout.locked(now) {
				u.Lockout = u.Lockout.fail(now)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return nil, errBadCredentials
	}
	switch {
	case !u.Enabled:
		return nil, ErrNotAuthorized.Newf("User is disabled.")
	case u.Status == StatusUnconfirmed:
		return nil, ErrUserNotConfirmed.Newf("User is not confirmed.")
	case u.Status == StatusForceChangePassword:
		if u.TempExpires != 0 && now.Unix() > u.TempExpires {
			return nil, ErrNotAuthorized.Newf("Temporary password has expired and must be reset by an administrator.")
		}
		return c.challenge(ctx, p, cl, u, "NEW_PASSWORD_REQUIRED")
	}
	return c.completeSignIn(ctx, p, cl, u.Username, now.Unix(), nil)
}

// challenge opens a session for the next step of a sign-in.
func (c *Control) challenge(ctx context.Context, p *UserPoolType, cl *clientRecord, u *userRecord, name string) (*AuthOutput, error) {
	session := newSecret(96)
	rec := sessionRecord{PoolId: p.Id, ClientId: cl.ClientId, Username: u.Username, Challenge: name,
		Expires: c.now().Add(time.Duration(cl.AuthSessionValidity) * time.Minute).Unix()}
	err := c.commit(ctx, func() (store.Txn, error) {
		return store.Txn{Then: []store.Op{store.Put(sessionKey(hashSecret(session)), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	var attrs = map[string]string{}
	for _, a := range u.Attributes {
		if a.Name != "sub" {
			attrs[a.Name] = a.Value
		}
	}
	attrJSON, _ := json.Marshal(attrs)
	return &AuthOutput{ChallengeName: name, Session: session, ChallengeParameters: map[string]string{
		"USER_ID_FOR_SRP": u.Username, "requiredAttributes": "[]", "userAttributes": string(attrJSON)}}, nil
}

// completeSignIn records a sign-in (its refresh token, by hash), clears
// the user's failed attempts, and issues the tokens.
func (c *Control) completeSignIn(ctx context.Context, p *UserPoolType, cl *clientRecord, username string, authTime int64,
	change func(u *userRecord) error) (*AuthOutput, error) {
	jti := awsapi.NewUUID()
	secret := newSecret(64)
	var user *userRecord
	err := c.commit(ctx, func() (store.Txn, error) {
		_, u, kv, err := c.mustUser(ctx, p.Id, username)
		if err != nil {
			return store.Txn{}, err
		}
		if change != nil {
			if err := change(u); err != nil {
				return store.Txn{}, err
			}
		}
		u.Lockout = lockout{}
		user = u
		origin := originRecord{Username: u.Username, ClientId: cl.ClientId, RefreshHash: hashSecret(secret), AuthTime: authTime,
			Expires: c.now().Add(cl.refreshValidity()).Unix(), Generation: u.SignOutGeneration, OriginJTI: jti}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{
			store.Put(kv.Key, store.JSON(u)),
			store.Put(originKey(p.Id, jti), store.JSON(origin)),
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	res, err := c.userTokens(ctx, signIn{pool: p, client: cl, user: user, origin: jti, authTime: authTime})
	if err != nil {
		return nil, err
	}
	res.RefreshToken = jti + "." + secret
	return &AuthOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

var errBadRefresh = ErrNotAuthorized.Newf("Invalid Refresh Token")

// origin finds the sign-in a refresh token belongs to, checking its
// secret in constant time.
func (c *Control) origin(ctx context.Context, poolID, token string) (*originRecord, store.KV, error) {
	jti, secret, ok := strings.Cut(token, ".")
	if !ok || jti == "" || strings.Contains(jti, "/") {
		return nil, store.KV{}, errBadRefresh
	}
	o, kv, err := store.GetJSON[originRecord](ctx, c.st, originKey(poolID, jti))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, kv, errBadRefresh
		}
		return nil, kv, err
	}
	if subtle.ConstantTimeCompare([]byte(o.RefreshHash), []byte(hashSecret(secret))) != 1 {
		return nil, kv, errBadRefresh
	}
	return o, kv, nil
}

// refreshAuth issues new ID and access tokens for a refresh token that is
// neither expired nor revoked (RevokeToken, or a global sign-out since).
// clientProven: the caller has checked the client's secret already.
func (c *Control) refreshAuth(ctx context.Context, p *UserPoolType, cl *clientRecord, params map[string]string, clientProven bool) (*AuthOutput, error) {
	tok := params["REFRESH_TOKEN"]
	if tok == "" {
		tok = params["REFRESH_TOKEN_AUTH"]
	}
	if tok == "" {
		return nil, invalidParameter("Missing required parameter REFRESH_TOKEN")
	}
	o, _, err := c.origin(ctx, p.Id, tok)
	if err != nil {
		return nil, err
	}
	if o.ClientId != cl.ClientId {
		return nil, errBadRefresh
	}
	u, _, err := c.lookup(ctx, p, o.Username)
	if err != nil {
		return nil, err
	}
	switch {
	case u == nil:
		return nil, ErrNotAuthorized.Newf("User does not exist.")
	case o.Revoked || o.Generation != u.SignOutGeneration:
		return nil, ErrNotAuthorized.Newf("Refresh Token has been revoked")
	case c.now().Unix() >= o.Expires:
		return nil, ErrNotAuthorized.Newf("Refresh Token has expired")
	case !u.Enabled:
		return nil, ErrNotAuthorized.Newf("User is disabled.")
	}
	if !clientProven {
		if err := checkSecretHash(cl, params["SECRET_HASH"], params["USERNAME"], u.Username, u.attr("sub")); err != nil {
			return nil, err
		}
	}
	res, err := c.userTokens(ctx, signIn{pool: p, client: cl, user: u, origin: o.OriginJTI, authTime: o.AuthTime})
	if err != nil {
		return nil, err
	}
	return &AuthOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

// RespondToAuthChallengeInput is RespondToAuthChallenge's request, and
// with UserPoolId AdminRespondToAuthChallenge's.
type RespondToAuthChallengeInput struct {
	UserPoolId         string
	ClientId           string
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
}

// RespondToAuthChallenge answers NEW_PASSWORD_REQUIRED: the user sets a
// password of their own, and is signed in.
func (c *Control) RespondToAuthChallenge(ctx context.Context, in *RespondToAuthChallengeInput) (*AuthOutput, error) {
	cl, _, err := c.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if in.UserPoolId != "" && in.UserPoolId != cl.UserPoolId {
		return nil, clientNotFound(in.ClientId)
	}
	if in.ChallengeName == "" {
		return nil, required("challengeName")
	}
	s, skv, err := store.GetJSON[sessionRecord](ctx, c.st, sessionKey(hashSecret(in.Session)))
	if err != nil || s.ClientId != cl.ClientId || c.now().Unix() > s.Expires {
		return nil, ErrNotAuthorized.Newf("Invalid session for the user, session is expired.")
	}
	if s.Challenge != in.ChallengeName {
		return nil, invalidParameter("Invalid challenge name: %s", in.ChallengeName)
	}
	p, _, err := c.pool(ctx, s.PoolId)
	if err != nil {
		return nil, err
	}
	r := in.ChallengeResponses
	if err := checkSecretHash(cl, r["SECRET_HASH"], r["USERNAME"], s.Username); err != nil {
		return nil, err
	}
	password, err := param(r, "NEW_PASSWORD")
	if err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Policies.PasswordPolicy, password); err != nil {
		return nil, err
	}
	var attrs []AttributeType
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs = append(attrs, AttributeType{Name: name, Value: v})
		}
	}
	if err := checkAttributes(p, attrs); err != nil {
		return nil, err
	}
	hash := hashPassword(password)
	out, err := c.completeSignIn(ctx, p, cl, s.Username, c.now().Unix(), func(u *userRecord) error {
		u.PasswordHash, u.Status, u.TempExpires = hash, StatusConfirmed, 0
		for _, a := range attrs {
			u.Attributes = setAttr(u.Attributes, a.Name, a.Value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.commit(ctx, func() (store.Txn, error) { return store.Txn{Then: []store.Op{store.Delete(skv.Key)}}, nil })
	return out, nil
}

// AccessTokenInput carries a user's access token.
type AccessTokenInput struct {
	AccessToken string
}

// accessUser verifies an access token of this service and returns its
// pool and user, refusing tokens of a sign-in since signed out.
func (c *Control) accessUser(ctx context.Context, token string) (*UserPoolType, *userRecord, error) {
	if token == "" {
		return nil, nil, required("accessToken")
	}
	claims, poolID, ok := c.decodeClaims(ctx, token)
	if !ok || claims["token_use"] != "access" {
		return nil, nil, ErrNotAuthorized.Newf("Invalid Access Token")
	}
	name, _ := claims["username"].(string)
	jti, _ := claims["origin_jti"].(string)
	p, u, _, err := c.mustUser(ctx, poolID, name)
	if err != nil {
		return nil, nil, ErrNotAuthorized.Newf("Invalid Access Token")
	}
	o, _, err := store.GetJSON[originRecord](ctx, c.st, originKey(poolID, jti))
	if err != nil || o.Revoked || o.Generation != u.SignOutGeneration {
		return nil, nil, ErrNotAuthorized.Newf("Access Token has been revoked")
	}
	return p, u, nil
}

// GetUserOutput is GetUser's answer.
type GetUserOutput struct {
	Username       string
	UserAttributes []AttributeType
}

// GetUser returns the user an access token belongs to.
func (c *Control) GetUser(ctx context.Context, in *AccessTokenInput) (*GetUserOutput, error) {
	_, u, err := c.accessUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &GetUserOutput{Username: u.Username, UserAttributes: u.Attributes}, nil
}

// GlobalSignOut revokes every refresh token of the user the access token
// belongs to, and the access tokens themselves for Cognito's own API.
// (JWT authorizers, on AWS too, accept access tokens until they expire.)
func (c *Control) GlobalSignOut(ctx context.Context, in *AccessTokenInput) (*struct{}, error) {
	p, u, err := c.accessUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return c.AdminUserGlobalSignOut(ctx, &UserInput{UserPoolId: p.Id, Username: u.Username})
}

// AdminUserGlobalSignOut signs a user out everywhere.
func (c *Control) AdminUserGlobalSignOut(ctx context.Context, in *UserInput) (*struct{}, error) {
	return &struct{}{}, c.updateUser(ctx, in.UserPoolId, in.Username, func(u *userRecord) error {
		u.SignOutGeneration++
		return nil
	})
}

// RevokeTokenInput is RevokeToken's request.
type RevokeTokenInput struct {
	Token        string
	ClientId     string
	ClientSecret string
}

// RevokeToken revokes a refresh token and the tokens issued from it. As
// OAuth's revocation (RFC 7009) does, a token that is unknown already
// answers success.
func (c *Control) RevokeToken(ctx context.Context, in *RevokeTokenInput) (*struct{}, error) {
	if in.Token == "" {
		return nil, required("token")
	}
	cl, _, err := c.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if cl.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(cl.ClientSecret), []byte(in.ClientSecret)) != 1 {
		return nil, ErrNotAuthorized.Newf("Client authentication failed.")
	}
	if !cl.EnableTokenRevocation {
		return nil, ErrUnsupportedOperation.Newf("Token revocation is not enabled for this client.")
	}
	if strings.Count(in.Token, ".") == 2 {
		return nil, ErrUnsupportedTokenType.Newf("Only refresh tokens can be revoked.")
	}
	return &struct{}{}, c.commit(ctx, func() (store.Txn, error) {
		o, kv, err := c.origin(ctx, cl.UserPoolId, in.Token)
		if errors.Is(err, errBadRefresh) {
			return store.Txn{}, nil
		}
		if err != nil {
			return store.Txn{}, err
		}
		if o.ClientId != cl.ClientId {
			return store.Txn{}, ErrUnauthorized.Newf("The token was not issued to this client.")
		}
		o.Revoked = true
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(o))}}, nil
	})
}
