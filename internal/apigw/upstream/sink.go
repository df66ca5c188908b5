package upstream

import (
	"syscall"
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
}

func (s *sink) Write(p []byte) (int, error) {
	s.writes++
	if !s.armed {
		return s.c.nc.Write(p)
	}
	s.armed = false
	sent := 0
	var werr error
	started := false
	err := s.raw.Read(func(fd uintptr) bool {
		if started {
			return true // readable: the answer (or a close) is there
		}
		started = true
		for sent < len(p) {
			n, err := syscall.Write(int(fd), p[sent:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				werr = err
				return true
			}
			sent += n
		}
		return false // wait until readable
	})
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
