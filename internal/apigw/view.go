package apigw

import (
	"log/slog"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// Snapshot is an immutable picture of every HTTP API at one store revision:
// what the gateway serves. Readers share it freely; nothing in it is ever
// modified.
type Snapshot struct {
	Revision int64
	apis     map[string]*APIState
	vpcLinks map[string]*VpcLink
	domains  map[string]*DomainState
}

// DomainState is a custom domain name and its API mappings.
type DomainState struct {
	DomainName
	Mappings []*ApiMapping // in id order
}

// Domains returns every custom domain name, by name (lower case).
func (s *Snapshot) Domains() map[string]*DomainState { return s.domains }

// APIState is one API and its stages.
type APIState struct {
	Api
	// Stages by name ($default included).
	Stages map[string]*StageState
}

// StageState is a stage and the configuration it serves.
type StageState struct {
	Stage
	// Config is the stage's deployment's routes, integrations and
	// authorizers; nil when the stage has no deployment yet (it then
	// answers 404 to everything, as an undeployed stage does).
	Config *DeploymentConfig

	// The records this state was built from: a later snapshot reuses the
	// StageState (same pointer) while both are unchanged, so followers can
	// cache what they derive from it.
	stage *Stage
	cfg   *DeploymentConfig
}

// API returns the API with the id, or nil.
func (s *Snapshot) API(id string) *APIState { return s.apis[id] }

// APIs returns every API, in id order.
func (s *Snapshot) APIs() []*APIState {
	out := make([]*APIState, 0, len(s.apis))
	for _, a := range s.apis {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ApiId < out[j].ApiId })
	return out
}

// VpcLink returns the VPC link with the id, or nil.
func (s *Snapshot) VpcLink(id string) *VpcLink { return s.vpcLinks[id] }

// SameVpcLinks reports whether s and o hold the same VPC links, so that a
// follower can keep what it derived from the links of o.
func (s *Snapshot) SameVpcLinks(o *Snapshot) bool {
	if o == nil || len(s.vpcLinks) != len(o.vpcLinks) {
		return false
	}
	for id, l := range s.vpcLinks {
		if o.vpcLinks[id] != l {
			return false
		}
	}
	return true
}

// View is the read side of the HTTP API snapshots, rebuilt from a store
// watch as cloudmap.View is for Cloud Map: what the gateway follows.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return newViewBuilder() }, log)
}

// viewBuilder holds the decoded records a snapshot is built from. A record
// is decoded once, when its event arrives; unchanged records keep their
// pointers, which is what lets build reuse StageStates.
type viewBuilder struct {
	apis     map[string]*Api
	stages   map[string]map[string]*Stage            // api -> name
	cfgs     map[string]map[string]*DeploymentConfig // api -> deployment
	vpcLinks map[string]*VpcLink
	domains  map[string]*DomainState
}

func newViewBuilder() *viewBuilder {
	return &viewBuilder{
		apis:     map[string]*Api{},
		stages:   map[string]map[string]*Stage{},
		cfgs:     map[string]map[string]*DeploymentConfig{},
		vpcLinks: map[string]*VpcLink{},
		domains:  map[string]*DomainState{},
	}
}

// Apply takes one change.
func (b *viewBuilder) Apply(ev store.Event) {
	kind, rest, _ := strings.Cut(strings.TrimPrefix(ev.KV.Key, keyPrefix), "/")
	del := ev.Type == store.EventDelete
	switch kind {
	case "api":
		if del {
			delete(b.apis, rest)
			return
		}
		if rec := store.DecodeJSON[apiRecord](ev.KV.Value); rec != nil {
			a := rec.Api
			b.apis[rest] = &a
		}
	case "stage":
		api, name, _ := strings.Cut(rest, "/")
		setNested(b.stages, api, name, del, func() *Stage { return store.DecodeJSON[Stage](ev.KV.Value) })
	case "deploycfg":
		api, id, _ := strings.Cut(rest, "/")
		setNested(b.cfgs, api, id, del, func() *DeploymentConfig { return store.DecodeJSON[DeploymentConfig](ev.KV.Value) })
	case "vpclink":
		if del {
			delete(b.vpcLinks, rest)
			return
		}
		if l := store.DecodeJSON[VpcLink](ev.KV.Value); l != nil {
			b.vpcLinks[rest] = l
		}
	case "domain":
		if del {
			delete(b.domains, rest)
			return
		}
		if d := store.DecodeJSON[domainRecord](ev.KV.Value); d != nil {
			b.domains[rest] = &DomainState{DomainName: d.DomainName, Mappings: sortedMappings(d)}
		}
	}
}

func setNested[T any](m map[string]map[string]*T, outer, inner string, del bool, val func() *T) {
	if del {
		delete(m[outer], inner)
		if len(m[outer]) == 0 {
			delete(m, outer)
		}
		return
	}
	v := val()
	if v == nil {
		return
	}
	if m[outer] == nil {
		m[outer] = map[string]*T{}
	}
	m[outer][inner] = v
}

// Build makes a snapshot, reusing what did not change in prev.
func (b *viewBuilder) Build(prev *Snapshot, rev int64) *Snapshot {
	s := &Snapshot{Revision: rev, apis: make(map[string]*APIState, len(b.apis)), vpcLinks: make(map[string]*VpcLink, len(b.vpcLinks))}
	for id, l := range b.vpcLinks {
		s.vpcLinks[id] = l // pointers change only when the link does (SameVpcLinks)
	}
	s.domains = make(map[string]*DomainState, len(b.domains))
	for name, d := range b.domains {
		s.domains[name] = d
	}
	for id, a := range b.apis {
		as := &APIState{Api: *a, Stages: make(map[string]*StageState, len(b.stages[id]))}
		for name, st := range b.stages[id] {
			cfg := b.cfgs[id][st.DeploymentId]
			if old := prevStage(prev, id, name); old != nil && old.stage == st && old.cfg == cfg {
				as.Stages[name] = old
				continue
			}
			as.Stages[name] = &StageState{Stage: *st, Config: cfg, stage: st, cfg: cfg}
		}
		s.apis[id] = as
	}
	return s
}

func prevStage(prev *Snapshot, api, name string) *StageState {
	if prev == nil || prev.apis[api] == nil {
		return nil
	}
	return prev.apis[api].Stages[name]
}
