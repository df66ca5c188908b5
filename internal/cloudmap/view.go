package cloudmap

import (
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// Snapshot is an immutable picture of Cloud Map at one store revision.
// Readers share it freely; nothing in it is ever modified.
type Snapshot struct {
	Revision   int64
	namespaces map[string]*NamespaceState // by id
	byHTTPName map[string]*NamespaceState // by lower-case HttpName
	services   map[string]*ServiceState   // by id
}

// NamespaceState is one namespace and its services.
type NamespaceState struct {
	Namespace
	// Vpc is a private DNS namespace's VPC (Route 53 lists it as its
	// hosted zone's).
	Vpc      string
	Services map[string]*ServiceState // by lower-case name
}

// ServiceState is one service and its instances.
type ServiceState struct {
	Service
	Namespace         *Namespace
	InstancesRevision int64
	// Instances are sorted by id; Healthy and Unhealthy partition them when
	// the service has a health check (otherwise both are empty).
	Instances []*InstanceState
	Healthy   []*InstanceState
	Unhealthy []*InstanceState
	byID      map[string]*InstanceState
}

// InstanceState is one instance with its effective health.
type InstanceState struct {
	Id         string
	Attributes map[string]string
	Health     string // HEALTHY, UNHEALTHY, or UNKNOWN for a service without a health check
	IPv4, IPv6 netip.Addr
	Port       uint16
	// summary is the instance's DiscoverInstances JSON, encoded once here
	// rather than on every query.
	summary []byte
}

// Namespaces returns every namespace, sorted by name.
func (s *Snapshot) Namespaces() []*NamespaceState {
	out := make([]*NamespaceState, 0, len(s.namespaces))
	for _, n := range s.namespaces {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Namespace returns the namespace with the id, or nil.
func (s *Snapshot) Namespace(id string) *NamespaceState { return s.namespaces[id] }

// Service returns the service with the id, or nil.
func (s *Snapshot) Service(id string) *ServiceState { return s.services[id] }

// Lookup finds a service by namespace HttpName and service name, as
// DiscoverInstances does.
func (s *Snapshot) Lookup(httpName, service string) (*NamespaceState, *ServiceState) {
	ns := s.byHTTPName[strings.ToLower(httpName)]
	if ns == nil {
		return nil, nil
	}
	return ns, ns.Services[strings.ToLower(service)]
}

// View is the read side of the Cloud Map snapshots, rebuilt from a store
// watch: what DNS, the gateway and ECS's registrar follow.
type View = store.ViewReader[*Snapshot]

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return newBuilder() }, log)
}

// builder holds the mutable records a snapshot is built from, and which
// services changed since the last build.
type builder struct {
	ns      map[string]*namespaceRecord
	svc     map[string]*serviceRecord
	inst    map[string]map[string]*Instance
	health  map[string]map[string]string
	instRev map[string]int64
	dirty   map[string]bool // services to rebuild
	// changedInst names the instances whose record or health changed, and
	// changedSvc the services whose own record did: everything else carries
	// over from the previous snapshot without being encoded again.
	changedInst map[string]map[string]bool
	changedSvc  map[string]bool
}

func newBuilder() *builder {
	return &builder{
		ns:          map[string]*namespaceRecord{},
		svc:         map[string]*serviceRecord{},
		inst:        map[string]map[string]*Instance{},
		health:      map[string]map[string]string{},
		instRev:     map[string]int64{},
		dirty:       map[string]bool{},
		changedInst: map[string]map[string]bool{},
		changedSvc:  map[string]bool{},
	}
}

// Apply takes one change.
func (b *builder) Apply(ev store.Event) {
	kind, rest, _ := strings.Cut(strings.TrimPrefix(ev.KV.Key, keyPrefix), "/")
	del := ev.Type == store.EventDelete
	switch kind {
	case "ns":
		if del {
			delete(b.ns, rest)
			return
		}
		if rec := store.DecodeJSON[namespaceRecord](ev.KV.Value); rec != nil {
			b.ns[rest] = rec
		}
	case "svc":
		b.dirty[rest] = true
		b.changedSvc[rest] = true
		if del {
			delete(b.svc, rest)
			delete(b.inst, rest)
			delete(b.health, rest)
			delete(b.instRev, rest)
			return
		}
		if rec := store.DecodeJSON[serviceRecord](ev.KV.Value); rec != nil {
			b.svc[rest] = rec
		}
	case "svcinst":
		b.dirty[rest] = true
		if !del {
			b.instRev[rest] = ev.KV.ModRevision
		}
	case "inst", "health":
		srv, id, _ := strings.Cut(rest, "/")
		b.dirty[srv] = true
		if b.changedInst[srv] == nil {
			b.changedInst[srv] = map[string]bool{}
		}
		b.changedInst[srv][id] = true
		if kind == "inst" {
			setNested(b.inst, srv, id, del, func() *Instance { return store.DecodeJSON[Instance](ev.KV.Value) })
		} else {
			setNested(b.health, srv, id, del, func() string { return string(ev.KV.Value) })
		}
	}
}

func setNested[T any](m map[string]map[string]T, outer, inner string, del bool, val func() T) {
	if del {
		delete(m[outer], inner)
		return
	}
	if m[outer] == nil {
		m[outer] = map[string]T{}
	}
	m[outer][inner] = val()
}

