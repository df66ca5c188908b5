package proxy

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// sink is a target that reads and discards everything, then says how
// much it read by closing.
func startSink(b *testing.B) netip.AddrPort {
	return awstest.ServeTCP(b, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// BenchmarkThroughput is bytes through one connection: direct to the
// target, then through the proxy.
func BenchmarkThroughput(b *testing.B) {
	sink := startSink(b)
	addr := freeAddr(b, "127.0.110.20")
	p := startProxy(b)
	if err := p.Update(snapshot(addr, 0, Target{Key: "sink", Address: sink, State: StateHealthy})); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		to   netip.AddrPort
	}{{"direct", sink}, {"proxied", addr}} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(bc.to))
			if err != nil {
				b.Fatal(err)
			}
			chunk := make([]byte, 256<<10)
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			// Done when the sink has read everything and closed.
			_ = c.CloseWrite()
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			_, _ = c.Read(make([]byte, 1))
			b.StopTimer()
			c.Close()
		})
	}
}

// BenchmarkConnection is one short connection (connect, greeting, close)
// per op: direct to the target, then through the proxy. The allocations
// of both count the client and target too (they share the process); the
// difference is the proxy's.
func BenchmarkConnection(b *testing.B) {
	a := startTarget(b, "a")
	addr := freeAddr(b, "127.0.110.21")
	p := startProxy(b)
	if err := p.Update(snapshot(addr, 0, tgt(a, StateHealthy))); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		to   netip.AddrPort
	}{{"direct", a.addr}, {"proxied", addr}} {
		b.Run(bc.name, func(b *testing.B) {
			greeting := make([]byte, 2)
			b.ReportAllocs()
			for range b.N {
				c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(bc.to))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, greeting); err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}

// BenchmarkExchange is one small request and its echo over a kept-alive
// connection per op (what a gateway's pooled connection to an NLB does):
// direct to the target, then through the proxy. The proxy's share is the
// difference. cpu-ns/op is the whole process's (client and target too).
func BenchmarkExchange(b *testing.B) {
	a := startTarget(b, "a")
	addr := freeAddr(b, "127.0.110.22")
	p := startProxy(b)
	if err := p.Update(snapshot(addr, 0, tgt(a, StateHealthy))); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		to   netip.AddrPort
	}{{"direct", a.addr}, {"proxied", addr}} {
		b.Run(bc.name, func(b *testing.B) {
			c, r, name := connect(b, bc.to)
			if name != "a" {
				b.Fatalf("greeted by %q", name)
			}
			_ = c.SetReadDeadline(time.Time{})
			msg := make([]byte, 200)
			got := make([]byte, len(msg))
			b.ReportAllocs()
			before := cpuTime()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(r, got); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu := cpuTime() - before
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			c.Close()
		})
	}
}
