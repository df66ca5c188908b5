package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync"
)

// serveGoroutines serves ln with a goroutine per client connection, each
// blocking in Read and Write as net/http's handlers do.
func serveGoroutines(addr, backend string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("ready %s floor\n", ln.Addr())
	pool := &upstreams{addr: backend}
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		go serveConn(nc, pool)
	}
}

// upstreams is the pool of idle keep-alive connections to the backend.
type upstreams struct {
	addr string
	mu   sync.Mutex
	idle []*upstream
}

type upstream struct {
	nc  net.Conn
	buf []byte
}

func (p *upstreams) get() (*upstream, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		u := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return u, nil
	}
	p.mu.Unlock()
	nc, err := net.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &upstream{nc: nc, buf: make([]byte, 0, 4<<10)}, nil
}

func (p *upstreams) put(u *upstream) {
	p.mu.Lock()
	p.idle = append(p.idle, u)
	p.mu.Unlock()
}

func serveConn(nc net.Conn, pool *upstreams) {
	defer nc.Close()
	ip, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	br := bufio.NewReaderSize(nc, 4<<10)
	var head, out []byte
	for {
		head = head[:0]
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			head = append(head, line...)
			if len(line) <= 2 {
				break
			}
		}
		var ok bool
		if out, ok = forward(out[:0], head, pool.addr, ip); !ok {
			return
		}
		u, err := pool.get()
		if err != nil {
			return
		}
		answer, err := u.exchange(out)
		if err != nil {
			u.nc.Close()
			return
		}
		_, err = nc.Write(answer)
		pool.put(u) // the answer was read whole: the connection is reusable
		if err != nil {
			return
		}
	}
}

// exchange sends req and reads the whole answer into u.buf.
func (u *upstream) exchange(req []byte) ([]byte, error) {
	if _, err := u.nc.Write(req); err != nil {
		return nil, err
	}
	u.buf = u.buf[:0]
	for {
		if len(u.buf) == cap(u.buf) {
			u.buf = append(u.buf, 0)[:len(u.buf)]
		}
		n, err := u.nc.Read(u.buf[len(u.buf):cap(u.buf)])
		u.buf = u.buf[:len(u.buf)+n]
		if err != nil {
			return nil, err
		}
		total, err := answerLength(u.buf)
		switch {
		case err != nil:
			return nil, err
		case total > 0 && len(u.buf) >= total:
			if len(u.buf) > total {
				return nil, io.ErrUnexpectedEOF // more than one answer: not ours
			}
			return u.buf, nil
		}
	}
}
