package upstream

import (
	"syscall"

	"github.com/portolan/portolan/internal/sockio"
)

// sink is where a connection's buffered writer sends requests. Armed, it
// sends the whole request and then waits for the connection to become
// readable before returning, so that the first read of the answer finds
// it there: Go's net.Conn reads first and waits only on EAGAIN, which
// for a proxy (a request just sent, the answer microseconds away) is one
// wasted system call per request. Waiting through RawConn.Read is safe
// here because its readiness state is reset before the request leaves:
// whatever the backend answers arrives after, and wakes the wait.
type sink struct {
	c      *Conn
	raw    syscall.RawConn // nil: not a socket, never armed
	armed  bool            // the next Write is the whole request
	writes int             // Writes since the request began

	// The armed write's state, read by sendThenWait: a method value made
	// once (a closure per request would allocate).
	wait    func(fd uintptr) bool
	p       []byte
	sent    int
	werr    error
	started bool
}

func (s *sink) Write(p []byte) (int, error) {
	s.writes++
	if !s.armed {
		return s.c.nc.Write(p)
	}
	s.armed = false
	if s.wait == nil {
		s.wait = s.sendThenWait
	}
	s.p, s.sent, s.werr, s.started = p, 0, nil, false
	err := s.raw.Read(s.wait)
	sent, werr := s.sent, s.werr
	s.p, s.werr = nil, nil
	switch {
	case werr == syscall.EAGAIN:
		// The socket buffer is full (a large request): send the rest the
		// ordinary way, and read the ordinary way after.
		n, err := s.c.nc.Write(p[sent:])
		return sent + n, err
	case werr != nil:
		return sent, werr
	}
	return sent, err
}

// sendThenWait is the RawConn.Read callback: called first, it sends the
// request and asks to wait; called again, the connection is readable.
func (s *sink) sendThenWait(fd uintptr) bool {
	if s.started {
		return true // readable: the answer (or a close) is there
	}
	s.started = true
	if s.sent, s.werr = sockio.WriteAll(fd, s.p); s.werr != nil {
		return true
	}
	return false // wait until readable
}