// Build makes a snapshot, reusing prev's state for services that did not change.
func (b *builder) Build(prev *Snapshot, rev int64) *Snapshot {
	s := &Snapshot{
		Revision:   rev,
		namespaces: make(map[string]*NamespaceState, len(b.ns)),
		byHTTPName: make(map[string]*NamespaceState, len(b.ns)),
		services:   make(map[string]*ServiceState, len(b.svc)),
	}
	for id, rec := range b.ns {
		ns := &NamespaceState{Namespace: rec.Namespace, Vpc: rec.Vpc, Services: map[string]*ServiceState{}}
		s.namespaces[id] = ns
		s.byHTTPName[strings.ToLower(ns.HttpName())] = ns
	}
	for id, rec := range b.svc {
		ns := s.namespaces[rec.NamespaceId]
		if ns == nil {
			continue
		}
		var st *ServiceState
		old := prevService(prev, id)
		if old != nil && old.Namespace.Name != ns.Name {
			old = nil
		}
		if old != nil && !b.dirty[id] {
			st = old
		} else {
			st = b.buildService(rec, &ns.Namespace, old)
		}
		s.services[id] = st
		ns.Services[strings.ToLower(st.Name)] = st
	}
	for _, ns := range s.namespaces {
		ns.ServiceCount = len(ns.Services)
	}
	clear(b.dirty)
	clear(b.changedInst)
	clear(b.changedSvc)
	return s
}

func prevService(prev *Snapshot, id string) *ServiceState {
	if prev == nil {
		return nil
	}
	return prev.services[id]
}

func (b *builder) buildService(rec *serviceRecord, ns *Namespace, prev *ServiceState) *ServiceState {
	st := &ServiceState{Service: rec.Service, Namespace: ns, InstancesRevision: b.instRev[rec.Id]}
	insts := b.inst[rec.Id]
	st.InstanceCount = len(insts)
	st.Instances = make([]*InstanceState, 0, len(insts))
	st.byID = make(map[string]*InstanceState, len(insts))
	checked := rec.HasHealthCheck()
	changed := b.changedInst[rec.Id]
	if b.changedSvc[rec.Id] {
		prev = nil // the service itself changed: re-encode every instance
	}
	for id, in := range insts {
		if old := prevInstance(prev, id); old != nil && !changed[id] {
			st.add(old, checked)
			continue
		}
		is := &InstanceState{Id: id, Attributes: in.Attributes, Health: Unknown}
		if checked {
			is.Health = b.health[rec.Id][id]
			if is.Health == "" {
				is.Health = Healthy
			}
		}
		is.IPv4, _ = netip.ParseAddr(in.Attributes[AttrIPv4])
		is.IPv6, _ = netip.ParseAddr(in.Attributes[AttrIPv6])
		if p, err := strconv.ParseUint(in.Attributes[AttrPort], 10, 16); err == nil {
			is.Port = uint16(p)
		}
		is.summary = store.JSON(struct {
			InstanceId, NamespaceName, ServiceName, HealthStatus string
			Attributes                                           map[string]string
		}{id, ns.HttpName(), rec.Name, is.Health, in.Attributes})
		st.add(is, checked)
	}
	sort.Slice(st.Instances, func(i, j int) bool { return st.Instances[i].Id < st.Instances[j].Id })
	return st
}

func (st *ServiceState) add(is *InstanceState, checked bool) {
	st.Instances = append(st.Instances, is)
	st.byID[is.Id] = is
	if checked && is.Health == Healthy {
		st.Healthy = append(st.Healthy, is)
	} else if checked {
		st.Unhealthy = append(st.Unhealthy, is)
	}
}

func prevInstance(prev *ServiceState, id string) *InstanceState {
	if prev == nil {
		return nil
	}
	return prev.byID[id]
}

// DiscoverQuery is what DiscoverInstances filters on.
type DiscoverQuery struct {
	HealthStatus       string
	QueryParameters    map[string]string
	OptionalParameters map[string]string
	MaxResults         int
}

// Discover picks up to q.MaxResults instances matching q, in random order,
// as DiscoverInstances does.
func (st *ServiceState) Discover(q DiscoverQuery) []*InstanceState {
	candidates := st.Instances
	// HealthStatus is ignored for a service without a health check.
	if st.HasHealthCheck() {
		switch q.HealthStatus {
		case Healthy:
			candidates = st.Healthy
		case Unhealthy:
			candidates = st.Unhealthy
		case "HEALTHY_OR_ELSE_ALL":
			if len(st.Healthy) > 0 {
				candidates = st.Healthy
			}
		}
	}
	if len(q.QueryParameters) > 0 {
		candidates = filter(candidates, q.QueryParameters)
	}
	if len(q.OptionalParameters) > 0 {
		// Optional parameters narrow the result only if something matches them.
		if narrowed := filter(candidates, q.OptionalParameters); len(narrowed) > 0 {
			candidates = narrowed
		}
	}
	return sample(candidates, q.MaxResults)
}

func filter(in []*InstanceState, params map[string]string) []*InstanceState {
	var out []*InstanceState
next:
	for _, is := range in {
		for k, v := range params {
			if is.Attributes[k] != v {
				continue next
			}
		}
		out = append(out, is)
	}
	return out
}

// sample returns k distinct random elements of in, in random order, without
// copying in: Floyd's algorithm draws k indexes in O(k).
func sample(in []*InstanceState, k int) []*InstanceState {
	n := len(in)
	if k >= n {
		out := append([]*InstanceState(nil), in...)
		rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	chosen := make(map[int]struct{}, k)
	out := make([]*InstanceState, 0, k)
	for j := n - k; j < n; j++ {
		t := rand.IntN(j + 1)
		if _, dup := chosen[t]; dup {
			t = j
		}
		chosen[t] = struct{}{}
		out = append(out, in[t])
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
