package gateway

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/portolan/portolan/internal/restapi"
)

// Throttling and quotas, in AWS's order ("Throttle requests to your REST
// APIs", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):
// the usage plan's limits for the caller's API key (per key, then per
// method), the stage's methodSettings (per method, else */*), then the
// account. Each is a token bucket; over any of them the request gets 429
// Too Many Requests. A usage plan's quota counts the requests of each key
// per period (in memory: a restart starts the count again) and answers
// 429 Limit Exceeded once spent.

// limiterKey names a token bucket that outlives snapshots while its
// settings are unchanged, so a rebuild does not refill it.
type limiterKey struct {
	scope        string // "stage", "plan" or "planMethod"
	api, stage   string
	method       string // "/pets/GET"
	plan, apiKey string
}

type keptLimiter struct {
	key   limiterKey
	rate  float64
	burst int32
	lim   *rate.Limiter
}

func (l *keptLimiter) allow() bool { return l.lim.Allow() }

// limiter returns the bucket for k with these settings, reusing the
// current one when they did not change. A zero rate and burst (settings
// never given), or a negative one, means no limit. Run's goroutine only.
func (g *Gateway) limiter(k limiterKey, r float64, burst int32) *keptLimiter {
	if r < 0 || burst < 0 || (r == 0 && burst == 0) {
		return nil
	}
	if l := g.limiters[k]; l != nil && l.rate == r && l.burst == burst {
		return l
	}
	l := &keptLimiter{key: k, rate: r, burst: burst, lim: rate.NewLimiter(rate.Limit(r), int(burst))}
	g.limiters[k] = l
	return l
}

// dropLimiters forgets the buckets and quota counters no snapshot uses.
func (g *Gateway) dropLimiters(live map[limiterKey]bool) {
	for k := range g.limiters {
		if !live[k] {
			delete(g.limiters, k)
		}
	}
	for k := range g.quotas {
		if !live[limiterKey{scope: "quota", plan: k.plan, apiKey: k.apiKey}] {
			delete(g.quotas, k)
		}
	}
}

// keyState is an API key as the gateway checks it.
type keyState struct {
	id      string
	enabled bool
	// stages: what the key may call, through the usage plan covering
	// each API stage.
	stages map[stageRef]*planUse
}

type stageRef struct{ api, stage string }

// planUse is a usage plan's limits for one key on one API stage.
type planUse struct {
	planID  string
	limiter *keptLimiter            // the plan's throttle, per key
	methods map[string]*keptLimiter // apiStages' per-method throttles, by "/path/METHOD"
	quota   *quotaCounter
}

// compileKeys indexes the API keys that usage plans hold by value, with
// their limits. Keys in no plan are left out: they are refused anyway.
func (g *Gateway) compileKeys(a *restapi.Snapshot, live map[limiterKey]bool) map[string]*keyState {
	keys := map[string]*keyState{}
	keep := func(l *keptLimiter) *keptLimiter {
		if l != nil {
			live[l.key] = true
		}
		return l
	}
	for _, plan := range a.UsagePlans() {
		for _, keyID := range plan.KeyIds {
			k := a.APIKey(keyID)
			if k == nil {
				continue
			}
			ks := keys[k.Value]
			if ks == nil {
				ks = &keyState{id: k.Id, enabled: k.Enabled, stages: map[stageRef]*planUse{}}
				keys[k.Value] = ks
			}
			var perKey *keptLimiter
			if t := plan.Throttle; t != nil {
				perKey = keep(g.limiter(limiterKey{scope: "plan", plan: plan.Id, apiKey: k.Id}, t.RateLimit, t.BurstLimit))
			}
			var quota *quotaCounter
			if q := plan.Quota; q != nil && q.Limit > 0 {
				quota = g.quota(quotaKey{plan: plan.Id, apiKey: k.Id}, q)
				live[limiterKey{scope: "quota", plan: plan.Id, apiKey: k.Id}] = true
			}
			for _, as := range plan.ApiStages {
				use := &planUse{planID: plan.Id, limiter: perKey, quota: quota}
				for method, t := range as.Throttle {
					if t == nil {
						continue
					}
					lk := limiterKey{scope: "planMethod", api: as.ApiId, stage: as.Stage, method: method, plan: plan.Id, apiKey: k.Id}
					if l := keep(g.limiter(lk, t.RateLimit, t.BurstLimit)); l != nil {
						if use.methods == nil {
							use.methods = map[string]*keptLimiter{}
						}
						use.methods[method] = l
					}
				}
				ks.stages[stageRef{as.ApiId, as.Stage}] = use
			}
		}
	}
	return keys
}

