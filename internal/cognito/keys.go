package cognito

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Store layout: every key the service reads or writes, under keyPrefix.
// The View (view.go) folds the pool, keys, client and domain records;
// users, groups and sign-in state are read from the store when asked.
const keyPrefix = "cognito/"

const (
	poolPrefix   = keyPrefix + "pool/"
	keysPrefix   = keyPrefix + "keys/"
	clientPrefix = keyPrefix + "client/"
	domainPrefix = keyPrefix + "domain/"
)

func poolKey(id string) string { return poolPrefix + id }

// signingKeysKey holds a pool's signing keys, apart from the pool so that
// describing a pool never reads a private key.
func signingKeysKey(poolID string) string { return keysPrefix + poolID }

// clientKey is by client id alone: InitiateAuth and the token endpoint
// know only the client.
func clientKey(id string) string          { return clientPrefix + id }
func domainKey(domain string) string      { return domainPrefix + domain }
func rsPrefix(poolID string) string       { return keyPrefix + "rs/" + poolID + "/" }
func rsKey(poolID, ident string) string   { return rsPrefix(poolID) + ident }
func groupPrefix(poolID string) string    { return keyPrefix + "group/" + poolID + "/" }
func groupKey(poolID, name string) string { return groupPrefix(poolID) + name }

// Users are indexed by lower case: user names are case-insensitive, as in
// a pool created today (UsernameConfiguration CaseSensitive false).
func userPrefix(poolID string) string { return keyPrefix + "user/" + poolID + "/" }
func userKey(poolID, name string) string {
	return userPrefix(poolID) + strings.ToLower(name)
}

// aliasKey finds a user by an attribute that signs in (UsernameAttributes:
// email or phone_number) or by sub.
func aliasKey(poolID, attr, value string) string {
	return keyPrefix + "alias/" + poolID + "/" + attr + "/" + strings.ToLower(value)
}

// originKey is one sign-in: the refresh token it issued (by hash) and the
// generation of the user's sign-outs it belongs to.
func originKey(poolID, jti string) string { return keyPrefix + "origin/" + poolID + "/" + jti }

// sessionKey is a challenge's session, by hash.
func sessionKey(hash string) string { return keyPrefix + "session/" + hash }

// hashSecret is how secrets the client holds (refresh tokens, sessions)
// are kept: a leaked store does not hand them out.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
