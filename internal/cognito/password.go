package cognito

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Passwords are kept as argon2id hashes only, with the parameters OWASP's
// password storage cheat sheet gives for argon2id (19 MiB, two passes, one
// lane): slow enough that a stolen store is no list of passwords, fast
// enough for a sign-in.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns "argon2id$<t>$<m>$<p>$<salt>$<hash>".
func hashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	sum := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("argon2id$%d$%d$%d$%s$%s", argonTime, argonMemory, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(sum))
}

// dummyHash is compared against when there is no user, so that a missing
// user costs as long as a wrong password.
var dummyHash = hashPassword("not a password of anyone")

// checkPassword compares in constant time.
func checkPassword(hash, password string) bool {
	var t, m uint32
	var p uint8
	var salt, sum string
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(strings.Join(parts[1:4], " "), "%d %d %d", &t, &m, &p); err != nil {
		return false
	}
	salt, sum = parts[4], parts[5]
	enc := base64.RawStdEncoding
	s, err1 := enc.DecodeString(salt)
	want, err2 := enc.DecodeString(sum)
	if err1 != nil || err2 != nil || t == 0 || p == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), s, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// defaultPolicy is a new pool's password policy.
func defaultPolicy() *PasswordPolicyType {
	return &PasswordPolicyType{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true,
		TemporaryPasswordValidityDays: 7}
}

// cognitoSymbols are the characters that count as symbols.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPolicy answers InvalidPasswordException in Cognito's words.
func checkPolicy(p *PasswordPolicyType, password string) error {
	if p == nil {
		p = defaultPolicy()
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(cognitoSymbols, r):
			symbol = true
		}
	}
	min := p.MinimumLength
	if min == 0 {
		min = 8
	}
	bad := func(why string) error {
		return ErrInvalidPassword.Newf("Password did not conform with policy: %s", why)
	}
	switch {
	case len([]rune(password)) < min:
		return bad("Password not long enough")
	case len(password) > 256:
		return bad("Password is too long")
	case p.RequireLowercase && !lower:
		return bad("Password must have lowercase characters")
	case p.RequireUppercase && !upper:
		return bad("Password must have uppercase characters")
	case p.RequireNumbers && !digit:
		return bad("Password must have numeric characters")
	case p.RequireSymbols && !symbol:
		return bad("Password must have symbol characters")
	}
	return nil
}

// lockout is a user's failed sign-ins, as Cognito counts them ("Lockout
// behavior for failed sign-in attempts"): after five failures the user is
// locked out for one second, doubling with each further failure up to
// about 15 minutes; attempts during a lockout answer "Password attempts
// exceeded" and do not count; a success after the lockout, or 15 minutes
// without attempts, starts over.
type lockout struct {
	Failures    int   `json:",omitempty"`
	LastFailure int64 `json:",omitempty"` // unix milliseconds
	Until       int64 `json:",omitempty"` // unix milliseconds
}

const (
	freeFailures = 5
	maxLockout   = 15 * time.Minute
	lockoutReset = 15 * time.Minute
)

// locked reports whether an attempt now falls inside a lockout.
func (l lockout) locked(now time.Time) bool { return now.UnixMilli() < l.Until }

// fail counts one more failure at now.
func (l lockout) fail(now time.Time) lockout {
	if l.Failures > 0 && now.Sub(time.UnixMilli(l.LastFailure)) >= lockoutReset {
		l = lockout{}
	}
	l.Failures++
	l.LastFailure = now.UnixMilli()
	if n := l.Failures - freeFailures; n >= 0 {
		d := maxLockout
		if n < 10 { // 2^10 s is past 15 minutes
			d = min(time.Duration(1<<n)*time.Second, maxLockout)
		}
		l.Until = now.Add(d).UnixMilli()
	}
	return l
}
