package ecr

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyPassword: a registry password (what follows "AWS:" in a Basic
// header) is accepted only if it was signed with the key, for the account,
// and is not past its time; anything else is refused without a panic.
func FuzzVerifyPassword(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"a":"000000000000","e":1900000000}`))
	good := payload + "." + sign(key, payload)
	f.Add(good)
	f.Add(payload + ".")
	f.Add("not a token")
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"a":"111111111111","e":1900000000}`)) + ".x")
	at := time.Unix(1800000000, 0)
	if err := verify(key, "000000000000", good, at); err != nil {
		f.Fatalf("a good password: %v", err)
	}
	if err := verify(key, "000000000000", good, time.Unix(1900000000, 0)); err != ErrExpiredToken {
		f.Fatalf("an expired password: %v", err)
	}
	f.Fuzz(func(t *testing.T, password string) {
		err := verify(key, "000000000000", password, at)
		if err == nil && password != good {
			// Only a password signed with the key passes.
			p, sig, _ := strings.Cut(password, ".")
			if sig != sign(key, p) {
				t.Fatalf("accepted %q", password)
			}
		}
	})
}
