package jwtauth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/portolan/portolan/internal/evloop"
)

// Limits of API Gateway's key fetching ("Quotas for configuring and running
// an HTTP API": 1500 ms for the discovery and JWKS endpoints, 150,000 bytes
// of JWKS) and its key cache ("API Gateway can cache the public key for two
// hours").
const (
	fetchTimeout = 1500 * time.Millisecond
	maxDocBytes  = 150_000
	keysTTL      = 2 * time.Hour
)

// DefaultMinRefresh is how often an issuer's keys may be fetched again when
// a token names a key the cached set does not hold: often enough that a key
// rotation is picked up at once, seldom enough that tokens with made-up
// key ids cannot turn the gateway against the issuer.
const DefaultMinRefresh = time.Second

// Keyring fetches and caches the signing keys of issuers, from the jwks_uri
// of their OpenID Connect discovery documents. It is safe for concurrent
// use; the gateway keeps one for its lifetime, so redeploying an API does
// not refetch keys.
type Keyring struct {
	client     *http.Client
	minRefresh time.Duration
	now        func() time.Time
	local      LocalKeys

	mu      sync.Mutex
	issuers map[string]*issuerKeys
}

// KeyringConfig configures a Keyring.
type KeyringConfig struct {
	// Transport fetches discovery documents and key sets (a default
	// transport when nil).
	Transport http.RoundTripper
	// MinRefresh overrides DefaultMinRefresh.
	MinRefresh time.Duration
	// Now overrides the clock, for tests.
	Now func() time.Time
	// Local, when set, is asked first for every issuer's keys.
	Local LocalKeys
}

// LocalKeys is a source of issuers' keys that live in this process (the
// Cognito user pools Portolan runs): an issuer it knows is never fetched
// over the network, so a JWT authorizer naming a local pool works offline.
type LocalKeys interface {
	// IssuerKey returns the RSA public key kid names in issuer's key set.
	// local reports whether the issuer is served here at all: when it is,
	// a nil key means no such kid; when it is not, the keyring fetches
	// the issuer's keys as usual.
	IssuerKey(issuer, kid string) (key *rsa.PublicKey, local bool)
}

// NewKeyring returns an empty Keyring.
func NewKeyring(cfg KeyringConfig) *Keyring {
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = DefaultMinRefresh
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := &http.Client{
		Transport: cfg.Transport,
		Timeout:   fetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return checkFetchURL(req.URL)
		},
	}
	return &Keyring{client: client, minRefresh: cfg.MinRefresh, now: cfg.Now, local: cfg.Local, issuers: map[string]*issuerKeys{}}
}

// issuerKeys is one issuer's cached key set. Readers load the set without a
// lock; fetches are serialized by mu, so a burst of tokens with a new key id
// costs the issuer one fetch.
type issuerKeys struct {
	issuer  string
	keys    atomic.Pointer[keySet]
	mu      sync.Mutex
	fetched time.Time // last fetch attempt, under mu
}

// keySet is an immutable set of usable keys, by key id.
type keySet struct {
	fetched time.Time
	byKID   map[string]publicKey
}

// publicKey is a JWKS key that can verify RSA signatures.
type publicKey struct {
	key *rsa.PublicKey
	// alg is the key's "alg" member: when set, the only algorithm the key
	// may be used with.
	alg jwa.SignatureAlgorithm
	// anyAlg: the key has no "alg" member.
	anyAlg bool
}

// errUnknownKey: the issuer's key set, even freshly fetched, has no key
// with the token's kid.
var errUnknownKey = errors.New("no key in the issuer's key set matches the token's kid")

// key returns the issuer's key with the id: from the local source when it
// serves the issuer; otherwise fetching the key set when it is not cached, is older than two hours, or lacks the id (at most once per
// minRefresh for an issuer).
func (k *Keyring) key(ctx context.Context, issuer, kid string) (publicKey, error) {
	if k.local != nil {
		// Local keys are RS256 only: the signer is ours.
		if key, local := k.local.IssuerKey(issuer, kid); local {
			if key == nil {
				return publicKey{}, errUnknownKey
			}
			return publicKey{key: key, alg: jwa.RS256()}, nil
		}
	}
	ik := k.issuer(issuer)
	now := k.now()
	if ks := ik.keys.Load(); ks != nil && now.Sub(ks.fetched) < keysTTL {
		if pk, ok := ks.byKID[kid]; ok {
			return pk, nil
		}
	}
	// The lock and the fetch wait on the network and on each other: off
	// an event loop's task (evloop.Block), or every other request of
	// its loop would wait with them.
	var pk publicKey
	var err error
	evloop.Block(ctx, func() { pk, err = k.refresh(ctx, ik, kid, now) })
	return pk, err
}

