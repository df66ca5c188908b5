package restapi

import (
	"log/slog"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// View is the read side of the REST API snapshots: what the REST gateway
// follows.
type View = store.ViewReader[*Snapshot]

// Snapshot is an immutable picture of every REST API, VPC link, API key and
// usage plan at one store revision: what the data plane serves. Readers
// share it freely and must not modify anything reachable from it.
type Snapshot struct {
	Revision    int64
	apis        map[string]*APIState
	vpcLinks    map[string]*VpcLink
	keys        map[string]*ApiKey // by id
	keysByValue map[string]*ApiKey
	plans       map[string]*UsagePlanState
	account     *Account
}

// APIState is one REST API and its stages.
type APIState struct {
	RestApi
	// Stages by name.
	Stages map[string]*StageState
}

// StageState is a stage and the configuration it serves.
type StageState struct {
	Stage
	// Config is the stage's deployment's frozen resources, methods,
	// integrations and resource policy; nil when the deployment is missing.
	Config *DeploymentConfig

	// The records this state was built from: a later snapshot reuses the
	// StageState (same pointer) while both are unchanged, so followers can
	// cache what they derive from it.
	stage *Stage
	cfg   *DeploymentConfig
}

// MethodSetting returns the settings that apply to httpMethod on the
// resource at path ("/pets", "/{proxy+}"): the method's own entry
// ("~1pets/GET"), else the stage-wide "*/*", else ok is false (the
// account's throttle then applies).
func (s *StageState) MethodSetting(path, httpMethod string) (ms *MethodSetting, ok bool) {
	if len(s.MethodSettings) == 0 {
		return nil, false
	}
	if ms := s.MethodSettings[MethodSettingKey(path, httpMethod)]; ms != nil {
		return ms, true
	}
	ms = s.MethodSettings[AllMethodSettings]
	return ms, ms != nil
}

// MethodSettingKey is the methodSettings key of one method: the resource
// path without its leading slash, slashes escaped "~1" (JSON Pointer), then
// "/" and the method: ("/pets/{id}", "GET") → "~1pets~1{id}/GET".
func MethodSettingKey(path, httpMethod string) string {
	return strings.ReplaceAll(path, "/", "~1") + "/" + httpMethod
}

// UsagePlanState is a usage plan and the API keys it holds.
type UsagePlanState struct {
	UsagePlan
	// KeyIds are the ids of the plan's API keys, sorted.
	KeyIds []string
}

// Holds reports whether the plan holds the API key with the id.
func (p *UsagePlanState) Holds(keyID string) bool {
	i := sort.SearchStrings(p.KeyIds, keyID)
	return i < len(p.KeyIds) && p.KeyIds[i] == keyID
}

// API returns the API with the id, or nil.
func (s *Snapshot) API(id string) *APIState { return s.apis[id] }

// APIs returns every API, in id order.
func (s *Snapshot) APIs() []*APIState {
	out := make([]*APIState, 0, len(s.apis))
	for _, a := range s.apis {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
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

// APIKey returns the API key with the id, or nil.
func (s *Snapshot) APIKey(id string) *ApiKey { return s.keys[id] }

// APIKeyByValue returns the API key whose value a caller sent (in
// x-api-key), or nil. The key may be disabled: callers check Enabled.
func (s *Snapshot) APIKeyByValue(value string) *ApiKey { return s.keysByValue[value] }

// UsagePlan returns the usage plan with the id, or nil.
func (s *Snapshot) UsagePlan(id string) *UsagePlanState { return s.plans[id] }

// UsagePlans returns every usage plan, in id order.
func (s *Snapshot) UsagePlans() []*UsagePlanState {
	out := make([]*UsagePlanState, 0, len(s.plans))
	for _, p := range s.plans {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out
}

// UsagePlanFor returns the usage plan that holds the API key and covers
// the API's stage, and the plan's entry for that stage; nil when none does
// (AWS then refuses the key on that stage with 403). AWS lets a key be in
// one plan per stage, so there is at most one.
func (s *Snapshot) UsagePlanFor(apiID, stage, keyID string) (*UsagePlanState, *ApiStage) {
	for _, p := range s.UsagePlans() {
		if st := p.Stage(apiID, stage); st != nil && p.Holds(keyID) {
			return p, st
		}
	}
	return nil, nil
}

// Account returns the region's settings (AWS's defaults until updated).
func (s *Snapshot) Account() *Account { return s.account }

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return newViewBuilder() }, log)
}

// viewBuilder holds the decoded records a snapshot is built from. A record
// is decoded once, when its event arrives; unchanged records keep their
// pointers, which is what lets Build reuse StageStates.
type viewBuilder struct {
	apis     map[string]*RestApi
	stages   map[string]map[string]*Stage            // api -> name
	cfgs     map[string]map[string]*DeploymentConfig // api -> deployment
	vpcLinks map[string]*VpcLink
	keys     map[string]*ApiKey
	plans    map[string]*UsagePlan
	planKeys map[string]map[string]*planKeyRecord // plan -> key
	account  *Account
}

func newViewBuilder() *viewBuilder {
	return &viewBuilder{
		apis:     map[string]*RestApi{},
		stages:   map[string]map[string]*Stage{},
		cfgs:     map[string]map[string]*DeploymentConfig{},
		vpcLinks: map[string]*VpcLink{},
		keys:     map[string]*ApiKey{},
		plans:    map[string]*UsagePlan{},
		planKeys: map[string]map[string]*planKeyRecord{},
	}
}

// Apply takes one change.
func (b *viewBuilder) Apply(ev store.Event) {
	kind, rest, _ := strings.Cut(strings.TrimPrefix(ev.KV.Key, keyPrefix), "/")
	del := ev.Type == store.EventDelete
	outer, inner, _ := strings.Cut(rest, "/")
	switch kind {
	case kindAPI:
		setFlat(b.apis, rest, del, func() *RestApi {
			if rec := store.DecodeJSON[apiRecord](ev.KV.Value); rec != nil {
				return &rec.RestApi
			}
			return nil
		})
	case kindStage:
		setNested(b.stages, outer, inner, del, func() *Stage { return store.DecodeJSON[Stage](ev.KV.Value) })
	case kindConfig:
		setNested(b.cfgs, outer, inner, del, func() *DeploymentConfig { return store.DecodeJSON[DeploymentConfig](ev.KV.Value) })
	case kindVpcLink:
		setFlat(b.vpcLinks, rest, del, func() *VpcLink { return store.DecodeJSON[VpcLink](ev.KV.Value) })
	case kindAPIKey:
		setFlat(b.keys, rest, del, func() *ApiKey { return store.DecodeJSON[ApiKey](ev.KV.Value) })
	case kindUsagePlan:
		setFlat(b.plans, rest, del, func() *UsagePlan { return store.DecodeJSON[UsagePlan](ev.KV.Value) })
	case kindPlanKey:
		setNested(b.planKeys, outer, inner, del, func() *planKeyRecord { return store.DecodeJSON[planKeyRecord](ev.KV.Value) })
	case kindAccount:
		b.account = nil
		if !del {
			b.account = store.DecodeJSON[Account](ev.KV.Value)
		}
	}
}

func setFlat[T any](m map[string]*T, id string, del bool, val func() *T) {
	if del {
		delete(m, id)
		return
	}
	if v := val(); v != nil {
		m[id] = v
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
	s := &Snapshot{
		Revision:    rev,
		apis:        make(map[string]*APIState, len(b.apis)),
		vpcLinks:    make(map[string]*VpcLink, len(b.vpcLinks)),
		keys:        make(map[string]*ApiKey, len(b.keys)),
		keysByValue: make(map[string]*ApiKey, len(b.keys)),
		plans:       make(map[string]*UsagePlanState, len(b.plans)),
		account:     b.account,
	}
	if s.account == nil {
		s.account = defaultAccount()
	}
	for id, l := range b.vpcLinks {
		s.vpcLinks[id] = l // pointers change only when the link does (SameVpcLinks)
	}
	for id, k := range b.keys {
		s.keys[id] = k
		s.keysByValue[k.Value] = k
	}
	for id, p := range b.plans {
		ps := &UsagePlanState{UsagePlan: *p, KeyIds: make([]string, 0, len(b.planKeys[id]))}
		for keyID := range b.planKeys[id] {
			ps.KeyIds = append(ps.KeyIds, keyID)
		}
		sort.Strings(ps.KeyIds)
		s.plans[id] = ps
	}
	for id, a := range b.apis {
		as := &APIState{RestApi: *a, Stages: make(map[string]*StageState, len(b.stages[id]))}
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

// defaultAccount is what GetAccount answers before any UpdateAccount.
func defaultAccount() *Account {
	return &Account{
		ApiKeyVersion:    "4",
		Features:         []string{"UsagePlans"},
		ThrottleSettings: &ThrottleSettings{BurstLimit: DefaultBurstLimit, RateLimit: DefaultRateLimit},
	}
}

// Resource returns the config's resource with the id, or nil.
func (c *DeploymentConfig) Resource(id string) *Resource {
	for _, r := range c.Resources {
		if r.Id == id {
			return r
		}
	}
	return nil
}
