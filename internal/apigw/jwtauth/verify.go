package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// MaxTokenBytes bounds the tokens the verifier looks at. A request's line
// and headers together are limited to 10,240 bytes on AWS, so no real
// token comes near it.
const MaxTokenBytes = 10240

// Skew is the clock difference tolerated on exp, nbf and iat.
const Skew = 30 * time.Second

// rsaAlgorithms are the signature algorithms accepted: "Currently, only
// RSA-based algorithms are supported" (Control access to HTTP APIs with JWT
// authorizers). Never "none", never HMAC: a token that names HS256 and is
// signed with the issuer's public key is refused before any key is used.
var rsaAlgorithms = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
}

// Reason says why a token was refused.
type Reason uint8

const (
	// ReasonMissing: the identity source holds no token.
	ReasonMissing Reason = iota + 1
	ReasonMalformed
	ReasonAlgorithm
	ReasonKey // no key with the token's kid, or the keys could not be fetched
	ReasonSignature
	ReasonExpired
	ReasonNotYetValid
	ReasonIssuer
	ReasonAudience
)

// Error is a refused token. Its message is what $context.authorizer.error
// shows.
type Error struct {
	Reason Reason
	msg    string
}

func (e *Error) Error() string { return e.msg }

func refuse(r Reason, msg string) *Error { return &Error{Reason: r, msg: msg} }

// Authorizer verifies tokens for one JWT authorizer: its issuer and
// audiences. Verified tokens are cached until they expire, so a client that
// reuses its token (as clients do) costs one signature check per token,
// not per request.
type Authorizer struct {
	issuer    string
	audiences map[string]bool
	keys      *Keyring
	now       func() time.Time

	mu    sync.Mutex
	cache map[string]*Claims
}

// maxCached bounds the verified-token cache; past it the cache starts over.
const maxCached = 4096

// NewAuthorizer returns an Authorizer for tokens from issuer meant for one
// of audiences, with keys from keys.
func NewAuthorizer(keys *Keyring, issuer string, audiences []string) *Authorizer {
	a := &Authorizer{issuer: issuer, audiences: map[string]bool{}, keys: keys, now: keys.now, cache: map[string]*Claims{}}
	for _, aud := range audiences {
		a.audiences[aud] = true
	}
	return a
}

// TokenFromHeader extracts the token from an identity source value: the
// token alone, or prefixed with "Bearer " ("The identitySource can include
// only the token, or the token prefixed with Bearer").
func TokenFromHeader(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimLeft(v[7:], " ")
	}
	return v
}

// Verify checks a token: its form, algorithm, signature against the
// issuer's key named by kid, then exp, nbf, iat, iss and aud (or client_id
// when there is no aud), in the order AWS lists them. It returns the
// token's claims or an *Error.
func (a *Authorizer) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, refuse(ReasonMissing, "no token in the identity source")
	}
	now := a.now()
	a.mu.Lock()
	c := a.cache[token]
	a.mu.Unlock()
	if c != nil {
		// Only the time-dependent checks can change their answer.
		if err := c.checkTimes(now); err != nil {
			return nil, err
		}
		return c, nil
	}
	c, err := a.verify(ctx, token, now)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) >= maxCached {
		clear(a.cache)
	}
	a.cache[token] = c
	a.mu.Unlock()
	return c, nil
}

