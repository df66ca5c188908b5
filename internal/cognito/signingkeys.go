package cognito

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/portolan/portolan/internal/store"
)

// signingKey is one RSA key of a pool, as the store keeps it.
type signingKey struct {
	Kid        string
	PrivateKey []byte // PKCS #8, DER
	Created    int64
	// RetireAt, once set, is when the key leaves the key set: it signs no
	// more, but verifies the tokens it signed until they have all expired.
	RetireAt int64 `json:",omitempty"`
}

// keysRecord is a pool's key set: the last key without RetireAt signs.
type keysRecord struct {
	Keys []signingKey
}

// retireAfter is how long a replaced key stays in the key set: the
// longest an ID or access token lives (one day), and the clock skew
// authorizers allow.
const retireAfter = 24*time.Hour + time.Minute

// newSigningKey makes a 2048-bit key, as Cognito's, with its key id the
// digest of the public key (Cognito's kids are 44 base64 characters too).
func newSigningKey(now time.Time) (signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return signingKey{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return signingKey{}, err
	}
	sum := sha256.Sum256(pub)
	return signingKey{Kid: base64.StdEncoding.EncodeToString(sum[:]), PrivateKey: der, Created: now.Unix()}, nil
}

// RotateSigningKey adds a new signing key to a pool's key set and makes it
// the signer; the key it replaces stays in the set for retireAfter, so
// that every token it signed verifies until it expires, and keys past
// their time leave. Cognito rotates on its own; Portolan exposes the
// operation to show that rotation adds before it retires.
func (c *Control) RotateSigningKey(ctx context.Context, poolID string) error {
	fresh, err := newSigningKey(c.now())
	if err != nil {
		return err
	}
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[keysRecord](ctx, c.st, signingKeysKey(poolID))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, poolNotFound(poolID)
		}
		if err != nil {
			return store.Txn{}, err
		}
		now := c.now()
		var keep []signingKey
		for _, k := range rec.Keys {
			if k.RetireAt == 0 {
				k.RetireAt = now.Add(retireAfter).Unix()
			}
			if k.RetireAt > now.Unix() {
				keep = append(keep, k)
			}
		}
		rec.Keys = append(keep, fresh)
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}}, nil
	})
}

// poolKeys is a pool's parsed key set, as the View holds it.
type poolKeys struct {
	signer    *rsa.PrivateKey
	signerKID string
	public    map[string]*rsa.PublicKey
	jwks      []byte // the key set as /.well-known/jwks.json serves it
}

// parseKeys turns a stored key set into poolKeys.
func parseKeys(rec *keysRecord) (*poolKeys, error) {
	pk := &poolKeys{public: map[string]*rsa.PublicKey{}}
	set := jwk.NewSet()
	for _, k := range rec.Keys {
		parsed, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
		if err != nil {
			return nil, err
		}
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key %s is not RSA", k.Kid)
		}
		pk.public[k.Kid] = &priv.PublicKey
		if k.RetireAt == 0 {
			pk.signer, pk.signerKID = priv, k.Kid
		}
		pub, err := jwk.Import(&priv.PublicKey)
		if err != nil {
			return nil, err
		}
		pub.Set(jwk.KeyIDKey, k.Kid)
		pub.Set(jwk.AlgorithmKey, jwa.RS256())
		pub.Set(jwk.KeyUsageKey, jwk.ForSignature)
		set.AddKey(pub)
	}
	if pk.signer == nil {
		return nil, errors.New("no active signing key")
	}
	var err error
	pk.jwks, err = json.Marshal(set)
	return pk, err
}

// keysOf returns a pool's parsed keys: from the View, or from the store
// when the View has not caught up with the pool yet.
func (c *Control) keysOf(ctx context.Context, poolID string) (*poolKeys, error) {
	if s := c.view.Value(); s != nil {
		if pk := s.keys[poolID]; pk != nil {
			return pk, nil
		}
	}
	rec, _, err := store.GetJSON[keysRecord](ctx, c.st, signingKeysKey(poolID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, poolNotFound(poolID)
	}
	if err != nil {
		return nil, err
	}
	return parseKeys(rec)
}
