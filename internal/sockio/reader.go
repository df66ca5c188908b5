package sockio

import (
	"io"
	"net"
	"os"
	"syscall"
)

// Reader reads a net.Conn, with raw system calls where the package can
// (see the package comment), waiting for readiness in the netpoller; its
// read deadlines hold as the connection's do. A Reader is for one
// goroutine at a time, as a bufio.Reader over it is.
type Reader struct {
	nc  net.Conn
	raw syscall.RawConn // nil: read through nc

	// The current read, for readOnce: a method value made once (a
	// closure per read would allocate).
	readOnce func(fd uintptr) bool
	p        []byte
	n        int
	err      error
}

// NewReader returns a Reader of nc.
func NewReader(nc net.Conn) *Reader {
	r := &Reader{nc: nc}
	if sc, ok := nc.(syscall.Conn); ok && rawCalls {
		if raw, err := sc.SyscallConn(); err == nil {
			r.raw = raw
			r.readOnce = r.tryRead
		}
	}
	return r
}

// Read reads up to len(p) bytes, as net.Conn's Read does: it waits until
// some arrive, and a connection closed by its peer reads io.EOF.
func (r *Reader) Read(p []byte) (int, error) {
	if r.raw == nil || len(p) == 0 {
		return r.nc.Read(p)
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.raw.Read(r.readOnce)
	n, rerr := r.n, r.err
	r.p, r.err = nil, nil
	switch {
	case err != nil:
		return n, err
	case rerr != nil:
		return n, &net.OpError{Op: "read", Net: r.nc.LocalAddr().Network(), Source: r.nc.LocalAddr(), Addr: r.nc.RemoteAddr(), Err: os.NewSyscallError("read", rerr)}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// tryRead is the RawConn.Read callback: one read(2), done unless the
// socket had nothing yet.
func (r *Reader) tryRead(fd uintptr) bool {
	for {
		n, err := read(fd, r.p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.err = n, err
		return true
	}
}
