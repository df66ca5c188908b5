package graceful

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServeStops: once the context ends, a connection that never sent a
// request is closed at once (net/http alone would keep it for 5 s), while
// a request in flight still gets its whole answer, and Serve returns nil.
func TestServeStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, time.Minute) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-entered
	fresh, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	// Let the server see the new connection before stopping.
	time.Sleep(50 * time.Millisecond)
	cancel()

	// Well under net/http's 5 s: the connection is closed by Serve.
	fresh.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := fresh.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("fresh connection still open after the stop: read %d, %v", n, err)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	default:
	}
	close(release)
	if got := <-answer; got != "finished" {
		t.Fatalf("request in flight answered %q", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
