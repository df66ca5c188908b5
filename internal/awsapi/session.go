package awsapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// SessionKeys knows temporary credentials (STS's ASIA… access keys), which
// come and go while the server runs, unlike the configured key pair.
type SessionKeys interface {
	// SessionSecret returns the secret access key and session token of a
	// temporary access key, ErrSessionUnknown for a key it never issued,
	// ErrSessionExpired for one past its expiration.
	SessionSecret(ctx context.Context, accessKeyID string) (secret, token string, err error)
}

// What a SessionKeys answers for a key it cannot accept.
var (
	ErrSessionUnknown = errors.New("awsapi: unknown temporary access key")
	ErrSessionExpired = errors.New("awsapi: temporary credentials expired")
)

// WithSessions makes v also accept temporary credentials known to s, with
// the session token they were issued with (X-Amz-Security-Token).
func (v *Verifier) WithSessions(s SessionKeys) *Verifier {
	v.sessions = s
	return v
}

// The messages AWS answers a bad or expired session token with. Query
// services (STS, IAM, ELB…) name the codes InvalidClientTokenId and
// ExpiredToken with 403; JSON services UnrecognizedClientException and
// ExpiredTokenException with 400.
const (
	msgTokenInvalid = "The security token included in the request is invalid."
	msgTokenExpired = "The security token included in the request is expired"
)

// sessionSecret is the secret of a temporary access key, once the request
// carries the session token it was issued with.
func (v *Verifier) sessionSecret(r *http.Request, accessKeyID string, query []sigParam) (string, error) {
	if v.sessions == nil {
		return "", errSigUnknownKey
	}
	invalid, expired := sessionErrors(r)
	secret, token, err := v.sessions.SessionSecret(r.Context(), accessKeyID)
	switch {
	case errors.Is(err, ErrSessionExpired):
		return "", expired
	case errors.Is(err, ErrSessionUnknown):
		return "", invalid
	case err != nil:
		return "", err
	}
	sent := r.Header.Get("X-Amz-Security-Token")
	for _, p := range query {
		if p.key == "X-Amz-Security-Token" {
			sent = p.value
		}
	}
	if sent != token {
		return "", invalid
	}
	return secret, nil
}

func sessionErrors(r *http.Request) (invalid, expired *Error) {
	if isQuery(r) {
		return StatusErrorf(http.StatusForbidden, "InvalidClientTokenId", msgTokenInvalid),
			StatusErrorf(http.StatusForbidden, "ExpiredToken", msgTokenExpired)
	}
	return Errorf("UnrecognizedClientException", msgTokenInvalid), Errorf("ExpiredTokenException", msgTokenExpired)
}

type callerKey struct{}

// CallerAccessKey is the access key id the request ctx belongs to was
// signed with (verified when the server authenticates), or "" for an
// unsigned one: STS answers GetCallerIdentity from it.
func CallerAccessKey(ctx context.Context) string {
	k, _ := ctx.Value(callerKey{}).(string)
	return k
}

// WithCallerAccessKey is ctx carrying the caller's access key id, for
// in-process callers and tests of operations that read it.
func WithCallerAccessKey(ctx context.Context, accessKeyID string) context.Context {
	return context.WithValue(ctx, callerKey{}, accessKeyID)
}

// accessKeyOf is the access key id of r's signature: the Credential of its
// Authorization header, or its presigned X-Amz-Credential.
func accessKeyOf(r *http.Request) string {
	key, _, _ := strings.Cut(credentialOf(r), "/")
	return key
}
