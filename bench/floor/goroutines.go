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
	nc net.Conn
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
	return &upstream{nc: nc}, nil
}

func (p *upstreams) put(u *upstream) {
	p.mu.Lock()
	p.idle = append(p.idle, u)
	p.mu.Unlock()
}

func serveConn(nc net.Conn, pool *upstreams) {
	defer nc.Close()
	ip, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	proxyConn(nc, ip, pool.addr, func() (io.ReadWriter, error) {
		u, err := pool.get()
		if err != nil {
			return nil, err
		}
		return u, nil
	}, func(rw io.ReadWriter, reusable bool) {
		if u := rw.(*upstream); reusable {
			pool.put(u)
		} else {
			u.nc.Close()
		}
	})
}

func (u *upstream) Read(p []byte) (int, error)  { return u.nc.Read(p) }
func (u *upstream) Write(p []byte) (int, error) { return u.nc.Write(p) }

// proxyConn is a floor's client connection written as blocking code (the
// goroutine model runs it on a goroutine, the coroutine model as a
// coroutine): read a head, forward it on an upstream connection from get,
// read the whole answer, hand the connection back to put and relay the
// answer, until the client or an upstream fails.
func proxyConn(client io.ReadWriter, ip, backend string, get func() (io.ReadWriter, error), put func(rw io.ReadWriter, reusable bool)) {
	br := bufio.NewReaderSize(client, 4<<10)
	var head, out []byte
	answer := make([]byte, 0, 4<<10)
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
		if out, ok = forward(out[:0], head, backend, ip); !ok {
			return
		}
		up, err := get()
		if err != nil {
			return
		}
		if answer, err = exchange(up, out, answer[:0]); err != nil {
			put(up, false)
			return
		}
		put(up, true) // the answer was read whole: the connection is reusable
		if _, err := client.Write(answer); err != nil {
			return
		}
	}
}

// exchange sends req and reads the whole answer into buf.
func exchange(up io.ReadWriter, req, buf []byte) ([]byte, error) {
	if _, err := up.Write(req); err != nil {
		return nil, err
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := up.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, err
		}
		total, err := answerLength(buf)
		switch {
		case err != nil:
			return nil, err
		case total > 0 && len(buf) >= total:
			if len(buf) > total {
				return nil, io.ErrUnexpectedEOF // more than one answer: not ours
			}
			return buf, nil
		}
	}
}
