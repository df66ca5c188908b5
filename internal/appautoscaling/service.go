package appautoscaling

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
)

// Alarms is what target tracking needs of CloudWatch: its alarm API and
// its clock.
type Alarms interface {
	PutMetricAlarm(ctx context.Context, in *cloudwatch.PutMetricAlarmInput) (*cloudwatch.PutMetricAlarmOutput, error)
	DeleteAlarms(ctx context.Context, in *cloudwatch.DeleteAlarmsInput) (*cloudwatch.DeleteAlarmsOutput, error)
	// Seconds is the real duration of n of AWS's seconds.
	Seconds(n int) time.Duration
}

// Services is what scaling needs of ECS: the service's desired count, and
// the UpdateService that changes it.
type Services interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error)
	UpdateService(ctx context.Context, in *ecs.UpdateServiceInput) (*ecs.ServiceOutput, error)
}

// Config is what Control needs.
type Config struct {
	Region    string
	AccountID string
	Store     store.Store
	Alarms    Alarms
	Services  Services
	Logger    *slog.Logger
	// Tick is how often scheduled actions are checked (1 s when zero).
	Tick time.Duration
}

// Control is Application Auto Scaling's control plane: its exported
// methods are the API operations with the wire's inputs and outputs.
type Control struct {
	cfg Config
	st  store.Store
	log *slog.Logger
}

// New returns the control plane; Run fires scheduled actions.
func New(cfg Config) *Control {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	return &Control{cfg: cfg, st: cfg.Store, log: cfg.Logger}
}

// Run fires scheduled actions when they are due, until ctx ends.
func (c *Control) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			c.runScheduled(ctx, now)
		}
	}
}

func (c *Control) commit(ctx context.Context, build func() (store.Txn, error)) error {
	_, err := store.Retry(ctx, c.st, build)
	if errors.Is(err, store.ErrContended) {
		return errBusy
	}
	return err
}

func (c *Control) arn(resource string) string {
	return awsapi.ARN("application-autoscaling", c.cfg.Region, c.cfg.AccountID, resource)
}

// policyARN is the ARN AWS gives a scaling policy (in the autoscaling
// service's namespace, which is what alarm actions name).
func (c *Control) policyARN(id string, t targetRef, name string) string {
	return awsapi.ARN("autoscaling", c.cfg.Region, c.cfg.AccountID,
		"scalingPolicy:"+id+":resource/"+t.ServiceNamespace+"/"+t.ResourceId+":policyName/"+name)
}

// target reads a target; nil if it is not registered.
func (c *Control) target(ctx context.Context, t targetRef) (*targetRecord, store.KV, error) {
	rec, kv, err := store.GetJSON[targetRecord](ctx, c.st, targetKey(t))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, nil
	}
	return rec, kv, err
}

// list decodes every record under prefix.
func list[T any](ctx context.Context, st store.Store, prefix string) ([]*T, error) {
	kvs, _, err := st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(kvs))
	for _, kv := range kvs {
		if v := store.DecodeJSON[T](kv.Value); v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}
