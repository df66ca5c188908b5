package cognito

import (
	"crypto/rsa"
	"log/slog"
	"maps"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// Snapshot is what the data plane reads: every pool's parsed key set and
// the domains, immutable once published.
type Snapshot struct {
	keys    map[string]*poolKeys // by pool id
	domains map[string]string    // domain prefix → pool id
}

// View is the read side of the user pools.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] {
		return &builder{keys: map[string]*poolKeys{}, domains: map[string]string{}, dirty: true}
	}, log)
}

// builder folds key sets and domains; the users, groups and sign-ins
// under the same prefix pass by without a rebuild.
type builder struct {
	keys    map[string]*poolKeys
	domains map[string]string
	dirty   bool
}

func (b *builder) Apply(ev store.Event) {
	del := ev.Type == store.EventDelete
	switch key := ev.KV.Key; {
	case strings.HasPrefix(key, keysPrefix):
		id := strings.TrimPrefix(key, keysPrefix)
		b.dirty = true
		if del {
			delete(b.keys, id)
			return
		}
		rec := store.DecodeJSON[keysRecord](ev.KV.Value)
		if rec == nil {
			return
		}
		if pk, err := parseKeys(rec); err == nil {
			b.keys[id] = pk
		}
	case strings.HasPrefix(key, domainPrefix):
		b.dirty = true
		if del {
			delete(b.domains, strings.TrimPrefix(key, domainPrefix))
		} else if d := store.DecodeJSON[domainRecord](ev.KV.Value); d != nil {
			b.domains[d.Domain] = d.UserPoolId
		}
	}
}

func (b *builder) Build(prev *Snapshot, _ int64) *Snapshot {
	if !b.dirty && prev != nil {
		return prev
	}
	b.dirty = false
	return &Snapshot{keys: maps.Clone(b.keys), domains: maps.Clone(b.domains)}
}

// issuerPool is the pool id an issuer URL names, when it is a Cognito
// issuer of region.
func issuerPool(region, issuer string) (string, bool) {
	id, ok := strings.CutPrefix(issuer, "https://cognito-idp."+region+".amazonaws.com/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// IssuerKey is the public key kid names in the key set of the pool issuer
// names; local reports whether that pool exists here at all. It is the
// gateway's jwtauth.LocalKeys: a JWT authorizer whose issuer is a local
// pool takes its keys from here, without any network, and an issuer that
// names no local pool is fetched as any other.
func (c *Control) IssuerKey(issuer, kid string) (key *rsa.PublicKey, local bool) {
	id, ok := issuerPool(c.cfg.Region, issuer)
	if !ok {
		return nil, false
	}
	s := c.view.Value()
	if s == nil {
		return nil, false
	}
	pk := s.keys[id]
	if pk == nil {
		return nil, false
	}
	return pk.public[kid], true
}
