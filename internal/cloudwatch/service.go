package cloudwatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Logger    *slog.Logger
	// MetricPeriod is the real duration of AWS's one-minute metric period
	// (1 m when zero); see the package doc.
	MetricPeriod time.Duration
	// Retention is how long datapoints are kept (1440 metric periods, a
	// day at one minute, when zero).
	Retention time.Duration
	// Actions runs alarm actions that name another service's resources;
	// nil leaves them undone.
	Actions AlarmActions
}

// AlarmActions runs the actions of alarms: Application Auto Scaling's
// scaling policies are the ones Portolan performs.
type AlarmActions interface {
	// AlarmAction runs the action arn for alarm, which is in state
	// alarm.StateValue. ok is false for an ARN it does not handle.
	AlarmAction(ctx context.Context, arn string, alarm AlarmEvent) (ok bool, err error)
}

// AlarmEvent is what an action learns of the alarm that invoked it.
type AlarmEvent struct {
	Alarm MetricAlarm
	// Value is the most recent datapoint evaluated, if there was one.
	Value    float64
	HasValue bool
}

// Control is CloudWatch's control plane: its exported methods are the API
// operations with the wire's inputs and outputs.
type Control struct {
	cfg     Config
	st      store.Store
	log     *slog.Logger
	metrics *metricStore

	mu sync.Mutex
	// lastAction is when each alarm last ran an action, so that Auto
	// Scaling actions repeat once per period while an alarm stays in a
	// state (a rate limit, not state: losing it on restart costs at most
	// one extra invocation, which the policies' cooldowns absorb).
	lastAction map[string]time.Time
}

// New returns CloudWatch's control plane; Run evaluates the alarms.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MetricPeriod <= 0 {
		cfg.MetricPeriod = time.Minute
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 1440 * cfg.MetricPeriod
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger, metrics: newMetricStore(cfg.Retention, 100_000), lastAction: map[string]time.Time{}}
}

// Seconds is the real duration of n of AWS's seconds in this server's
// clock (see MetricPeriod).
func (c *Control) Seconds(n int) time.Duration {
	return time.Duration(n) * c.cfg.MetricPeriod / 60
}

// Run evaluates every alarm once per metric period and forgets datapoints
// past the retention, until ctx ends.
func (c *Control) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.MetricPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			c.evaluateAlarms(ctx, now)
			c.metrics.prune(now)
		}
	}
}

// commit writes one transaction, built again when another writer won.
func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

// AlarmARN is the ARN of the alarm name.
func (c *Control) AlarmARN(name string) string {
	return awsapi.ARN("cloudwatch", c.cfg.Region, c.cfg.AccountID, "alarm:"+name)
}
