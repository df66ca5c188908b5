package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// gate is a role that is ready once its channel closes.
type gate chan struct{}

func (g gate) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (g gate) Ready(ctx context.Context) error {
	select {
	case <-g:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestHealthWaitsForEveryReadier: /_portolan/health answers 503 while any
// Readier role is not ready, 200 once all are; a role without the
// capability is ready as soon as it runs.
func TestHealthWaitsForEveryReadier(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	first, second := make(gate), make(gate)
	roles := []role{{"first", first}, {"plain", runFunc(func(ctx context.Context) error { return nil })}, {"second", second}}
	done := make(chan error, 1)
	go func() { done <- s.waitReady(context.Background(), roles) }()
	health := func() int {
		w := httptest.NewRecorder()
		s.health(w, httptest.NewRequest(http.MethodGet, "/_portolan/health", nil))
		return w.Code
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Fatalf("health before any role is ready: %d, want 503", code)
	}
	close(first)
	if code := health(); code != http.StatusServiceUnavailable {
		t.Fatalf("health with one role of two ready: %d, want 503", code)
	}
	close(second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusOK {
		t.Fatalf("health once every role is ready: %d, want 200", code)
	}
	if err := s.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestNotReadyWhenStopped: a process stopped before its roles are ready
// never reports ready.
func TestNotReadyWhenStopped(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.waitReady(ctx, []role{{"never", make(gate)}}); err != nil {
		t.Fatalf("waitReady: %v, want nil (a stopped process is not an error)", err)
	}
	if s.ready.Load() {
		t.Fatal("ready although a role never was")
	}
}
