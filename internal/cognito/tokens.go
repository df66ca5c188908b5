package cognito

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/portolan/portolan/internal/awsapi"
)

// AuthenticationResultType is what a completed sign-in returns.
type AuthenticationResultType struct {
	AccessToken  string
	ExpiresIn    int
	TokenType    string
	RefreshToken string `json:",omitempty"`
	IdToken      string `json:",omitempty"`
}

// validity is a client's token lifetime in one of its units.
func validity(n int, unit, def string) time.Duration {
	if unit == "" {
		unit = def
	}
	d := time.Duration(n)
	switch unit {
	case "seconds":
		return d * time.Second
	case "minutes":
		return d * time.Minute
	case "hours":
		return d * time.Hour
	case "days":
		return d * 24 * time.Hour
	}
	return d * time.Hour
}

func (cl *clientRecord) accessValidity() time.Duration {
	return validity(cl.AccessTokenValidity, cl.TokenValidityUnits.AccessToken, "hours")
}

func (cl *clientRecord) idValidity() time.Duration {
	return validity(cl.IdTokenValidity, cl.TokenValidityUnits.IdToken, "hours")
}

func (cl *clientRecord) refreshValidity() time.Duration {
	return validity(cl.RefreshTokenValidity, cl.TokenValidityUnits.RefreshToken, "days")
}

// sign encodes claims as a compact JWS signed RS256 with the pool's
// current key, its kid in the header.
func (c *Control) sign(ctx context.Context, poolID string, claims map[string]any) (string, error) {
	pk, err := c.keysOf(ctx, poolID)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, pk.signerKID)
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), pk.signer, jws.WithProtectedHeaders(hdr)))
	return string(tok), err
}

// signIn is a sign-in being turned into tokens.
type signIn struct {
	pool     *UserPoolType
	client   *clientRecord
	user     *userRecord
	origin   string // origin_jti: the sign-in the tokens belong to
	authTime int64
}

// userTokens issues the ID and access tokens of a sign-in, shaped as
// Cognito's: the ID token is for the client (aud) and carries the user's
// attributes; the access token names the client (client_id, no aud) and
// its scope.
func (c *Control) userTokens(ctx context.Context, s signIn) (*AuthenticationResultType, error) {
	now := c.now()
	iss := c.Issuer(s.pool.Id)
	sub := s.user.attr("sub")
	event := awsapi.NewUUID()
	common := func(use string, life time.Duration) map[string]any {
		m := map[string]any{"sub": sub, "iss": iss, "origin_jti": s.origin, "event_id": event, "token_use": use,
			"auth_time": s.authTime, "iat": now.Unix(), "exp": now.Add(life).Unix(), "jti": awsapi.NewUUID()}
		if groups := s.user.Groups; len(groups) > 0 {
			m["cognito:groups"] = slices.Clone(groups)
		}
		return m
	}
	id := common("id", s.client.idValidity())
	id["aud"] = s.client.ClientId
	if roles, preferred := c.groupRoles(ctx, s.pool.Id, s.user.Groups); len(roles) > 0 {
		id["cognito:roles"] = roles
		if preferred != "" {
			id["cognito:preferred_role"] = preferred
		}
	}
	id["cognito:username"] = s.user.Username
	for _, a := range s.user.Attributes {
		if a.Name == "sub" {
			continue
		}
		switch a.Name {
		case "email_verified", "phone_number_verified":
			id[a.Name] = a.Value == "true"
		default:
			id[a.Name] = a.Value
		}
	}
	access := common("access", s.client.accessValidity())
	access["client_id"] = s.client.ClientId
	access["scope"] = "aws.cognito.signin.user.admin"
	access["username"] = s.user.Username
	idTok, err := c.sign(ctx, s.pool.Id, id)
	if err != nil {
		return nil, err
	}
	accessTok, err := c.sign(ctx, s.pool.Id, access)
	if err != nil {
		return nil, err
	}
	return &AuthenticationResultType{AccessToken: accessTok, IdToken: idTok, TokenType: "Bearer", ExpiresIn: int(s.client.accessValidity().Seconds())}, nil
}

// clientToken is a client_credentials access token: the client is its
// own subject, and scope is what it was granted.
func (c *Control) clientToken(ctx context.Context, cl *clientRecord, scopes []string) (string, int, error) {
	now := c.now()
	life := cl.accessValidity()
	claims := map[string]any{"sub": cl.ClientId, "token_use": "access", "scope": strings.Join(scopes, " "), "auth_time": now.Unix(),
		"iss": c.Issuer(cl.UserPoolId), "exp": now.Add(life).Unix(), "iat": now.Unix(), "version": 2, "jti": awsapi.NewUUID(), "client_id": cl.ClientId}
	tok, err := c.sign(ctx, cl.UserPoolId, claims)
	return tok, int(life.Seconds()), err
}

// newSecret returns n random bytes, base64url: refresh tokens, sessions,
// client secrets' raw material. Unlike ids, these must be unguessable.
func newSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeClaims reads the payload of a token this service signed, after
// checking the signature with the pool's keys; ok is false for anything
// else.
func (c *Control) decodeClaims(ctx context.Context, token string) (map[string]any, string, bool) {
	msg, err := jws.Parse([]byte(token), jws.WithCompact())
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, "", false
	}
	var claims map[string]any
	if json.Unmarshal(msg.Payload(), &claims) != nil {
		return nil, "", false
	}
	iss, _ := claims["iss"].(string)
	poolID, ok := issuerPool(c.cfg.Region, iss)
	if !ok {
		return nil, "", false
	}
	kid, _ := msg.Signatures()[0].ProtectedHeaders().KeyID()
	pk, err := c.keysOf(ctx, poolID)
	if err != nil || pk.public[kid] == nil {
		return nil, "", false
	}
	if _, err := jws.Verify([]byte(token), jws.WithKey(jwa.RS256(), pk.public[kid])); err != nil {
		return nil, "", false
	}
	exp, _ := claims["exp"].(float64)
	if int64(exp) <= c.now().Unix() {
		return nil, "", false
	}
	return claims, poolID, true
}

// groupRoles are the IAM roles of a user's groups (ID tokens carry them as
// cognito:roles) and the preferred one: the role of the group with the
// lowest Precedence, when only one group has that precedence.
func (c *Control) groupRoles(ctx context.Context, poolID string, groups []string) ([]string, string) {
	var roles []string
	preferred, best, tie := "", 0, false
	for _, name := range groups {
		g, _, err := c.group(ctx, poolID, name)
		if err != nil || g.RoleArn == "" {
			continue
		}
		if !slices.Contains(roles, g.RoleArn) {
			roles = append(roles, g.RoleArn)
		}
		if g.Precedence == nil {
			continue
		}
		switch p := *g.Precedence; {
		case preferred == "" || p < best:
			preferred, best, tie = g.RoleArn, p, false
		case p == best && g.RoleArn != preferred:
			tie = true
		}
	}
	if tie {
		preferred = ""
	}
	return roles, preferred
}
