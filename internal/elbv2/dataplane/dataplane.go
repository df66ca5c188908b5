package dataplane

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/alb"
	"github.com/portolan/portolan/internal/elbv2/health"
	"github.com/portolan/portolan/internal/elbv2/proxy"
	"github.com/portolan/portolan/internal/store"
)

// Config is what a Dataplane needs.
type Config struct {
	Control *elbv2.Control
	Logger  *slog.Logger
}

// Dataplane serves the load balancers of one Control.
type Dataplane struct {
	cfg    Config
	log    *slog.Logger
	proxy  *proxy.Proxy
	alb    *alb.ALB
	health *health.Checker
	// applied is the revision of the last snapshot served.
	applied store.Feed[struct{}]

	mu       sync.Mutex      // serializes serving a snapshot
	snap     *elbv2.Snapshot // the control plane's, as last applied
	verdicts verdicts        // served ahead of snap
}

// New returns a data plane; Run serves.
func New(cfg Config) *Dataplane {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dataplane{cfg: cfg, log: cfg.Logger, verdicts: verdicts{}}
	d.proxy = proxy.New(proxy.Config{Logger: cfg.Logger})
	d.alb = alb.New(alb.Config{Logger: cfg.Logger})
	d.health = health.New(health.Config{Report: d.report, Logger: cfg.Logger})
	return d
}

// Ready blocks until the first snapshot is served.
func (d *Dataplane) Ready(ctx context.Context) error {
	_, _, err := d.applied.Next(ctx, -1)
	return err
}

// Sync waits until the data plane serves what the control plane's view
// held when Sync was called: a caller that changes a load balancer and
// then connects finds the change in force (tests; AWS gives no such
// promise, its changes take seconds to propagate).
func (d *Dataplane) Sync(ctx context.Context) error {
	want := int64(-1)
	if snap := d.cfg.Control.View().Snapshot(); snap != nil {
		want = snap.Revision
	}
	_, _, err := d.applied.Await(ctx, func(_ struct{}, rev int64) bool { return rev >= want })
	return err
}

// Run serves until ctx ends: listeners and health checks follow every
// snapshot the control plane publishes.
func (d *Dataplane) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.proxy.Run(ctx) })
	g.Go(func() error { return d.alb.Run(ctx) })
	g.Go(func() error { return d.health.Run(ctx) })
	g.Go(func() error {
		view := d.cfg.Control.View()
		var served int64 = -1
		return store.Watch(ctx, func() {
			snap := view.Snapshot()
			if snap == nil || snap.Revision == served {
				return
			}
			served = snap.Revision
			d.apply(snap)
		}, view)
	})
	err := g.Wait()
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return nil
	}
	return err
}

func (d *Dataplane) apply(snap *elbv2.Snapshot) {
	d.mu.Lock()
	d.snap = snap
	d.verdicts.prune(snap)
	d.serve()
	d.mu.Unlock()
	d.health.Update(Checks(snap))
	d.applied.Publish(struct{}{}, snap.Revision)
}

// serve updates the listeners to the last snapshot with the health
// checker's verdicts over it. d.mu is held.
func (d *Dataplane) serve() {
	snap := d.verdicts.over(d.snap)
	if err := d.proxy.Update(Listeners(snap)); err != nil {
		// A listener that cannot bind is retried with the next snapshot;
		// the others serve meanwhile.
		d.log.Warn("load balancer listeners", "err", err)
	}
	if err := d.alb.Update(ApplicationListeners(snap)); err != nil {
		d.log.Warn("application load balancer listeners", "err", err)
	}
}

// report serves a health checker's verdict on a target at once and
// writes it back to the control plane, which publishes it in the next
// snapshot.
func (d *Dataplane) report(ctx context.Context, c health.Check, s health.State) {
	id, port, ok := splitTargetKey(c.TargetKey)
	if !ok {
		return
	}
	th := elbv2.TargetHealth{State: elbv2.HealthHealthy}
	if !s.Healthy {
		th = elbv2.TargetHealth{State: elbv2.HealthUnhealthy, Reason: &s.Reason, Description: &s.Description}
	}
	d.mu.Lock()
	if d.snap != nil {
		d.verdicts[verdictKey{c.TargetGroupID, c.TargetKey}] = th
		d.serve()
	}
	d.mu.Unlock()
	err := d.cfg.Control.SetTargetHealth(ctx, c.TargetGroupID, elbv2.TargetDescription{Id: id, Port: &port}, th)
	if err != nil && ctx.Err() == nil && !errors.Is(err, elbv2.ErrTargetGroupNotFound) {
		d.log.Warn("record target health", "targetGroupArn", c.TargetGroupID, "target", c.TargetKey, "err", err)
	}
}

