// Package graceful serves HTTP until a context ends, then stops promptly:
// requests in flight may finish, connections that carry none are closed.
//
// http.Server.Shutdown closes idle keep-alive connections at once, but it
// leaves a connection that has not sent its first request alone until it
// is 5 seconds old, in case a request is on its way. Clients open such
// connections all the time (a pool dialing ahead, a connection that lost
// the race to a reused one), so a server with many clients would take 5 s
// to stop, and a shutdown deadline of 5 s would fail. Here those
// connections are closed first: a client that was about to use one sees
// it closed, as it would a moment later anyway.
package graceful

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Serve serves srv on ln until ctx ends, then shuts it down, giving
// requests in flight up to grace to finish before closing them. It
// returns nil after a shutdown, or why serving failed.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	var fresh conns
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		fresh.track(c, s)
		if prev != nil {
			prev(c, s)
		}
	}
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(shutdown) }()
		// Shutdown has closed the listener once it runs; a connection
		// accepted before that and still without a request is closed here.
		fresh.closeAll()
		err := <-done
		if err != nil {
			err = errors.Join(err, srv.Close())
		}
		stopped <- err
	}()
	err := srv.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-stopped; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// conns holds the connections that have not sent a request yet.
type conns struct {
	mu    sync.Mutex
	set   map[net.Conn]struct{}
	close bool // shutting down: close new ones at once
}

func (c *conns) track(conn net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		if c.close {
			conn.Close()
			return
		}
		if c.set == nil {
			c.set = map[net.Conn]struct{}{}
		}
		c.set[conn] = struct{}{}
	default:
		delete(c.set, conn)
	}
}

func (c *conns) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.close = true
	for conn := range c.set {
		conn.Close()
	}
	clear(c.set)
}
