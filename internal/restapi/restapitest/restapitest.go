package restapitest

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Addresses is the range the harness's load balancers get addresses from:
// this package's own /24, though no test here binds them.
var Addresses = netip.MustParsePrefix("127.0.190.0/24")

// Env is a running REST API control plane with Elastic Load Balancing v2.
type Env struct {
	Store   store.Store
	Control *restapi.Control
	ELBv2   *elbv2.Control
	// Dir holds the state file: Start(t, InDir(e.Dir)) after Stop reopens it.
	Dir      string
	Endpoint string
	AWS      aws.Config
	stop     func()
}

type options struct{ dir string }

// Option adjusts Start.
type Option func(*options)

// InDir keeps the state in dir (a restart reopens what an earlier Env wrote).
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// Start runs the control planes for the duration of the test and returns
// once the REST API View has a first snapshot.
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
	e.ELBv2 = elbv2.New(elbv2.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log, Addresses: Addresses})
	e.Control = restapi.New(restapi.Config{Region: awstest.Region, AccountID: AccountID, Store: st, Logger: log,
		LoadBalancers: LoadBalancers{e.ELBv2}})
	mux := awsapi.NewMux(log)
	e.Control.Register(mux)
	e.ELBv2.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("elbv2", e.ELBv2.Run)
	srv.Go("restapi", e.Control.Run)
	e.stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "restapi view", e.Control.View())
	return e
}

// Stop shuts the control planes down and closes the store (Cleanup does it too).
func (e *Env) Stop() { e.stop() }

// Client is an apigateway client for the endpoint.
func (e *Env) Client() *apigateway.Client { return apigateway.NewFromConfig(e.AWS) }

// ELBv2Client is an elasticloadbalancingv2 client for the endpoint.
func (e *Env) ELBv2Client() *elasticloadbalancingv2.Client {
	return elasticloadbalancingv2.NewFromConfig(e.AWS)
}

// AwaitSnapshot waits until the View satisfies cond (the data plane's
// view of a write), failing t after 15 seconds.
func (e *Env) AwaitSnapshot(t testing.TB, cond func(*restapi.Snapshot) bool) *restapi.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	v := e.Control.View()
	for {
		changed := v.Changed() // before Snapshot, so a publish in between still wakes us
		if s := v.Snapshot(); s != nil && cond(s) {
			return s
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("the REST API view never reached the state waited for")
			return nil
		}
	}
}

// LoadBalancers answers restapi's VPC link lookups from an ELBv2 control
// plane, as the server wires it.
type LoadBalancers struct{ ELBv2 *elbv2.Control }

// LoadBalancerType returns the type of the load balancer arn names.
func (l LoadBalancers) LoadBalancerType(ctx context.Context, arn string) (string, bool, error) {
	out, err := l.ELBv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if errors.Is(err, elbv2.ErrLoadBalancerNotFound) {
		return "", false, nil
	}
	if err != nil || len(out.LoadBalancers) == 0 {
		return "", false, err
	}
	return out.LoadBalancers[0].Type, true, nil
}
