package cognito_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// secretHash is what a client computes: Base64(HMAC-SHA256(secret,
// username + client id)), written here from AWS's description, not taken
// from the code under test.
func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
