package elbv2

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// View is the read side: the latest Snapshot, rebuilt from store watches.
type View = store.ViewReader[*Snapshot]

// Snapshot is an immutable picture of every load balancer, target group
// and target health, for the data plane and the health checker. Readers
// must not modify anything reachable from it: it is shared.
type Snapshot struct {
	Revision int64
	// LoadBalancers and TargetGroups are keyed by ARN.
	LoadBalancers map[string]*LoadBalancerView
	TargetGroups  map[string]*TargetGroupView
}

// LoadBalancerView is what the data plane serves for one load balancer.
type LoadBalancerView struct {
	ARN, Name, Type, Scheme string
	// Address is the IP its listeners bind.
	Address   string
	DNSName   string // resolves to Address through Portolan's DNS server
	Listeners []*ListenerView
	// Attributes are every attribute, defaults included.
	Attributes map[string]string
}

// ListenerView is one listener: its port, protocol, default actions and
// rules in priority order.
type ListenerView struct {
	ARN            string
	Port           int32
	Protocol       string
	DefaultActions []Action
	Rules          []*RuleView
	// Certificate is what an HTTPS listener serves.
	Certificate *LocalCertificate
}

// RuleView is one non-default rule.
type RuleView struct {
	ARN        string
	Priority   int
	Conditions []RuleCondition
	Actions    []Action
}

// TargetGroupView is what the data plane and the health checker need of a
// target group.
type TargetGroupView struct {
	ARN, Name, Protocol, TargetType string
	Port                            int32
	HealthCheck                     HealthCheckView
	// DeregistrationDelay is how long a deregistered target drains.
	DeregistrationDelay time.Duration
	// Attributes are every attribute, defaults included.
	Attributes map[string]string
	// Targets are registered and draining targets, in registration order.
	Targets []*TargetView
	// LoadBalancerArns are the load balancers forwarding to it.
	LoadBalancerArns []string
}

// HealthCheckView is a target group's health check settings.
type HealthCheckView struct {
	Enabled  bool
	Protocol string
	// Port is "traffic-port" or a port number.
	Port                                 string
	Path, Matcher                        string
	Interval, Timeout                    time.Duration
	HealthyThreshold, UnhealthyThreshold int
}

// TargetView is one target of a group and its current health.
type TargetView struct {
	ID   string
	Port int32
	// Draining is set once deregistered; DrainingUntil is when it goes.
	Draining      bool
	DrainingUntil time.Time
	// Health is what the health checker last wrote; HealthKnown is false
	// before its first write.
	Health      TargetHealth
	HealthKnown bool
}

// Description is the target as the health checker hands it back to
// Control.SetTargetHealth.
func (t *TargetView) Description() TargetDescription {
	port := t.Port
	return TargetDescription{Id: t.ID, Port: &port}
}

func newView(st store.Store, log *slog.Logger) *store.View[*Snapshot] {
	return store.NewView(st, keyPrefix, func() store.Builder[*Snapshot] { return newViewBuilder() }, log)
}

// viewBuilder keeps the decoded records of the prefixes it builds from;
// each event replaces a record whole, so records it handed to a snapshot
// are never changed afterwards.
type viewBuilder struct {
	lbs    map[string]*loadBalancerRecord
	tgs    map[string]*targetGroupRecord
	health map[string]*targetHealthRecord
}

func newViewBuilder() *viewBuilder {
	return &viewBuilder{lbs: map[string]*loadBalancerRecord{}, tgs: map[string]*targetGroupRecord{}, health: map[string]*targetHealthRecord{}}
}

func (b *viewBuilder) Apply(ev store.Event) {
	key, put := ev.KV.Key, ev.Type == store.EventPut
	switch {
	case strings.HasPrefix(key, loadBalancerPrefix):
		applyRecord(b.lbs, key, put, ev.KV.Value)
	case strings.HasPrefix(key, targetGroupPrefix):
		applyRecord(b.tgs, key, put, ev.KV.Value)
	case strings.HasPrefix(key, healthPrefix):
		applyRecord(b.health, key, put, ev.KV.Value)
	}
}