// admit checks the caller's API key when the method needs one, then the
// throttles and the quota; it answers the request itself when they refuse.
func (g *Gateway) admit(w http.ResponseWriter, r *http.Request, rq *request, snap *snapshot, api *apiState) bool {
	m := rq.method
	var use *planUse
	if m.apiKeyRequired {
		// A key from an authorizer (apiKeySource AUTHORIZER) cannot exist
		// here: there are no Lambda authorizers.
		v := r.Header["X-Api-Key"]
		var ks *keyState
		if len(v) > 0 && api.keyFromHeader {
			ks = snap.keys[v[0]]
		}
		if ks != nil && ks.enabled {
			use = ks.stages[stageRef{api.id, rq.st.name}]
		}
		if use == nil {
			rq.fail(w, errBadAPIKey)
			return false
		}
		rq.apiKey, rq.apiKeyValue = ks, v[0]
	}
	if use != nil {
		if use.limiter != nil && !use.limiter.allow() {
			rq.fail(w, errThrottled)
			return false
		}
		if l := use.methods[m.planKey]; l != nil && !l.allow() {
			rq.fail(w, errThrottled)
			return false
		}
	}
	if (m.limiter != nil && !m.limiter.allow()) || (g.account != nil && !g.account.Allow()) {
		rq.fail(w, errThrottled)
		return false
	}
	if use != nil && use.quota != nil && !use.quota.take(rq.start) {
		rq.fail(w, errQuota)
		return false
	}
	return true
}

type quotaKey struct{ plan, apiKey string }

// quotaCounter counts one key's requests in a usage plan's current
// period.
type quotaCounter struct {
	limit  int64
	period string
	offset int
	mu     sync.Mutex // per key: never shared with the snapshot builder
	start  time.Time  // the period counted
	used   int64
}

func (g *Gateway) quota(k quotaKey, q *restapi.QuotaSettings) *quotaCounter {
	if c := g.quotas[k]; c != nil && c.limit == int64(q.Limit) && c.period == q.Period && c.offset == int(q.Offset) {
		return c
	}
	c := &quotaCounter{limit: int64(q.Limit), period: q.Period, offset: int(q.Offset)}
	g.quotas[k] = c
	return c
}

// take counts a request at now; false once the period's quota is spent.
func (c *quotaCounter) take(now time.Time) bool {
	start := periodStart(now, c.period, c.offset)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.start.Equal(start) {
		c.start, c.used = start, 0
	}
	if c.used >= c.limit {
		return false
	}
	c.used++
	return true
}

// periodStart is when the quota period holding t began, in UTC: the day;
// the week starting offset days after Sunday; the month starting on its
// (offset+1)th day ("The day that a time period starts. For example, with
// a time period of WEEK, an offset of 0 starts on Sunday, and an offset
// of 1 starts on Monday.", QuotaSettings in the API reference).
func periodStart(t time.Time, period string, offset int) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case restapi.QuotaWeek:
		back := (int(day.Weekday()) - offset%7 + 7) % 7
		return day.AddDate(0, 0, -back)
	case restapi.QuotaMonth:
		start := time.Date(t.Year(), t.Month(), 1+offset, 0, 0, 0, 0, time.UTC)
		if start.After(day) {
			start = time.Date(t.Year(), t.Month()-1, 1+offset, 0, 0, 0, 0, time.UTC)
		}
		return start
	}
	return day
}
