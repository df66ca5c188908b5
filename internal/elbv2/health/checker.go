package health

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Check is one target of one target group with its group's health check
// settings. A check is identified by TargetGroupID and TargetKey.
type Check struct {
	TargetGroupID string
	TargetKey     string // "ip:port" or "id:port", as the caller names the target
	Address       string // ip:port to probe (the HealthCheckPort applied)
	// Host is the HTTP Host header. AWS sends the load balancer node's
	// address and listener port; empty means Address.
	Host     string
	Protocol Protocol
	Path     string // HTTP and HTTPS only; "/" when empty
	Matcher  string // HttpCode: "200", "200,202", "200-299"; DefaultMatcher when empty

	Interval           time.Duration
	Timeout            time.Duration
	HealthyThreshold   int
	UnhealthyThreshold int
}

// State is a verdict on a target. Reason and Description are AWS's
// (ReasonTimeout, ReasonResponseCodeMismatch, ReasonFailedHealthChecks)
// and empty when Healthy.
type State struct {
	Healthy     bool
	Reason      string
	Description string
}

// ReportFunc receives a target's first verdict and every change after it.
// It is called from the probing goroutines, possibly concurrently for
// different targets, never concurrently for one target.
type ReportFunc func(ctx context.Context, c Check, s State)

// The NLB defaults, for a Check that leaves them unset.
const (
	defaultInterval = 30 * time.Second
	defaultTimeout  = 10 * time.Second
)

// Config is what a Checker needs.
type Config struct {
	Report ReportFunc
	Logger *slog.Logger
}

// Checker probes the targets it was last given by Update while Run runs.
type Checker struct {
	report ReportFunc
	log    *slog.Logger
	prober *prober

	mu      sync.Mutex
	targets map[checkKey]*target
	runCtx  context.Context // nil unless Run is running
	wg      sync.WaitGroup  // one per running target goroutine
}

type checkKey struct{ targetGroupID, targetKey string }

// target is one probed target: its goroutine, and its settings, which
// Update may replace while keeping the counters the goroutine owns.
type target struct {
	mu     sync.Mutex
	check  Check
	cancel context.CancelFunc // nil when not started
}

func (t *target) current() Check {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.check
}

// New returns a Checker with no targets.
func New(cfg Config) *Checker {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	report := cfg.Report
	if report == nil {
		report = func(context.Context, Check, State) {}
	}
	return &Checker{report: report, log: log, prober: newProber(), targets: map[checkKey]*target{}}
}

// Update makes checks the set of probed targets: new ones start from
// scratch, removed ones stop, and the ones already known keep their
// counters and verdict while taking the new settings (as AWS keeps a
// target's health across ModifyTargetGroup).
func (c *Checker) Update(checks []Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := make(map[checkKey]Check, len(checks))
	for _, ch := range checks {
		want[checkKey{ch.TargetGroupID, ch.TargetKey}] = ch
	}
	for k, t := range c.targets {
		if _, ok := want[k]; !ok {
			if t.cancel != nil {
				t.cancel()
			}
			delete(c.targets, k)
		}
	}
	for k, ch := range want {
		if t, ok := c.targets[k]; ok {
			t.mu.Lock()
			t.check = ch
			t.mu.Unlock()
			continue
		}
		t := &target{check: ch}
		c.targets[k] = t
		if c.runCtx != nil {
			c.start(k, t)
		}
	}
}

// Run probes until ctx ends, then stops every probe and returns once
// their goroutines have.
func (c *Checker) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.runCtx != nil {
		c.mu.Unlock()
		return errors.New("health: Checker.Run is already running")
	}
	c.runCtx = ctx
	for k, t := range c.targets {
		c.start(k, t)
	}
	c.mu.Unlock()

	<-ctx.Done()

	c.mu.Lock()
	c.runCtx = nil
	for _, t := range c.targets {
		if t.cancel != nil {
			t.cancel()
			t.cancel = nil
		}
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.prober.close()
	return nil
}

// start runs t's goroutine; c.mu is held.
func (c *Checker) start(k checkKey, t *target) {
	ctx, cancel := context.WithCancel(c.runCtx)
	t.cancel = cancel
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.probeLoop(ctx, k, t)
	}()
}

// probeLoop probes one target every Interval and reports its verdicts.
// The counters live here: a restarted loop starts from scratch.
func (c *Checker) probeLoop(ctx context.Context, k checkKey, t *target) {
	var (
		successes, failures int
		reported            bool
		last                State
		parsedFrom          string
		m                   matcher
		check               Check
	)
	timer := time.NewTimer(firstProbeDelay(k, t.current().Interval))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		check = t.current()
		if check.Interval <= 0 {
			check.Interval = defaultInterval
		}
		if check.Timeout <= 0 {
			check.Timeout = defaultTimeout
		}
		if m == nil || parsedFrom != check.Matcher {
			var err error
			if m, err = parseMatcher(check.Matcher); err != nil {
				c.log.Warn("health check matcher is invalid; using the default", "targetGroupId", k.targetGroupID, "err", err)
				m, _ = parseMatcher(DefaultMatcher)
			}
			parsedFrom = check.Matcher
		}
		start := time.Now()
		res := c.prober.probe(ctx, &check, m)
		if ctx.Err() != nil {
			return
		}
		var verdict State
		var decided bool
		if res.ok {
			successes, failures = successes+1, 0
			verdict, decided = State{Healthy: true}, successes >= max(check.HealthyThreshold, 1)
		} else {
			successes, failures = 0, failures+1
			verdict, decided = res.fail, failures >= max(check.UnhealthyThreshold, 1)
		}
		if decided && (!reported || verdict != last) {
			reported, last = true, verdict
			c.report(ctx, check, verdict)
		}
		// The next probe is one Interval after this one began, as a ticker
		// would, but never sooner than now.
		timer.Reset(max(check.Interval-time.Since(start), 0))
	}
}