func (a *Authorizer) verify(ctx context.Context, token string, now time.Time) (*Claims, error) {
	if len(token) > MaxTokenBytes {
		return nil, refuse(ReasonMalformed, "the token is over the size limit")
	}
	if strings.Count(token, ".") != 2 {
		return nil, refuse(ReasonMalformed, "the token is not a compact JWS")
	}
	msg, err := jws.ParseString(token, jws.WithCompact())
	if err != nil {
		return nil, refuse(ReasonMalformed, "the token cannot be parsed")
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, refuse(ReasonMalformed, "the token must carry one signature")
	}
	hdr := sigs[0].ProtectedHeaders()
	alg, ok := hdr.Algorithm()
	if !ok || !rsaAlgorithms[alg.String()] {
		return nil, refuse(ReasonAlgorithm, "the token's algorithm is not supported")
	}
	kid, ok := hdr.KeyID()
	if !ok || kid == "" {
		return nil, refuse(ReasonKey, "the token has no kid")
	}
	key, err := a.keys.key(ctx, a.issuer, kid)
	if err != nil {
		if errors.Is(err, errUnknownKey) {
			return nil, refuse(ReasonKey, "the token's kid does not match a key of the issuer")
		}
		return nil, refuse(ReasonKey, "the issuer's keys cannot be fetched: "+err.Error())
	}
	if !key.anyAlg && key.alg != alg {
		return nil, refuse(ReasonAlgorithm, "the token's algorithm does not match its key")
	}
	payload, err := jws.Verify([]byte(token), jws.WithKey(jwa.SignatureAlgorithm(alg), key.key))
	if err != nil {
		return nil, refuse(ReasonSignature, "the token's signature is invalid")
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, refuse(ReasonMalformed, "the token's claims are not a JSON object")
	}
	if c.exp == nil {
		return nil, refuse(ReasonExpired, "the token has no exp claim")
	}
	if err := c.checkTimes(now); err != nil {
		return nil, err
	}
	if iss, _ := c.raw["iss"].(string); iss != a.issuer {
		return nil, refuse(ReasonIssuer, "the token does not have a valid issuer")
	}
	if !a.audienceOK(c) {
		return nil, refuse(ReasonAudience, "the token does not have a valid audience")
	}
	return c, nil
}

// audienceOK: "aud or client_id – Must match one of the audience entries
// that's configured for the authorizer. API Gateway validates client_id
// only if aud is not present."
func (a *Authorizer) audienceOK(c *Claims) bool {
	if aud, ok := c.raw["aud"]; ok {
		switch v := aud.(type) {
		case string:
			return a.audiences[v]
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && a.audiences[s] {
					return true
				}
			}
		}
		return false
	}
	id, _ := c.raw["client_id"].(string)
	return id != "" && a.audiences[id]
}

// Claims are a verified token's claims.
type Claims struct {
	raw           map[string]any
	exp, nbf, iat *time.Time
	scopes        []string
	rendered      sync.Map // name -> string, for $context.authorizer.claims
}

func parseClaims(payload []byte) (*Claims, error) {
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil || d.More() {
		return nil, errors.New("not one JSON object")
	}
	c := &Claims{raw: raw}
	for name, dst := range map[string]**time.Time{"exp": &c.exp, "nbf": &c.nbf, "iat": &c.iat} {
		v, ok := raw[name]
		if !ok {
			continue
		}
		t, ok := numericDate(v)
		if !ok {
			return nil, errors.New(name + " is not a NumericDate")
		}
		*dst = &t
	}
	c.scopes = scopes(raw)
	return c, nil
}

// numericDate reads an RFC 7519 NumericDate: seconds, possibly fractional.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// checkTimes: exp in the future, nbf and iat in the past, give or take Skew.
func (c *Claims) checkTimes(now time.Time) *Error {
	if c.exp != nil && !now.Before(c.exp.Add(Skew)) {
		return refuse(ReasonExpired, "the token has expired")
	}
	if c.nbf != nil && now.Add(Skew).Before(*c.nbf) {
		return refuse(ReasonNotYetValid, "the token is not valid yet")
	}
	if c.iat != nil && now.Add(Skew).Before(*c.iat) {
		return refuse(ReasonNotYetValid, "the token was issued in the future")
	}
	return nil
}

// scopes reads "scope" (space-separated, RFC 8693) and "scp" (a list, or
// a space-separated string, as some providers send it).
func scopes(raw map[string]any) []string {
	var out []string
	for _, name := range []string{"scope", "scp"} {
		switch v := raw[name].(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// HasAnyScope reports whether the token grants at least one of want ("If
// you configure scopes for a route, the token must include at least one of
// the route's scopes"). No scopes wanted: true.
func (c *Claims) HasAnyScope(want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, s := range c.scopes {
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}

// Claim renders a claim for $context.authorizer.claims.<name>: strings as
// they are, numbers and booleans as JSON writes them, lists as
// "[a b c]" (as API Gateway flattens cognito:groups), objects as JSON.
// ok is false when the token has no such claim.
func (c *Claims) Claim(name string) (string, bool) {
	if v, ok := c.rendered.Load(name); ok {
		return v.(string), true
	}
	v, ok := c.raw[name]
	if !ok {
		return "", false
	}
	s := render(v)
	c.rendered.Store(name, s)
	return s, true
}

func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = render(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
