package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sock is one socket of the event loop: a client connection (peer is its
// upstream while a request is out) or an upstream connection (peer is
// the client it answers).
type sock struct {
	fd       int
	upstream bool
	in       []byte // read and not yet used
	peer     *sock
	ip       string // a client's address, for X-Forwarded-For
}

// loop is the event loop's state: every socket by descriptor, the idle
// upstream connections, and the buffer a forwarded head is built in.
type loop struct {
	ep      int
	backend string
	to      unix.Sockaddr
	socks   []*sock
	idle    []*sock
	out     []byte
}

// serveEpoll serves addr from one goroutine waiting in epoll_wait on
// every socket, level-triggered, as nginx's worker does; when nothing is
// ready it polls for up to spin before it sleeps.
func serveEpoll(addr, backend string, spin time.Duration) error {
	lfd, ep, to, err := setup(addr, backend)
	if err != nil {
		return err
	}
	l := &loop{backend: backend, to: to, ep: ep}
	events := make([]unix.EpollEvent, 128)
	for {
		// Collect what is ready without blocking first; only an empty
		// answer makes the (runtime-visible) blocking wait.
		n, errno := epollWait(l.ep, events, 0)
		if n == 0 && errno == 0 && spin > 0 {
			for until := time.Now().Add(spin); n == 0 && errno == 0 && time.Now().Before(until); {
				n, errno = epollWait(l.ep, events, 0)
			}
		}
		if n == 0 && errno == 0 {
			n, err = unix.EpollWait(l.ep, events, -1)
			errno = 0
			if err == unix.EINTR {
				continue
			} else if err != nil {
				return err
			}
		}
		if errno != 0 && errno != unix.EINTR {
			return errno
		}
		for _, ev := range events[:max(n, 0)] {
			if fd := int(ev.Fd); fd == lfd {
				l.accept(lfd)
			} else if s := l.socks[fd]; s != nil {
				l.readable(s)
			}
		}
	}
}

// setup listens on addr and makes an epoll instance watching the
// listener (level-triggered), for either loop model; to is the backend.
func setup(addr, backend string) (lfd, ep int, to unix.Sockaddr, err error) {
	if lfd, err = listen(addr); err != nil {
		return
	}
	ap, err := netip.ParseAddrPort(backend)
	if err != nil {
		return
	}
	to = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	if ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return
	}
	err = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lfd)})
	return
}

func listen(addr string) (int, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return -1, err
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return -1, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return -1, err
	}
	in := sa.(*unix.SockaddrInet4)
	fmt.Printf("ready %s floor\n", netip.AddrPortFrom(netip.AddrFrom4(in.Addr), uint16(in.Port)))
	return fd, nil
}

func (l *loop) watch(fd int) error {
	return unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
}

func (l *loop) add(s *sock) {
	for len(l.socks) <= s.fd {
		l.socks = append(l.socks, nil)
	}
	l.socks[s.fd] = s
}

func (l *loop) accept(lfd int) {
	for {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN: all taken
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		ip := ""
		if in, ok := sa.(*unix.SockaddrInet4); ok {
			ip = netip.AddrFrom4(in.Addr).String()
		}
		s := &sock{fd: fd, ip: ip, in: make([]byte, 0, 4<<10)}
		l.add(s)
		if l.watch(fd) != nil {
			l.close(s)
		}
	}
}

// readable reads what s has and acts on it: a client's complete head is
// forwarded, an upstream's complete answer is relayed.
func (l *loop) readable(s *sock) {
	if len(s.in) == cap(s.in) {
		s.in = append(s.in, 0)[:len(s.in)]
	}
	n, errno := recv(s.fd, s.in[len(s.in):cap(s.in)])
	switch {
	case errno == unix.EAGAIN || errno == unix.EINTR:
		return
	case errno != 0 || n == 0:
		l.close(s)
		return
	}
	s.in = s.in[:len(s.in)+n]
	if s.upstream {
		l.relay(s)
	} else {
		l.request(s)
	}
}

// request forwards the client's next head, if it has arrived whole and no
// request of its is out.
func (l *loop) request(c *sock) {
	end := bytes.Index(c.in, crlf2)
	if end < 0 || c.peer != nil {
		return
	}
	var ok bool
	if l.out, ok = forward(l.out[:0], c.in[:end+4], l.backend, c.ip); !ok {
		l.close(c)
		return
	}
	c.in = c.in[:copy(c.in, c.in[end+4:])]
	u := l.upstream()
	if u == nil || !sendAll(u.fd, l.out) {
		l.close(c)
		if u != nil {
			l.close(u)
		}
		return
	}
	u.peer, c.peer = c, u
}

// relay sends the upstream's answer to its client once it is whole, and
// puts the connection back in the pool.
func (l *loop) relay(u *sock) {
	total, err := answerLength(u.in)
	if err != nil || u.peer == nil || total > 0 && len(u.in) > total {
		l.close(u)
		return
	}
	if total == 0 || len(u.in) < total {
		return
	}
	c := u.peer
	u.peer, c.peer = nil, nil
	l.idle = append(l.idle, u)
	sent := sendAll(c.fd, u.in)
	u.in = u.in[:0]
	if !sent {
		l.close(c)
		return
	}
	l.request(c) // a pipelined request already read
}

// upstream is an idle upstream connection, or a new one.
func (l *loop) upstream() *sock {
	if n := len(l.idle); n > 0 {
		u := l.idle[n-1]
		l.idle = l.idle[:n-1]
		return u
	}
	fd, err := connect(l.to)
	if err != nil {
		return nil
	}
	u := &sock{fd: fd, upstream: true, in: make([]byte, 0, 4<<10)}
	l.add(u)
	if l.watch(fd) != nil {
		l.close(u)
		return nil
	}
	return u
}

// connect opens a non-blocking connection to the backend. The connect
// itself blocks: it happens once per pooled connection.
func connect(to unix.Sockaddr) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, to); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	return fd, nil
}

func (l *loop) close(s *sock) {
	if l.socks[s.fd] != s {
		return
	}
	l.socks[s.fd] = nil
	unix.Close(s.fd) // leaves the epoll set with its last descriptor
	if p := s.peer; p != nil {
		p.peer = nil
		l.close(p) // a request out on p, or an answer owed to it, is lost
	}
	for i, u := range l.idle {
		if u == s {
			l.idle = append(l.idle[:i], l.idle[i+1:]...)
			break
		}
	}
}

// epollWait, recv and send are raw system calls: the non-blocking ones
// need none of the runtime's bookkeeping for a call that may block.
func epollWait(ep int, events []unix.EpollEvent, msec int) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	return int(n), errno
}

func recv(fd int, p []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	return int(n), errno
}

// sendAll sends p whole; a socket too full to take it is outside a
// floor's case, and reported false as an error is.
func sendAll(fd int, p []byte) bool {
	n, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	return errno == 0 && int(n) == len(p)
}
