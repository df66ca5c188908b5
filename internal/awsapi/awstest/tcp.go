package awstest

import (
	"net"
	"net/netip"
	"testing"
)

// ServeTCP listens on a loopback port for the duration of the test and
// runs handle for each connection, in a goroutine of its own, closing the
// connection when handle returns. It stands in for a target behind a load
// balancer or a gateway, whose behaviour is all in handle.
func ServeTCP(t testing.TB, handle func(net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}
