package awstest

import (
	"net/http"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/store"
)

type countingCloser struct{ n int }

func (c *countingCloser) Close() error { c.n++; return nil }

func TestStopOnce(t *testing.T) {
	s := Serve(t, http.NotFoundHandler())
	var st countingCloser
	stop := s.StopOnce(&st)
	stop()
	stop()
	if st.n != 1 {
		t.Errorf("store closed %d times, want once", st.n)
	}
	if s.Context().Err() == nil {
		t.Error("server context still live after stop")
	}
}

func TestWaitReady(t *testing.T) {
	s := Serve(t, http.NotFoundHandler())
	t.Cleanup(s.Stop)
	v := store.NewView[string](nil, "", nil, Logger())
	go func() {
		time.Sleep(10 * time.Millisecond)
		v.Publish("first", 1)
	}()
	WaitReady(t, s, "test view", v.Reader())
	if got := v.Reader().Snapshot(); got != "first" {
		t.Errorf("snapshot = %q after WaitReady, want first", got)
	}
}
