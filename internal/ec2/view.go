package ec2

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// View is the read side: the latest Snapshot, rebuilt from store watches.
type View = store.ViewReader[*Snapshot]

// Snapshot is an immutable picture of every VPC endpoint. Readers must not
// modify anything reachable from it: it is shared.
type Snapshot struct {
	Revision int64
	byID     map[string]*VpcEndpoint
	sorted   []*VpcEndpoint // by id
}

// Endpoint returns the endpoint with that id (its VPC, service, private
// DNS setting and DNS names); ok is false for an id that names none. A
// nil Snapshot (before the first build) has none.
func (s *Snapshot) Endpoint(id string) (VpcEndpoint, bool) {
	if s == nil {
		return VpcEndpoint{}, false
	}
	e, ok := s.byID[id]
	if !ok {
		return VpcEndpoint{}, false
	}
	return *e, true
}

// Endpoints are every endpoint, by id. The slice and what it points to
// are shared: read only.
func (s *Snapshot) Endpoints() []*VpcEndpoint {
	if s == nil {
		return nil
	}
	return s.sorted
}

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, endpointPrefix, func() store.Builder[*Snapshot] {
		return &viewBuilder{records: map[string]*endpointRecord{}}
	}, log)
}

// viewBuilder keeps the decoded records; each event replaces a record
// whole, so records handed to a snapshot are never changed afterwards.
type viewBuilder struct{ records map[string]*endpointRecord }

func (b *viewBuilder) Apply(ev store.Event) {
	if ev.Type != store.EventPut {
		delete(b.records, ev.KV.Key)
		return
	}
	if r := store.DecodeJSON[endpointRecord](ev.KV.Value); r != nil {
		b.records[ev.KV.Key] = r
	}
}

func (b *viewBuilder) Build(_ *Snapshot, rev int64) *Snapshot {
	s := &Snapshot{Revision: rev, byID: make(map[string]*VpcEndpoint, len(b.records)), sorted: make([]*VpcEndpoint, 0, len(b.records))}
	for _, r := range b.records {
		s.byID[r.VpcEndpointId] = &r.VpcEndpoint
		s.sorted = append(s.sorted, &r.VpcEndpoint)
	}
	slices.SortFunc(s.sorted, func(a, b *VpcEndpoint) int { return strings.Compare(a.VpcEndpointId, b.VpcEndpointId) })
	return s
}
