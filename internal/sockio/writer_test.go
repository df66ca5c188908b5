package sockio_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/sockio"
)

// TestWriterWaitsForRoom: a write far larger than the socket buffers
// waits while the peer is slow to read, and every byte arrives in order.
func TestWriterWaitsForRoom(t *testing.T) {
	conn, peer := pair(t)
	want := make([]byte, 16<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // the writer has filled the buffers by then
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	n, err := sockio.NewWriter(conn).Write(want)
	if n != len(want) || err != nil {
		t.Fatalf("wrote %d, %v; want %d, nil", n, err, len(want))
	}
	conn.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("the peer read %d bytes, not the %d written", len(b), len(want))
	}
}

// TestWriterDeadline: the connection's write deadline ends a wait for
// room with the error net.Conn gives, and the count of what went out.
func TestWriterDeadline(t *testing.T) {
	conn, _ := pair(t) // the peer never reads
	conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	p := make([]byte, 64<<20)
	n, err := sockio.NewWriter(conn).Write(p)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("write past the deadline: %v, want a timeout", err)
	}
	if n <= 0 || n >= len(p) {
		t.Fatalf("wrote %d of %d bytes; want what the buffers took", n, len(p))
	}
}

// TestWriterReset: writing to a connection its peer reset fails with
// ECONNRESET or EPIPE, in a *net.OpError as net.Conn's are.
func TestWriterReset(t *testing.T) {
	conn, peer := pair(t)
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close() // an RST, not a FIN
	time.Sleep(20 * time.Millisecond)
	w := sockio.NewWriter(conn)
	var err error
	for range 3 { // the first write may go out before the reset is seen
		if _, err = w.Write([]byte("after the reset")); err != nil {
			break
		}
	}
	var op *net.OpError
	if !(errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) || !errors.As(err, &op) || op.Op != "write" {
		t.Fatalf("write after a reset: %#v, want a write OpError for ECONNRESET or EPIPE", err)
	}
}

// TestWriterNotASocket: a net.Conn that is no socket is written through
// its own Write.
func TestWriterNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	go func() { sockio.NewWriter(a).Write([]byte("hi")); a.Close() }()
	got, err := io.ReadAll(b)
	if string(got) != "hi" || err != nil {
		t.Fatalf("read %q, %v", got, err)
	}
}
