package alb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// route is one listener's compiled rules, immutable once built.
type route struct {
	port  string        // the listener's port, for X-Forwarded-Port and redirects
	idle  time.Duration // the load balancer's idle timeout
	rules []compiledRule
}

type compiledRule struct {
	conditions []condition
	action     compiledAction
}

type compiledAction struct {
	typ      string
	groups   []*groupRoute
	total    int // sum of the groups' weights
	byCookie map[string]*groupRoute
	sticky   time.Duration
	fixed    *canned
	redirect *Redirect
}

// groupRoute is a target group as one action sends to it.
type groupRoute struct {
	id       string
	token    string // its AWSALBTG cookie value
	weight   int
	upTo     int // cumulative weight: takes draws below upTo
	sticky   time.Duration
	targets  []*targetRoute // eligible for new requests
	byCookie map[string]*targetRoute
	counters *groupCounters // round robin and requests; shared by routes built from one snapshot onwards
	// registered is false when the group has no target that may take a
	// request at all: the client gets a 503.
	registered bool
}

type targetRoute struct {
	key     string
	token   string // its AWSALB cookie value
	pool    *targetPool
	counter *targetCounter // requests sent to it; shared by routes built from one snapshot onwards
}

// buildRoute compiles l. poolFor returns the connection pool of a target
// address (shared across snapshots, so connections are kept alive).
func buildRoute(l *Listener, poolFor func(t *Target) *targetPool, counter func(id string) *groupCounters) (*route, error) {
	idle := l.IdleTimeout
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	r := &route{port: strconv.Itoa(int(l.Address.Port())), idle: idle, rules: make([]compiledRule, 0, len(l.Rules))}
	for i := range l.Rules {
		rule := &l.Rules[i]
		ms, err := compileConditions(rule.Conditions)
		if err != nil {
			return nil, fmt.Errorf("listener %s rule %d: %w", l.Address, i+1, err)
		}
		a, err := compileAction(&rule.Action, poolFor, counter)
		if err != nil {
			return nil, fmt.Errorf("listener %s rule %d: %w", l.Address, i+1, err)
		}
		r.rules = append(r.rules, compiledRule{conditions: ms, action: a})
	}
	return r, nil
}

func compileAction(a *Action, poolFor func(t *Target) *targetPool, counter func(id string) *groupCounters) (compiledAction, error) {
	out := compiledAction{typ: a.Type, redirect: a.Redirect, sticky: a.GroupStickiness}
	switch a.Type {
	case ActionFixedResponse:
		if a.FixedResponse == nil {
			return out, fmt.Errorf("%s action without its configuration", a.Type)
		}
		out.fixed = fixedResponse(a.FixedResponse)
		return out, nil
	case ActionRedirect:
		if a.Redirect == nil || elbPages[a.Redirect.StatusCode] == nil {
			return out, fmt.Errorf("%s action without its configuration", a.Type)
		}
		return out, nil
	case ActionForward:
	default:
		return out, fmt.Errorf("action type %q is not served", a.Type)
	}
	allZero := true
	for _, wg := range a.Forward {
		if wg.Weight > 0 {
			allZero = false
		}
	}
	out.byCookie = make(map[string]*groupRoute, len(a.Forward))
	for _, wg := range a.Forward {
		weight := max(wg.Weight, 0)
		if allZero {
			weight = 1
		}
		if weight == 0 {
			continue
		}
		counters := counter(wg.Group.ID)
		g := buildGroup(&wg.Group, poolFor, counters)
		g.counters = counters
		g.weight = weight
		out.total += weight
		g.upTo = out.total
		out.groups = append(out.groups, g)
		out.byCookie[g.token] = g
	}
	return out, nil
}

func buildGroup(tg *TargetGroup, poolFor func(t *Target) *targetPool, counters *groupCounters) *groupRoute {
	g := &groupRoute{id: tg.ID, token: token(tg.ID), sticky: tg.Stickiness, byCookie: map[string]*targetRoute{}}
	var healthy, open []*Target
	for i := range tg.Targets {
		switch t := &tg.Targets[i]; t.State {
		case StateHealthy:
			healthy = append(healthy, t)
		case StateDraining:
			// Draining: no new requests; the ones it has finish.
		default:
			open = append(open, t)
		}
	}
	eligible := healthy
	if len(eligible) == 0 {
		// No healthy target: fail open over every registered one.
		eligible = open
	}
	g.registered = len(eligible) > 0
	for _, t := range eligible {
		tr := &targetRoute{key: t.Key, token: token(tg.ID + "\x00" + t.Key), pool: poolFor(t), counter: counters.target(t.Key)}
		g.targets = append(g.targets, tr)
		g.byCookie[tr.token] = tr
	}
	return g
}

// token is an opaque, stable cookie value naming a group or a target:
// clients see no ARNs or addresses.
func token(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// pickGroup chooses the group of a forward action: the one the client's
// AWSALBTG cookie names while group stickiness holds, else by weight.
func (a *compiledAction) pickGroup(r *http.Request) (g *groupRoute, fromCookie bool) {
	if len(a.groups) == 0 {
		return nil, false
	}
	if len(a.groups) == 1 {
		return a.groups[0], false
	}
	if a.sticky > 0 {
		if c, err := r.Cookie(cookieTargetGroup); err == nil {
			if g := a.byCookie[c.Value]; g != nil {
				return g, true
			}
		}
	}
	w := rand.IntN(a.total)
	for _, g := range a.groups {
		if w < g.upTo {
			return g, false
		}
	}
	return a.groups[len(a.groups)-1], false
}

// pickTarget chooses a target of g: the one the client's AWSALB cookie
// names while it is still eligible, else the next in round robin.
func (g *groupRoute) pickTarget(r *http.Request) *targetRoute {
	if len(g.targets) == 0 {
		return nil
	}
	if g.sticky > 0 {
		if c, err := r.Cookie(cookieTarget); err == nil {
			if t := g.byCookie[c.Value]; t != nil {
				return t
			}
		}
	}
	n := g.counters.next.Add(1) - 1
	return g.targets[n%uint64(len(g.targets))]
}

// The cookies an ALB sets for stickiness.
const (
	cookieTarget      = "AWSALB"
	cookieTargetGroup = "AWSALBTG"
)