// refresh fetches the issuer's key set, unless another request has just
// done so, and returns the key with the id.
func (k *Keyring) refresh(ctx context.Context, ik *issuerKeys, kid string, now time.Time) (publicKey, error) {
	ik.mu.Lock()
	defer ik.mu.Unlock()
	// Someone else may have fetched while this one waited.
	ks := ik.keys.Load()
	if ks != nil && now.Sub(ks.fetched) < keysTTL {
		if pk, ok := ks.byKID[kid]; ok {
			return pk, nil
		}
		if now.Sub(ik.fetched) < k.minRefresh {
			return publicKey{}, errUnknownKey
		}
	}
	ik.fetched = now
	fresh, err := k.fetch(ctx, ik.issuer)
	if err != nil {
		// A set that could not be refreshed still serves the keys it has
		// rather than locking every client out while the issuer is down.
		if ks != nil {
			if pk, ok := ks.byKID[kid]; ok {
				return pk, nil
			}
		}
		return publicKey{}, err
	}
	ik.keys.Store(fresh)
	if pk, ok := fresh.byKID[kid]; ok {
		return pk, nil
	}
	return publicKey{}, errUnknownKey
}

func (k *Keyring) issuer(iss string) *issuerKeys {
	k.mu.Lock()
	defer k.mu.Unlock()
	ik := k.issuers[iss]
	if ik == nil {
		ik = &issuerKeys{issuer: iss}
		k.issuers[iss] = ik
	}
	return ik
}

// fetch reads the issuer's discovery document, then the key set its
// jwks_uri names.
func (k *Keyring) fetch(ctx context.Context, issuer string) (*keySet, error) {
	discovery := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	body, err := k.get(ctx, discovery)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("discovery document %s: %w", discovery, err)
	}
	if doc.JWKSURI == "" {
		return nil, fmt.Errorf("discovery document %s has no jwks_uri", discovery)
	}
	body, err = k.get(ctx, doc.JWKSURI)
	if err != nil {
		return nil, err
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("key set %s: %w", doc.JWKSURI, err)
	}
	ks := &keySet{fetched: k.now(), byKID: map[string]publicKey{}}
	for i := range set.Len() {
		key, _ := set.Key(i)
		kid, ok := key.KeyID()
		if !ok || kid == "" || key.KeyType() != jwa.RSA() {
			continue
		}
		if use, ok := key.KeyUsage(); ok && use != string(jwk.ForSignature) {
			continue
		}
		var pub rsa.PublicKey
		if err := jwk.Export(key, &pub); err != nil {
			continue
		}
		pk := publicKey{key: &pub, anyAlg: true}
		if alg, ok := key.Algorithm(); ok {
			sa, ok := jwa.LookupSignatureAlgorithm(alg.String())
			if !ok || !rsaAlgorithms[sa.String()] {
				continue
			}
			pk.alg, pk.anyAlg = sa, false
		}
		if _, dup := ks.byKID[kid]; !dup {
			ks.byKID[kid] = pk
		}
	}
	return ks, nil
}

// get fetches a document with API Gateway's timeout and size limit.
func (k *Keyring) get(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := checkFetchURL(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", raw, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("GET %s: over %d bytes", raw, maxDocBytes)
	}
	return body, nil
}

// checkFetchURL allows https anywhere and plain http on loopback only, the
// same rule as for issuers (CheckIssuer).
func checkFetchURL(u *url.URL) error {
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && IsLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%s: keys are fetched over https (or http on loopback)", u.Redacted())
}

// CheckIssuer reports whether an issuer URL is acceptable: https, as AWS
// requires, or http on a loopback host so that identity providers running
// on the developer's machine work.
func CheckIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the issuer %q is not an absolute URL", issuer)
	}
	return checkFetchURL(u)
}

// IsLoopbackHost reports whether host names this machine: localhost,
// *.localhost, or a loopback address.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
