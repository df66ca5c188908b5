package httpserve

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/sockio"
)

// sink is where a connection's buffered writer sends answers. Armed (the
// last flush of an answer, no further request waiting in the read
// buffer), it sends the bytes and then waits for the connection to
// become readable before returning, so that reading the next request
// does not begin with a read that returns EAGAIN: Go's net.Conn reads
// first and waits only after, one wasted system call per request on a
// keep-alive connection.
//
// The wait goes through RawConn.Read, which forgets any readiness seen
// before it starts. A client that answers the answer (the usual client)
// sends after the bytes leave, so its request wakes the wait. A client
// that pipelined its next request while this one was being handled has
// already been seen ready, and the wait would sleep through it: the
// warden finds such a connection (idle a tick, bytes waiting) and kicks it
// awake with a read deadline in the past (see kick).
type sink struct {
	c     *conn
	raw   syscall.RawConn // nil: not a socket, never armed
	armed bool

	// The armed write's state, read by sendThenWait: a method value made
	// once (a closure per answer would allocate).
	wait    func(fd uintptr) bool
	p       []byte
	sent    int
	werr    error
	started bool
}

// Values of conn.wait: how an armed wait and the warden's kick meet.
const (
	waitNone    int32 = iota
	waitArmed         // the answer is sent; waiting for readability
	waitKicking       // the warden is setting the deadline
	waitKicked        // the deadline is set: clear it
)

func (s *sink) Write(p []byte) (int, error) {
	if !s.armed {
		return s.c.nc.Write(p)
	}
	s.armed = false
	c := s.c
	if s.wait == nil {
		s.wait = s.sendThenWait
	}
	s.p, s.sent, s.werr, s.started = p, 0, nil, false
	err := s.raw.Read(s.wait)
	sent, werr := s.sent, s.werr
	s.p, s.werr = nil, nil
	if !c.wait.CompareAndSwap(waitArmed, waitNone) && c.wait.Load() != waitNone {
		// Kicked: wait for the warden to finish setting the deadline,
		// then clear it. The wait ended for a reason.
		for c.wait.Load() != waitKicked {
			runtime.Gosched()
		}
		c.nc.SetReadDeadline(time.Time{})
		c.wait.Store(waitNone)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = nil
		}
	}
	switch {
	case werr == syscall.EAGAIN:
		// The client is slow to read: send the rest the ordinary way.
		n, err := c.nc.Write(p[sent:])
		return sent + n, err
	case werr != nil:
		return sent, werr
	}
	return sent, err
}

// sendThenWait is the RawConn.Read callback: called first, it sends the
// answer, marks the connection idle and asks to wait; called again, the
// connection is readable.
func (s *sink) sendThenWait(fd uintptr) bool {
	if s.started {
		return true // readable: a request (or the client's close)
	}
	s.started = true
	if s.sent, s.werr = sockio.WriteAll(fd, s.p); s.werr != nil {
		return true
	}
	// The answer is out: the connection is idle until the next request,
	// for the idle timeout and for shutdown.
	if !s.c.setState(stateIdle) {
		return true
	}
	s.c.wait.Store(waitArmed)
	return false
}

// kick wakes an armed wait that slept through bytes already there.
func (c *conn) kick() {
	if !c.wait.CompareAndSwap(waitArmed, waitKicking) {
		return
	}
	c.nc.SetReadDeadline(time.Unix(1, 0))
	c.wait.Store(waitKicked)
}
