// Package cloudwatchtest runs CloudWatch alone for tests: a real bolt
// store in a temp dir and the API on a loopback listener, with alarms
// evaluated every metric period.
package cloudwatchtest

import (
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running CloudWatch.
type Env struct {
	Store      store.Store
	CloudWatch *cloudwatch.Control
	Endpoint   string
}

// Options are what Start may be told.
type Options struct {
	// MetricPeriod is the real duration of AWS's minute (1 s when zero,
	// so that alarms move within a test).
	MetricPeriod time.Duration
	Actions      cloudwatch.AlarmActions
}

// Start runs CloudWatch for the duration of the test.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	if o.MetricPeriod == 0 {
		o.MetricPeriod = time.Second
	}
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st}
	e.CloudWatch = cloudwatch.New(cloudwatch.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log,
		MetricPeriod: o.MetricPeriod, Actions: o.Actions})
	mux := awsapi.NewMux(log)
	e.CloudWatch.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	srv.Go("cloudwatch", e.CloudWatch.Run)
	srv.StopOnce(st)
	return e
}
