package ecstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/ecs/agent"
	"github.com/portolan/portolan/internal/ecs/discovery"
	"github.com/portolan/portolan/internal/ecs/loadbalancing"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/dataplane"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/store"
)

// Env is a running ECS with Cloud Map and CloudWatch Logs.
type Env struct {
	Store    *store.Bolt
	CloudMap *cloudmap.Control
	ECS      *ecs.Control
	Logs     *logs.Control
	// ELBv2 is set only WithLoadBalancing.
	ELBv2  *elbv2.Control
	Driver *process.Driver
	// URL is the AWS endpoint: http://localhost:PORT, as a user would
	// configure it.
	URL string
	AWS aws.Config
}

type options struct {
	loadBalancers netip.Prefix
	taskAddresses process.AddressMode
}

// Option adjusts Start.
type Option func(*options)

// WithLoadBalancing also runs Elastic Load Balancing v2 with its data
// plane, its load balancers' addresses taken from addresses (give each
// test package a range of its own), and ECS's target registration.
func WithLoadBalancing(addresses netip.Prefix) Option {
	return func(o *options) { o.loadBalancers = addresses }
}

// WithTaskAddresses runs the process runtime in mode (ports: every task
// on 127.0.0.1 with host ports of its own, as on macOS).
func WithTaskAddresses(mode process.AddressMode) Option {
	return func(o *options) { o.taskAddresses = mode }
}

// Start runs ECS for the duration of the test and returns once the agent
// has re-adopted what it found (nothing, in a fresh temp dir).
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dir := t.TempDir()
	// Log events are bulk data nobody watches: keep them out of the
	// history, as the server does.
	st := awstest.OpenStore(t, dir, store.BoltOptions{Unwatched: []string{logs.EventsPrefix}})
	log := awstest.Logger()
	const region, account = awstest.Region, "000000000000"

	e := &Env{Store: st}
	e.CloudMap = cloudmap.New(cloudmap.Config{Region: region, AccountID: account, Store: st, Logger: log.With("role", "cloudmap")})
	ecsCfg := ecs.Config{Region: region, AccountID: account, Store: st, CloudMap: e.CloudMap, Logger: log.With("role", "ecs")}
	if o.loadBalancers.IsValid() {
		e.ELBv2 = elbv2.New(elbv2.Config{Region: region, AccountID: account, Store: st, Addresses: o.loadBalancers, Logger: log.With("role", "elbv2")})
		ecsCfg.LoadBalancing = e.ELBv2
	}
	e.ECS = ecs.New(ecsCfg)
	e.Logs = logs.New(logs.Config{Region: region, AccountID: account, Store: st, Logger: log.With("role", "logs")})
	registrar := discovery.New(discovery.Config{CloudMap: e.CloudMap, Tasks: e.ECS, Region: region, Logger: log.With("role", "discovery")})
	var lifecycle agent.Lifecycle = registrar
	var reconciler ecs.Discovery = registrar
	if e.ELBv2 != nil {
		targets := loadbalancing.New(loadbalancing.Config{LoadBalancing: e.ELBv2, Tasks: e.ECS, Logger: log.With("role", "targets")})
		lifecycle = agent.Lifecycles{registrar, targets}
		reconciler = ecs.Discoveries{registrar, targets}
	}
	sched := ecs.NewScheduler(ecs.SchedulerConfig{Control: e.ECS, Discovery: reconciler, Logger: log.With("role", "scheduler")})
	var err error
	e.Driver, err = process.New(process.Config{StateDir: filepath.Join(dir, "runtime", "process"), Owner: owner(), TaskAddresses: o.taskAddresses, Logger: log.With("role", "agent")})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	ag := agent.New(agent.Config{Store: st, Driver: e.Driver, Logs: agent.CloudWatchLogs(e.Logs), Lifecycle: lifecycle, Logger: log.With("role", "agent")})

	mux := awsapi.NewMux(log.With("role", "api"))
	e.CloudMap.Register(mux)
	e.ECS.Register(mux)
	e.Logs.Register(mux)
	if e.ELBv2 != nil {
		e.ELBv2.Register(mux)
	}
	srv := awstest.Serve(t, mux)
	e.URL = srv.Endpoint
	e.AWS = awstest.Config(e.URL, "test", "test")

	srv.Go("cloudmap", e.CloudMap.Run)
	srv.Go("logs", e.Logs.Run)
	srv.Go("agent", ag.Run)
	srv.Go("scheduler", sched.Run)
	if e.ELBv2 != nil {
		srv.Go("elbv2", e.ELBv2.Run)
		srv.Go("load balancers", dataplane.New(dataplane.Config{Control: e.ELBv2, Logger: log.With("role", "load balancers")}).Run)
	}
	// Cleanups run last-in first-out: the task processes go after
	// everything else stopped, as servertest removes them after its server.
	t.Cleanup(func() {
		if err := e.Driver.RemoveAll(context.Background()); err != nil {
			t.Errorf("remove task processes: %v", err)
		}
	})
	t.Cleanup(func() {
		srv.Stop()
		st.Close()
	})
	readyCtx, readyCancel := context.WithTimeout(srv.Context(), 15*time.Second)
	defer readyCancel()
	if _, err := e.CloudMap.View().Next(readyCtx, -1); err != nil {
		t.Fatalf("cloud map not ready: %v", err)
	}
	if e.ELBv2 != nil {
		if _, err := e.ELBv2.View().Next(readyCtx, -1); err != nil {
			t.Fatalf("elbv2 not ready: %v", err)
		}
	}
	select {
	case <-ag.Ready():
	case <-readyCtx.Done():
		t.Fatal("agent not ready after 15s")
	}
	return e
}

// StoreRevision is the state's current revision: tests use it to show
// that a rejected request changed nothing.
func (e *Env) StoreRevision() int64 { return e.Store.Revision() }

// owner is a fresh runtime owner, so that no two tests' drivers claim each
// other's processes.
func owner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "portolan-" + hex.EncodeToString(b)
}
