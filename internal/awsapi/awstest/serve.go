package awstest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/portolan/portolan/internal/store"
)

// OpenStore opens the state file (state.db) in dir, or in a new temp dir
// when dir is "". The harness closes it, after its roles stopped.
func OpenStore(t testing.TB, dir string, opts store.BoltOptions) *store.Bolt {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Server is a harness's AWS endpoint and the goroutines of the roles
// behind it. The harness registers Stop (with whatever it closes after)
// as a Cleanup where its order among the other cleanups is right.
type Server struct {
	// Endpoint is the AWS endpoint URL, http://localhost:PORT as a user
	// would configure it.
	Endpoint string

	t      testing.TB
	api    *httptest.Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Serve serves h (an awsapi.Mux) on a loopback port.
func Serve(t testing.TB, h http.Handler) *Server {
	s := &Server{t: t, api: httptest.NewServer(h)}
	_, port, _ := net.SplitHostPort(s.api.Listener.Addr().String())
	s.Endpoint = "http://localhost:" + port
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Context ends when Stop is called.
func (s *Server) Context() context.Context { return s.ctx }

// Go runs a role until Stop. An error it returns fails the test, unless
// it comes after Stop: roles report their context's end in their own ways.
func (s *Server) Go(name string, run func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := run(s.ctx); err != nil && s.ctx.Err() == nil {
			s.t.Errorf("%s: %v", name, err)
		}
	}()
}

// GoStrict is Go for a role that returns nil when stopped, so that any
// error, even at shutdown, fails the test.
func (s *Server) GoStrict(name string, run func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := run(s.ctx); err != nil {
			s.t.Errorf("%s: %v", name, err)
		}
	}()
}

// Stop closes the endpoint, then stops the roles and waits for them.
func (s *Server) Stop() {
	s.api.Close()
	s.cancel()
	s.wg.Wait()
}