func applyRecord[T any](m map[string]*T, key string, put bool, value []byte) {
	if !put {
		delete(m, key)
		return
	}
	if r := store.DecodeJSON[T](value); r != nil {
		m[key] = r
	}
}

func (b *viewBuilder) Build(_ *Snapshot, rev int64) *Snapshot {
	s := &Snapshot{Revision: rev, LoadBalancers: make(map[string]*LoadBalancerView, len(b.lbs)), TargetGroups: make(map[string]*TargetGroupView, len(b.tgs))}
	lbs := make([]*loadBalancerRecord, 0, len(b.lbs))
	for _, r := range b.lbs {
		lbs = append(lbs, r)
		s.LoadBalancers[r.LoadBalancerArn] = loadBalancerView(r)
	}
	for _, r := range b.tgs {
		s.TargetGroups[r.TargetGroupArn] = b.targetGroupView(r, lbs)
	}
	return s
}

func loadBalancerView(r *loadBalancerRecord) *LoadBalancerView {
	v := &LoadBalancerView{ARN: r.LoadBalancerArn, Name: r.LoadBalancerName, Type: r.Type, Scheme: r.Scheme, Address: r.Address, DNSName: r.DNSName,
		Attributes: loadBalancerAttributes(r)}
	for _, l := range r.Listeners {
		lv := &ListenerView{ARN: l.ListenerArn, Port: derefOr(l.Port, 0), Protocol: derefOr(l.Protocol, ""), DefaultActions: l.DefaultActions,
			Certificate: l.LocalCertificate}
		for _, rule := range l.Rules {
			p, _ := strconv.Atoi(rule.Priority)
			lv.Rules = append(lv.Rules, &RuleView{ARN: rule.RuleArn, Priority: p, Conditions: rule.Conditions, Actions: rule.Actions})
		}
		slices.SortFunc(lv.Rules, func(a, b *RuleView) int { return a.Priority - b.Priority })
		v.Listeners = append(v.Listeners, lv)
	}
	slices.SortFunc(v.Listeners, func(a, b *ListenerView) int { return int(a.Port - b.Port) })
	return v
}

func (b *viewBuilder) targetGroupView(r *targetGroupRecord, lbs []*loadBalancerRecord) *TargetGroupView {
	delay := deregistrationDelay(r)
	v := &TargetGroupView{
		ARN: r.TargetGroupArn, Name: r.TargetGroupName, Protocol: derefOr(r.Protocol, ""), TargetType: r.TargetType,
		Port: derefOr(r.Port, 0), DeregistrationDelay: delay, Attributes: targetGroupAttributes(r),
		LoadBalancerArns: loadBalancersOf(r.TargetGroupArn, lbs),
		HealthCheck: HealthCheckView{
			Enabled: r.HealthCheckEnabled, Protocol: derefOr(r.HealthCheckProtocol, ""), Port: derefOr(r.HealthCheckPort, "traffic-port"),
			Path: derefOr(r.HealthCheckPath, ""), Interval: seconds(r.HealthCheckIntervalSeconds), Timeout: seconds(r.HealthCheckTimeoutSeconds),
			HealthyThreshold: int(derefOr(r.HealthyThresholdCount, 0)), UnhealthyThreshold: int(derefOr(r.UnhealthyThresholdCount, 0)),
		},
	}
	if r.Matcher != nil {
		v.HealthCheck.Matcher = derefOr(r.Matcher.HttpCode, "")
	}
	id, _ := parseTargetGroupARN(r.TargetGroupArn)
	for _, t := range r.Targets {
		tv := &TargetView{ID: t.Id, Port: derefOr(t.Port, 0), DrainingUntil: drainingUntil(t, delay)}
		tv.Draining = !tv.DrainingUntil.IsZero()
		if h := b.health[targetHealthKey(id, t.name())]; h != nil {
			tv.Health, tv.HealthKnown = h.TargetHealth, true
		}
		v.Targets = append(v.Targets, tv)
	}
	return v
}

func seconds(n *int32) time.Duration { return time.Duration(derefOr(n, 0)) * time.Second }
