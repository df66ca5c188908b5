package elbv2

import (
	"log/slog"

	"github.com/portolan/portolan/internal/store"
)

// View is the read side: the latest Snapshot, rebuilt from store watches.
type View = store.ViewReader[*Snapshot]

// Snapshot is an immutable picture of every load balancer, target group
// and target health, for the data plane and the health checker.
type Snapshot struct {
	Revision int64
}

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return &viewBuilder{} }, log)
}

type viewBuilder struct{}

func (b *viewBuilder) Apply(ev store.Event) {}

func (b *viewBuilder) Build(prev *Snapshot, rev int64) *Snapshot { return &Snapshot{Revision: rev} }
