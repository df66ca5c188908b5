package sockio_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/sockio"
)

// pair is a connected loopback TCP pair: the end under test and its peer.
func pair(t *testing.T) (conn, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	conn, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer = <-accepted
	t.Cleanup(func() { conn.Close(); peer.Close() })
	return conn, peer
}

// TestReaderWaitsThenReadsToEOF: a read waits for the peer's bytes, reads
// what came, and reads io.EOF once the peer has closed, as net.Conn does.
func TestReaderWaitsThenReadsToEOF(t *testing.T) {
	conn, peer := pair(t)
	go func() {
		time.Sleep(50 * time.Millisecond) // the reader is waiting by then
		peer.Write([]byte("GET / HTTP/1.1\r\n"))
		time.Sleep(20 * time.Millisecond)
		peer.Write([]byte("Host: a\r\n\r\n"))
		peer.Close()
	}()
	br := bufio.NewReader(sockio.NewReader(conn))
	for _, want := range []string{"GET / HTTP/1.1\r\n", "Host: a\r\n", "\r\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("read %q, %v; want %q", line, err, want)
		}
	}
	if n, err := br.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("after the peer closed: %d, %v; want 0, io.EOF", n, err)
	}
}

// TestReaderDeadline: the connection's read deadline ends a wait with the
// error net.Conn gives.
func TestReaderDeadline(t *testing.T) {
	conn, _ := pair(t)
	conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := sockio.NewReader(conn).Read(make([]byte, 8))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
}

// TestReaderReset: a connection reset by its peer reads ECONNRESET, in a
// *net.OpError as net.Conn's are.
func TestReaderReset(t *testing.T) {
	conn, peer := pair(t)
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // an RST, not a FIN
	time.Sleep(20 * time.Millisecond)
	_, err := sockio.NewReader(conn).Read(make([]byte, 8))
	var op *net.OpError
	if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &op) || op.Op != "read" {
		t.Fatalf("read after a reset: %#v, want a read OpError for ECONNRESET", err)
	}
}

// TestReaderNotASocket: a net.Conn that is no socket is read through its
// own Read.
func TestReaderNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	go func() { b.Write([]byte("hi")); b.Close() }()
	got, err := io.ReadAll(sockio.NewReader(a))
	if string(got) != "hi" || err != nil {
		t.Fatalf("read %q, %v", got, err)
	}
}

// rawOf is conn's RawConn.
func rawOf(t *testing.T, conn net.Conn) syscall.RawConn {
	t.Helper()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestWriteAll: WriteAll sends the whole of p through the socket's
// descriptor, and Write of nothing writes nothing.
func TestWriteAll(t *testing.T) {
	conn, peer := pair(t)
	var n int
	var werr error
	if err := rawOf(t, conn).Write(func(fd uintptr) bool {
		n, werr = sockio.WriteAll(fd, []byte("answer"))
		return !errors.Is(werr, syscall.EAGAIN)
	}); err != nil {
		t.Fatal(err)
	}
	if werr != nil || n != 6 {
		t.Fatalf("WriteAll = %d, %v", n, werr)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "answer" {
		t.Fatalf("the peer read %q, %v", got, err)
	}
	if n, err := sockio.Write(0, nil); n != 0 || err != nil {
		t.Fatalf("Write of nothing = %d, %v", n, err)
	}
}

// TestWriteAllFull: to a peer that does not read, WriteAll sends what
// the socket takes and stops at EAGAIN, saying how much went out.
func TestWriteAllFull(t *testing.T) {
	conn, peer := pair(t)
	big := make([]byte, 64<<20)
	var n int
	var werr error
	rawOf(t, conn).Control(func(fd uintptr) { n, werr = sockio.WriteAll(fd, big) })
	if !errors.Is(werr, syscall.EAGAIN) || n <= 0 || n >= len(big) {
		t.Fatalf("WriteAll of 64 MB to a peer that does not read = %d, %v; want part of it and EAGAIN", n, werr)
	}
	got, err := io.ReadFull(peer, make([]byte, n))
	if err != nil || got != n {
		t.Fatalf("the peer read %d of the %d sent: %v", got, n, err)
	}
}

// TestPeek: Peek sees waiting bytes without taking them, and says EAGAIN
// when none wait.
func TestPeek(t *testing.T) {
	conn, peer := pair(t)
	raw := rawOf(t, conn)
	peek := func() (n int, err error) {
		raw.Control(func(fd uintptr) { n, err = sockio.Peek(fd, make([]byte, 4)) })
		return n, err
	}
	if _, err := peek(); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("peek with nothing waiting: %v, want EAGAIN", err)
	}
	peer.Write([]byte("ping"))
	time.Sleep(20 * time.Millisecond)
	if n, err := peek(); n != 4 || err != nil {
		t.Fatalf("peek = %d, %v", n, err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(sockio.NewReader(conn), got); err != nil || string(got) != "ping" {
		t.Fatalf("after the peek, read %q, %v", got, err)
	}
}
