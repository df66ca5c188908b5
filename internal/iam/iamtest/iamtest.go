package iamtest

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	piam "github.com/portolan/portolan/internal/iam"
	"github.com/portolan/portolan/internal/store"
	psts "github.com/portolan/portolan/internal/sts"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// The key pair the endpoint accepts besides STS's credentials.
const (
	AccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// Env is a running IAM and STS.
type Env struct {
	Store    store.Store
	IAM      *piam.Control
	STS      *psts.Control
	Dir      string
	Endpoint string
	// AWS signs with the configured key pair.
	AWS  aws.Config
	skew atomic.Int64 // how far STS's clock is ahead, in nanoseconds
	stop func()
}

type options struct {
	dir   string
	ahead time.Duration
}

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Ahead starts STS's clock d ahead of the real one (Advance, from the start).
func Ahead(d time.Duration) Option { return func(o *options) { o.ahead = d } }

// Start runs IAM and STS for the duration of the test.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	st := awstest.OpenStore(t, o.dir, store.BoltOptions{})
	log := awstest.Logger()
	e := &Env{Store: st, Dir: o.dir}
	e.skew.Store(int64(o.ahead))
	e.IAM = piam.New(piam.Config{AccountID: AccountID, Store: st, Logger: log})
	e.STS = psts.New(psts.Config{AccountID: AccountID, Store: st, Roles: e.IAM, Logger: log,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }})
	mux := awsapi.NewMux(log)
	v := awsapi.NewVerifier([]awsapi.Credentials{{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}}, nil).WithSessions(e.STS)
	mux.Authenticate = func(r *http.Request, body []byte) error {
		_, err := v.Verify(r, body)
		return err
	}
	e.IAM.Register(mux)
	e.STS.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, AccessKeyID, SecretAccessKey)
	srv.Go("sts", e.STS.Run)
	e.stop = srv.StopOnce(st)
	return e
}

// Advance moves STS's clock forward by d (sessions expire by it; the
// signatures' own time checks keep the real clock).
func (e *Env) Advance(d time.Duration) { e.skew.Add(int64(d)) }

// Stop shuts IAM and STS down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// IAMClient is an IAM client signing with the configured key pair.
func (e *Env) IAMClient() *iam.Client { return iam.NewFromConfig(e.AWS) }

// STSClient is an STS client signing with the configured key pair.
func (e *Env) STSClient() *sts.Client { return sts.NewFromConfig(e.AWS) }
