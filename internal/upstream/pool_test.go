package upstream

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// Reap closes the connections idle for longer than MaxIdleTime and keeps
// the others in order; Drop empties the pool and closes what comes back.
func TestReapAndDrop(t *testing.T) {
	u := New(new(atomic.Int64))
	u.MaxIdleTime = 2 * time.Second
	p := u.Pool("192.0.2.1:80")
	base := time.Unix(1000, 0)
	var conns []net.Conn
	for i := range 5 {
		a, b := net.Pipe()
		defer b.Close()
		conns = append(conns, a)
		p.put(&Conn{nc: a}, base.Add(time.Duration(i)*time.Second))
	}
	u.Reap(base.Add(2500 * time.Millisecond)) // idle since 0 s: closed
	if len(p.idle) != 4 || p.idle[0].nc != conns[1] {
		t.Fatalf("kept %d connections, want the four newest in order", len(p.idle))
	}
	u.Reap(base.Add(4500 * time.Millisecond)) // idle since 1 and 2 s: closed
	if len(p.idle) != 2 || p.idle[0].nc != conns[3] || p.idle[1].nc != conns[4] {
		t.Fatalf("kept %d connections, want the two newest in order", len(p.idle))
	}
	for i, c := range conns {
		c.SetWriteDeadline(time.Now()) // an open pipe's write would wait for a reader
		_, err := c.Write([]byte{0})
		if closed := errors.Is(err, io.ErrClosedPipe); closed != (i < 3) {
			t.Errorf("connection %d: closed %v", i, closed)
		}
	}
	u.Drop("192.0.2.1:80")
	if len(p.idle) != 0 {
		t.Fatalf("a dropped pool kept %d connections", len(p.idle))
	}
	a, b := net.Pipe()
	defer b.Close()
	p.put(&Conn{nc: a}, base) // a request in flight when Drop was called ends
	if len(p.idle) != 0 {
		t.Fatalf("a dropped pool took back a connection")
	}
	if _, err := a.Write([]byte{0}); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("a connection given back to a dropped pool is open: %v", err)
	}
	if u.Pool("192.0.2.1:80") == p {
		t.Fatal("the dropped pool was handed out again")
	}
}
