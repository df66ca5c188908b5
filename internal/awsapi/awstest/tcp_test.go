package awstest

import (
	"bufio"
	"io"
	"net"
	"testing"
)

func TestServeTCP(t *testing.T) {
	addr := ServeTCP(t, func(c net.Conn) {
		c.Write([]byte("hello\n"))
		io.Copy(c, c)
	})
	if !addr.Addr().IsLoopback() || addr.Port() == 0 {
		t.Fatalf("ServeTCP = %v, want a loopback address and port", addr)
	}
	// Each connection gets its own handler, and both are served at once.
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		r := bufio.NewReader(c)
		if got, err := r.ReadString('\n'); err != nil || got != "hello\n" {
			t.Fatalf("conn %d: greeting %q, %v; want hello", i, got, err)
		}
		if _, err := c.Write([]byte("ping\n")); err != nil {
			t.Fatal(err)
		}
		if got, err := r.ReadString('\n'); err != nil || got != "ping\n" {
			t.Fatalf("conn %d: echo %q, %v; want ping", i, got, err)
		}
	}
}
