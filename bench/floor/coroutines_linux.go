package main

import (
	"io"
	"iter"
	"net/netip"

	"golang.org/x/sys/unix"
)

// coLoop is the coroutine model: one goroutine waits in epoll_wait on
// every socket, as the epoll model does, but each client connection's
// work is written as blocking code (the goroutine model's serveConn)
// running in a coroutine (iter.Pull) that hands control back to the loop
// whenever a socket has nothing to read, and is resumed when it has.
type coLoop struct {
	ep      int
	backend string
	to      unix.Sockaddr
	socks   []*coSock
	idle    []*coSock
}

// coSock is a non-blocking socket of the loop and the coroutine waiting
// for it to become readable, if any.
type coSock struct {
	l      *coLoop
	fd     int
	waiter *coro
	// ready is set when the socket may have bytes: new, an edge seen
	// while no coroutine waited, a read that filled its buffer. A read
	// waits first when it is clear, instead of making a system call
	// that would find nothing.
	ready bool
}

type coro struct {
	resume func() (struct{}, bool)
	yield  func(struct{}) bool
}

func serveCoroutines(addr, backend string) error {
	lfd, ep, to, err := setup(addr, backend)
	if err != nil {
		return err
	}
	l := &coLoop{backend: backend, to: to, ep: ep}
	events := make([]unix.EpollEvent, 128)
	for {
		n, errno := epollWait(l.ep, events, 0)
		if n == 0 && errno == 0 {
			n, err = unix.EpollWait(l.ep, events, -1)
			if err == unix.EINTR {
				continue
			} else if err != nil {
				return err
			}
		}
		for _, ev := range events[:max(n, 0)] {
			fd := int(ev.Fd)
			if fd == lfd {
				l.accept(lfd)
				continue
			}
			if s := l.socks[fd]; s != nil {
				s.ready = true
				if co := s.waiter; co != nil {
					s.waiter = nil
					co.resume()
				}
			}
		}
	}
}

func (l *coLoop) add(fd int) (*coSock, error) {
	for len(l.socks) <= fd {
		l.socks = append(l.socks, nil)
	}
	s := &coSock{l: l, fd: fd, ready: true}
	l.socks[fd] = s
	// Edge-triggered: a socket is read until it would block before its
	// coroutine waits, so every later arrival is an edge.
	return s, unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)})
}

func (l *coLoop) close(s *coSock) {
	l.socks[s.fd] = nil
	unix.Close(s.fd)
}

func (l *coLoop) accept(lfd int) {
	for {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		ip := ""
		if in, ok := sa.(*unix.SockaddrInet4); ok {
			ip = netip.AddrFrom4(in.Addr).String()
		}
		s, err := l.add(fd)
		if err != nil {
			l.close(s)
			continue
		}
		co := &coro{}
		co.resume, _ = iter.Pull(func(yield func(struct{}) bool) {
			co.yield = yield
			l.serveConn(co, s, ip)
		})
		co.resume()
	}
}

// coIO is a socket as an io.ReadWriter for its coroutine.
type coIO struct {
	s  *coSock
	co *coro
}

func (c coIO) Read(p []byte) (int, error) {
	for {
		if !c.s.ready {
			c.s.waiter = c.co
			c.co.yield(struct{}{})
		}
		n, errno := recv(c.s.fd, p)
		c.s.ready = n == len(p)
		switch {
		case errno == unix.EAGAIN:
		case errno == unix.EINTR:
		case errno != 0:
			return 0, errno
		case n == 0:
			return 0, errFramed
		default:
			return n, nil
		}
	}
}

func (c coIO) Write(p []byte) (int, error) {
	if !sendAll(c.s.fd, p) {
		return 0, errFramed
	}
	return len(p), nil
}

func (l *coLoop) serveConn(co *coro, s *coSock, ip string) {
	defer l.close(s)
	proxyConn(coIO{s, co}, ip, l.backend, func() (io.ReadWriter, error) {
		u := l.upstream()
		if u == nil {
			return nil, errFramed
		}
		return coIO{u, co}, nil
	}, func(rw io.ReadWriter, reusable bool) {
		if u := rw.(coIO).s; reusable {
			l.idle = append(l.idle, u)
		} else {
			l.close(u)
		}
	})
}

func (l *coLoop) upstream() *coSock {
	if n := len(l.idle); n > 0 {
		u := l.idle[n-1]
		l.idle = l.idle[:n-1]
		return u
	}
	fd, err := connect(l.to)
	if err != nil {
		return nil
	}
	u, err := l.add(fd)
	if err != nil {
		l.close(u)
		return nil
	}
	return u
}
