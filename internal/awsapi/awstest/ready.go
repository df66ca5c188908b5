package awstest

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// StopOnce returns the harness's Stop: it stops s and then closes st (the
// store goes after the roles that write it), however often it is called.
// It is registered as a Cleanup too, so a test need not call it; one that
// does can reopen the store in the same test.
func (s *Server) StopOnce(st io.Closer) func() {
	var once sync.Once
	stop := func() {
		once.Do(func() {
			s.Stop()
			st.Close()
		})
	}
	s.t.Cleanup(stop)
	return stop
}

// WaitReady waits for v's first snapshot, so that a harness returns only
// once its service answers from current data. It fails the test when none
// comes within 15 seconds, or s stops first; what names the view.
func WaitReady[S any](t testing.TB, s *Server, what string, v *store.ViewReader[S]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.Context(), 15*time.Second)
	defer cancel()
	if _, err := v.Next(ctx, -1); err != nil {
		t.Fatalf("%s not ready: %v", what, err)
	}
}
