// Package appautoscalingtest runs Application Auto Scaling for tests on
// what it needs and nothing more: ECS's control plane (services are
// records; no agent runs tasks) and CloudWatch with a one-second metric
// period, on a real bolt store, behind one loopback endpoint.
package appautoscalingtest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running Application Auto Scaling with ECS and CloudWatch.
type Env struct {
	Store      store.Store
	ECS        *ecs.Control
	CloudWatch *cloudwatch.Control
	Scaling    *appautoscaling.Control
	Endpoint   string
	AWS        aws.Config
}

// Start runs the three for the duration of the test.
func Start(t testing.TB) *Env {
	t.Helper()
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st}
	e.ECS = ecs.New(ecs.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log})
	e.CloudWatch = cloudwatch.New(cloudwatch.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log,
		MetricPeriod: time.Second, Actions: actions{e}})
	e.Scaling = appautoscaling.New(appautoscaling.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Alarms: e.CloudWatch,
		Services: e.ECS, Logger: log, Tick: 100 * time.Millisecond})
	mux := awsapi.NewMux(log)
	e.ECS.Register(mux)
	e.CloudWatch.Register(mux)
	e.Scaling.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("cloudwatch", e.CloudWatch.Run)
	srv.Go("appautoscaling", e.Scaling.Run)
	srv.StopOnce(st)
	return e
}

// actions hands alarm actions to the scaling control plane, as the
// server does.
type actions struct{ e *Env }

func (a actions) AlarmAction(ctx context.Context, arn string, ev cloudwatch.AlarmEvent) (bool, error) {
	return a.e.Scaling.AlarmAction(ctx, arn, ev)
}
