//go:build linux

package evloop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// serve starts a two-loop group serving ln with handler, stopped at the
// test's end.
func serve(t *testing.T, handler func(*Task, *Conn)) string {
	t.Helper()
	g, err := NewGroup(2)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Listen(ln, handler); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); g.Stop() })
	return ln.Addr().String()
}

// echo answers each line with the line, upper-cased marker first.
func echo(_ *Task, c *Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(append([]byte("echo "), line...)); err != nil {
			return
		}
	}
}

// TestEcho: many connections, many requests each, spread over two loops,
// each answered in order.
func TestEcho(t *testing.T) {
	addr := serve(t, echo)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			br := bufio.NewReader(nc)
			for j := range 200 {
				msg := fmt.Sprintf("conn %d message %d\n", i, j)
				if _, err := nc.Write([]byte(msg)); err != nil {
					errs <- err
					return
				}
				got, err := br.ReadString('\n')
				if err != nil || got != "echo "+msg {
					errs <- fmt.Errorf("got %q, %v; want echo %q", got, err, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLargeWrite: an answer far larger than the socket buffers goes out
// whole to a client that reads slowly (the writes wait for EPOLLOUT),
// while another connection on the loops is answered meanwhile.
func TestLargeWrite(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	addr := serve(t, func(task *Task, c *Conn) {
		defer c.Close()
		var b [1]byte
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return
		}
		if b[0] == 'L' {
			c.Write(payload)
			return
		}
		c.Write([]byte("small"))
	})
	big, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	big.Write([]byte("L"))
	time.Sleep(20 * time.Millisecond) // let the server fill the buffers
	small, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	small.Write([]byte("s"))
	got, err := io.ReadAll(small)
	if err != nil || string(got) != "small" {
		t.Fatalf("small answer %q, %v while the large one waits", got, err)
	}
	all, err := io.ReadAll(big)
	if err != nil || !bytes.Equal(all, payload) {
		t.Fatalf("large answer: %d bytes, %v; want %d", len(all), err, len(payload))
	}
}

// TestReadDeadline: a read past its deadline ends with
// os.ErrDeadlineExceeded, and the connection still works after.
func TestReadDeadline(t *testing.T) {
	result := make(chan error, 1)
	addr := serve(t, func(_ *Task, c *Conn) {
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		var b [8]byte
		_, err := c.Read(b[:])
		result <- err
		c.SetReadDeadline(time.Time{})
		n, err := c.Read(b[:])
		if err == nil {
			c.Write(b[:n])
		}
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := <-result; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past deadline: %v", err)
	}
	nc.Write([]byte("after"))
	got, _ := io.ReadAll(nc)
	if string(got) != "after" {
		t.Fatalf("after the deadline: %q", got)
	}
}

// TestCloseFromAnotherGoroutine: closing a connection whose task waits
// in a read wakes the read with net.ErrClosed, and the client sees the
// connection end.
func TestCloseFromAnotherGoroutine(t *testing.T) {
	conns := make(chan *Conn, 1)
	result := make(chan error, 1)
	addr := serve(t, func(_ *Task, c *Conn) {
		conns <- c
		var b [8]byte
		_, err := c.Read(b[:])
		result <- err
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := <-conns
	time.Sleep(10 * time.Millisecond) // the read is waiting
	c.Close()
	if err := <-result; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read of a closed connection: %v", err)
	}
	if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read %d, %v; want EOF", n, err)
	}
}

// TestDial: a task dials a backend through its loop and relays its
// answer, and a dial to a closed port fails cleanly.
func TestDial(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	go func() {
		for {
			nc, err := backend.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				b, _ := bufio.NewReader(nc).ReadString('\n')
				nc.Write([]byte("backend saw " + b))
			}()
		}
	}()
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	addr := serve(t, func(task *Task, c *Conn) {
		defer c.Close()
		if _, err := task.Dial(context.Background(), deadAddr, time.Now().Add(time.Second)); err == nil {
			c.Write([]byte("dialled a closed port\n"))
			return
		}
		up, err := task.Dial(context.Background(), backend.Addr().String(), time.Now().Add(time.Second))
		if err != nil {
			c.Write([]byte(err.Error()))
			return
		}
		defer up.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		up.Write([]byte(line))
		answer, _ := io.ReadAll(up)
		c.Write(answer)
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte("hello\n"))
	got, _ := io.ReadAll(nc)
	if string(got) != "backend saw hello\n" {
		t.Fatalf("got %q", got)
	}
}

// TestBlock: a task waiting in Block holds up neither its loop's other
// tasks nor, on a single loop, anything else; a panic in the blocked
// function reaches the task.
func TestBlock(t *testing.T) {
	release := make(chan struct{})
	g, err := NewGroup(1)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Stop()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	g.Listen(ln, func(task *Task, c *Conn) {
		defer c.Close()
		var b [1]byte
		if _, err := c.Read(b[:]); err != nil {
			return
		}
		ctx := WithTask(context.Background(), task)
		switch b[0] {
		case 'b':
			Block(ctx, func() { <-release })
			c.Write([]byte("released"))
		case 'p':
			func() {
				defer func() { c.Write([]byte(fmt.Sprint(recover()))) }()
				Block(ctx, func() { panic("boom") })
			}()
		default:
			c.Write([]byte("quick"))
		}
	})
	blocked, _ := net.Dial("tcp", ln.Addr().String())
	defer blocked.Close()
	blocked.Write([]byte("b"))
	for _, req := range []struct{ send, want string }{{"q", "quick"}, {"p", "boom"}} {
		nc, _ := net.Dial("tcp", ln.Addr().String())
		nc.Write([]byte(req.send))
		got, _ := io.ReadAll(nc)
		nc.Close()
		if string(got) != req.want {
			t.Fatalf("%s while another task blocks: %q", req.send, got)
		}
	}
	close(release)
	got, _ := io.ReadAll(blocked)
	if string(got) != "released" {
		t.Fatalf("blocked task: %q", got)
	}
}

// TestDetach: a detached connection is an ordinary net.Conn, with what
// it carries intact, usable from any goroutine.
func TestDetach(t *testing.T) {
	addr := serve(t, func(_ *Task, c *Conn) {
		nc, err := c.Detach()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			io.Copy(nc, nc)
		}()
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte("through the netpoller"))
	got := make([]byte, len("through the netpoller"))
	if _, err := io.ReadFull(nc, got); err != nil || string(got) != "through the netpoller" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestLastBytesWithTheClose: a peer's last bytes and its close, reported
// in one event, both reach the reader: the bytes, then the end of the
// stream (the socket stays readable once its peer has closed).
func TestLastBytesWithTheClose(t *testing.T) {
	result := make(chan string, 1)
	addr := serve(t, func(task *Task, c *Conn) {
		defer c.Close()
		// Both have arrived before the first read.
		Block(WithTask(context.Background(), task), func() { time.Sleep(50 * time.Millisecond) })
		c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a hang fails, not stalls, the test
		b, err := io.ReadAll(c)
		result <- fmt.Sprintf("%q %v", b, err)
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.Write([]byte("last"))
	nc.Close()
	if got := <-result; got != `"last" <nil>` {
		t.Fatalf("read %s; want the bytes, then the end", got)
	}
}
