// Package ecrtest runs ECR for tests: a real bolt store in a temp dir, the
// API on a loopback listener, and the registry data plane on another, its
// blobs in a temp dir, as the server wires them.
package ecrtest

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr"
	"github.com/portolan/portolan/internal/ecr/registry"
	"github.com/portolan/portolan/internal/store"
)

// AccountID is the account every harness runs as.
const AccountID = "000000000000"

// Env is a running ECR with its registry.
type Env struct {
	Store    store.Store
	ECR      *ecr.Control
	Registry *registry.Registry
	// Endpoint is the AWS endpoint; RegistryAddr where the registry
	// listens (host:port, on loopback).
	Endpoint     string
	RegistryAddr string
	AWS          aws.Config
	// Stop ends the roles and closes the store (also at cleanup).
	Stop func()
}

// Start runs ECR and its registry for the duration of the test. dataDir
// holds the state and the blobs ("" for a new temp dir), so a test can
// stop and start again on the same data.
func Start(t testing.TB, dataDir string) *Env {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	st := awstest.OpenStore(t, dataDir, store.BoltOptions{})
	log := awstest.Logger()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	e := &Env{Store: st, RegistryAddr: ln.Addr().String()}
	e.ECR = ecr.New(ecr.Config{Region: awstest.Region, AccountID: AccountID, Store: st, RegistryHost: e.RegistryAddr, Logger: log})
	mux := awsapi.NewMux(log)
	e.ECR.Register(mux)
	srv := awstest.Serve(t, mux)
	e.Registry, err = registry.New(srv.Context(), registry.Config{Dir: filepath.Join(dataDir, "registry"), ECR: e.ECR, Logger: log})
	if err != nil {
		ln.Close()
		st.Close()
		t.Fatal(err)
	}
	e.Endpoint = srv.Endpoint
	e.AWS = awstest.Config(e.Endpoint, "test", "test")
	srv.Go("ecr", e.ECR.Run)
	srv.GoStrict("registry", func(ctx context.Context) error { return e.Registry.Serve(ctx, ln) })
	e.Stop = srv.StopOnce(st)
	awstest.WaitReady(t, srv, "ecr view", e.ECR.View())
	return e
}

// Client is an ECR client for the endpoint.
func (e *Env) Client() *awsecr.Client { return awsecr.NewFromConfig(e.AWS) }