// Listeners is the proxy's configuration for snap: every TCP listener of
// every Network Load Balancer, forwarding to its default action's groups.
func Listeners(snap *elbv2.Snapshot) *proxy.Snapshot {
	out := &proxy.Snapshot{}
	for _, lb := range snap.LoadBalancers {
		addr, err := netip.ParseAddr(lb.Address)
		if lb.Type != elbv2.TypeNetwork || err != nil {
			continue
		}
		for _, l := range lb.Listeners {
			if l.Protocol != elbv2.ProtocolTCP {
				continue
			}
			pl := proxy.Listener{Address: netip.AddrPortFrom(addr, uint16(l.Port)), Protocol: l.Protocol}
			for _, fw := range forwards(l.DefaultActions) {
				if tg := snap.TargetGroups[fw.TargetGroupArn]; tg != nil {
					pl.TargetGroups = append(pl.TargetGroups, targetGroup(tg, fw.Weight))
				}
			}
			out.Listeners = append(out.Listeners, pl)
		}
	}
	return out
}

// forwards are the groups a forward action sends to, with their weights.
func forwards(actions []elbv2.Action) []elbv2.TargetGroupTuple {
	for _, a := range actions {
		if a.Type != elbv2.ActionForward {
			continue
		}
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
			return a.ForwardConfig.TargetGroups
		}
		if a.TargetGroupArn != nil {
			return []elbv2.TargetGroupTuple{{TargetGroupArn: *a.TargetGroupArn}}
		}
	}
	return nil
}

func targetGroup(tg *elbv2.TargetGroupView, weight *int32) proxy.TargetGroup {
	out := proxy.TargetGroup{
		ID:                       tg.ARN,
		DeregistrationDelay:      tg.DeregistrationDelay,
		KeepUnhealthyConnections: tg.Attributes["target_health_state.unhealthy.connection_termination.enabled"] == "false",
	}
	if weight != nil {
		out.Weight = int(*weight)
	}
	for _, t := range tg.Targets {
		addr, ok := targetAddress(tg, t, t.Port)
		if !ok {
			continue
		}
		out.Targets = append(out.Targets, proxy.Target{Key: targetKey(t), Address: addr, State: targetState(t)})
	}
	return out
}

// targetAddress is where a target is reached: ip targets by their
// address. Instance targets have no address here (no EC2 instances run).
func targetAddress(tg *elbv2.TargetGroupView, t *elbv2.TargetView, port int32) (netip.AddrPort, bool) {
	if tg.TargetType != elbv2.TargetTypeIP {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(t.ID)
	if err != nil || port < 1 || port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}

func targetState(t *elbv2.TargetView) proxy.TargetState {
	switch {
	case t.Draining:
		return proxy.StateDraining
	case t.HealthKnown:
		return proxy.TargetState(t.Health.State)
	}
	return proxy.StateInitial
}

// Checks are the health checks snap calls for: every registered target of
// every group a load balancer uses, with its group's settings.
func Checks(snap *elbv2.Snapshot) []health.Check {
	var out []health.Check
	for _, tg := range snap.TargetGroups {
		hc := tg.HealthCheck
		if len(tg.LoadBalancerArns) == 0 || !hc.Enabled {
			continue
		}
		for _, t := range tg.Targets {
			port := t.Port
			if hc.Port != "" && hc.Port != "traffic-port" {
				p, err := strconv.Atoi(hc.Port)
				if err != nil {
					continue
				}
				port = int32(p)
			}
			addr, ok := targetAddress(tg, t, port)
			if t.Draining || !ok {
				continue
			}
			out = append(out, health.Check{
				TargetGroupID: tg.ARN, TargetKey: targetKey(t), Address: addr.String(),
				Protocol: health.Protocol(hc.Protocol), Path: hc.Path, Matcher: hc.Matcher,
				Interval: hc.Interval, Timeout: hc.Timeout,
				HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold,
			})
		}
	}
	return out
}

// targetKey names a target in its group as the control plane does.
func targetKey(t *elbv2.TargetView) string { return t.ID + ":" + strconv.Itoa(int(t.Port)) }

func splitTargetKey(key string) (id string, port int32, ok bool) {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(key[i+1:])
	return key[:i], int32(p), err == nil
}
