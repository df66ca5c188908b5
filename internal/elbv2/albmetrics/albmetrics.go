// Package albmetrics publishes the application load balancers' request
// metrics (AWS/ApplicationELB RequestCount and RequestCountPerTarget)
// from the ALB data plane's counters, once per metric period, as ELB
// does: only for periods with requests, RequestCountPerTarget being a
// target group's requests over its healthy targets (all its targets when
// none is healthy).
//
// Where it sits: beside the load balancers' data plane; CloudWatch takes
// the datapoints, and target tracking on ALBRequestCountPerTarget reads
// them.
package albmetrics

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/alb"
)

// Namespace is where ELB publishes.
const Namespace = "AWS/ApplicationELB"

// Counts is the data plane's counters.
type Counts interface {
	RequestCounts() []alb.RequestCount
}

// Sink takes the datapoints: CloudWatch.
type Sink interface {
	Publish(m cloudwatch.Metric, unit string, t time.Time, s cloudwatch.StatisticSet)
}

// Config is what a Publisher needs.
type Config struct {
	Counts Counts
	// LoadBalancers names the listeners' load balancers and counts the
	// groups' targets.
	LoadBalancers *elbv2.View
	Sink          Sink
	// MetricPeriod is the real duration of AWS's minute (1 m when zero).
	MetricPeriod time.Duration
	Logger       *slog.Logger
}

// Publisher turns the counters into datapoints.
type Publisher struct {
	cfg  Config
	prev map[key]uint64
}

type key struct {
	listener netip.AddrPort
	group    string
}

// New returns a Publisher; Run starts it.
func New(cfg Config) *Publisher {
	if cfg.MetricPeriod <= 0 {
		cfg.MetricPeriod = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg, prev: map[key]uint64{}}
}

// Run publishes once per metric period until ctx ends.
func (p *Publisher) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.MetricPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			p.publish(now)
		}
	}
}

// publish publishes the requests counted since the last call.
func (p *Publisher) publish(now time.Time) {
	snap := p.cfg.LoadBalancers.Snapshot()
	if snap == nil {
		return
	}
	lbOf := map[netip.Addr]*elbv2.LoadBalancerView{}
	for _, lb := range snap.LoadBalancers {
		if a, err := netip.ParseAddr(lb.Address); err == nil {
			lbOf[a] = lb
		}
	}
	type pair struct{ lb, tg string }
	requests := map[pair]uint64{}
	next := map[key]uint64{}
	for _, c := range p.cfg.Counts.RequestCounts() {
		k := key{c.Listener, c.TargetGroup}
		next[k] = c.Requests
		lb := lbOf[c.Listener.Addr()]
		if lb == nil || c.Requests < p.prev[k] {
			continue
		}
		requests[pair{lb.ARN, c.TargetGroup}] += c.Requests - p.prev[k]
	}
	p.prev = next
	at := now.Add(-p.cfg.MetricPeriod / 2) // inside the period the requests came in
	for pr, n := range requests {
		if n == 0 {
			continue
		}
		tg := snap.TargetGroups[pr.tg]
		lbDim := cloudwatch.Dimension{Name: "LoadBalancer", Value: Dimension(pr.lb)}
		tgDim := cloudwatch.Dimension{Name: "TargetGroup", Value: Dimension(pr.tg)}
		count := float64(n)
		p.put("RequestCount", []cloudwatch.Dimension{lbDim, tgDim}, at, count)
		if targets := targetsOf(tg); targets > 0 {
			per := count / float64(targets)
			p.put("RequestCountPerTarget", []cloudwatch.Dimension{tgDim}, at, per)
			p.put("RequestCountPerTarget", []cloudwatch.Dimension{lbDim, tgDim}, at, per)
		}
	}
}

func (p *Publisher) put(name string, dims []cloudwatch.Dimension, at time.Time, v float64) {
	p.cfg.Sink.Publish(cloudwatch.Metric{Namespace: Namespace, MetricName: name, Dimensions: dims}, "Count", at,
		cloudwatch.StatisticSet{SampleCount: 1, Sum: v, Minimum: v, Maximum: v})
}

// targetsOf is how many targets RequestCountPerTarget divides by: the
// healthy ones, or every registered one when none is healthy.
func targetsOf(tg *elbv2.TargetGroupView) int {
	if tg == nil {
		return 0
	}
	healthy, registered := 0, 0
	for _, t := range tg.Targets {
		if t.Draining {
			continue
		}
		registered++
		if t.HealthKnown && t.Health.State == "healthy" {
			healthy++
		}
	}
	if healthy > 0 {
		return healthy
	}
	return registered
}

// Dimension is the value ELB gives a load balancer's or target group's
// dimension: its ARN's resource without the "loadbalancer/" prefix
// (app/<name>/<id>), or the target group's (targetgroup/<name>/<id>).
func Dimension(arn string) string {
	_, res, ok := strings.Cut(arn, ":loadbalancer/")
	if ok {
		return res
	}
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
