package ecr

import (
	"log/slog"
	"maps"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// Snapshot is every repository (with its images) at one revision.
type Snapshot struct {
	Revision int64
	Repos    map[string]*repoRecord
	// SigningKey signs authorization tokens (nil until the first one).
	SigningKey []byte
}

// View is the read side of ECR's snapshots.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return &builder{repos: map[string]*repoRecord{}} }, log)
}

type builder struct {
	repos map[string]*repoRecord
	key   []byte
}

func (b *builder) Apply(ev store.Event) {
	del := ev.Type == store.EventDelete
	switch {
	case strings.HasPrefix(ev.KV.Key, repoPrefix):
		name := strings.TrimPrefix(ev.KV.Key, repoPrefix)
		if del {
			delete(b.repos, name)
		} else if r := store.DecodeJSON[repoRecord](ev.KV.Value); r != nil {
			b.repos[name] = r
		}
	case ev.KV.Key == signingKeyKey && !del:
		b.key = ev.KV.Value
	}
}

// Build copies the map: a snapshot is never changed after it is published.
func (b *builder) Build(_ *Snapshot, rev int64) *Snapshot {
	return &Snapshot{Revision: rev, Repos: maps.Clone(b.repos), SigningKey: b.key}
}
