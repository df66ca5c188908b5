package proxy

import (
	"context"
	"net/netip"
	"time"
)

// life is how long connections to one target of one listener may live.
// Cancelling it closes them: at the end of a deregistration delay, or
// when the listener goes. A target that comes back gets a new life.
type life struct {
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by Update (under Proxy.mu).
	drain *time.Timer // non-nil while draining
	delay time.Duration
}

type lifeKey struct {
	listener      netip.AddrPort
	targetGroupID string
	targetKey     string
}

// reconcileLives brings every target's life in line with s: targets in
// service get a live one (a new one if the old has ended), draining and
// vanished targets start their deregistration delay. p.mu is held.
func (p *Proxy) reconcileLives(s *Snapshot) {
	seen := make(map[lifeKey]bool)
	for i := range s.Listeners {
		l := &s.Listeners[i]
		bound, ok := p.listeners[l.Address]
		if !ok {
			continue
		}
		for j := range l.TargetGroups {
			tg := &l.TargetGroups[j]
			terminateUnhealthy := !tg.KeepUnhealthyConnections && hasHealthy(tg.Targets)
			for k := range tg.Targets {
				t := &tg.Targets[k]
				key := lifeKey{l.Address, tg.ID, t.Key}
				seen[key] = true
				lf := p.lives[key]
				if t.State == StateUnhealthy && terminateUnhealthy {
					// An NLB resets an unhealthy target's connections unless failing open.
					if lf != nil {
						lf.stop()
						delete(p.lives, key)
					}
					continue
				}
				if t.State == StateDraining {
					if lf != nil {
						lf.delay = tg.DeregistrationDelay
						lf.startDrain()
					}
					continue
				}
				if lf != nil && lf.drain != nil {
					// Back in service before the delay ended: keep its connections.
					if lf.drain.Stop() {
						lf.drain = nil
					}
				}
				if lf == nil || lf.drain != nil || lf.ctx.Err() != nil {
					ctx, cancel := context.WithCancel(bound.ctx)
					lf = &life{ctx: ctx, cancel: cancel}
					p.lives[key] = lf
				}
				lf.delay = tg.DeregistrationDelay
			}
		}
	}
	for key, lf := range p.lives {
		if seen[key] {
			continue
		}
		if _, ok := p.listeners[key.listener]; !ok || lf.ctx.Err() != nil {
			lf.cancel()
			delete(p.lives, key)
			continue
		}
		// Deregistered without passing through draining in the snapshot:
		// its connections still get the delay they would have had.
		lf.startDrain()
	}
}

func (lf *life) startDrain() {
	if lf.drain == nil {
		lf.drain = time.AfterFunc(lf.delay, lf.cancel)
	}
}

func (lf *life) stop() {
	if lf.drain != nil {
		lf.drain.Stop()
	}
	lf.cancel()
}

func hasHealthy(targets []Target) bool {
	for i := range targets {
		if targets[i].State == StateHealthy {
			return true
		}
	}
	return false
}
