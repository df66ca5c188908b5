package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Each test listens on its own loopback address, outside the range the
// elbv2 control plane hands out (127.0.100.0/22), so tests of both can
// run at once.
func freeAddr(t testing.TB, ip string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// target is a test target: it greets each connection with its name, then
// echoes what it reads.
type target struct {
	name  string
	addr  netip.AddrPort
	conns atomic.Int64
}

func startTarget(t testing.TB, name string) *target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{name: name, addr: netip.MustParseAddrPort(ln.Addr().String())}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tg.conns.Add(1)
			go func() {
				defer c.Close()
				if _, err := io.WriteString(c, name+"\n"); err != nil {
					return
				}
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return tg
}

func startProxy(t testing.TB) *Proxy {
	t.Helper()
	p := New(Config{DialTimeout: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return p
}

func snapshot(addr netip.AddrPort, delay time.Duration, targets ...Target) *Snapshot {
	return &Snapshot{Listeners: []Listener{{
		Address: addr, Protocol: "TCP",
		TargetGroups: []TargetGroup{{ID: "tg-1", DeregistrationDelay: delay, Targets: targets}},
	}}}
}

func tgt(tg *target, state TargetState) Target {
	return Target{Key: tg.addr.String(), Address: tg.addr, State: state}
}

// connect opens a connection through the proxy and returns it with the
// name of the target that greeted it ("" when the proxy reset it, which on
// loopback can be before the dial has returned: then the conn is nil).
func connect(t testing.TB, addr netip.AddrPort) (*net.TCPConn, *bufio.Reader, string) {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, nil, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	name, err := r.ReadString('\n')
	if err != nil {
		return c, r, ""
	}
	return c, r, strings.TrimSuffix(name, "\n")
}

// spread opens n connections and counts which target answered each.
func spread(t *testing.T, addr netip.AddrPort, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		c, _, name := connect(t, addr)
		got[name]++
		if c != nil {
			c.Close()
		}
	}
	return got
}

func TestConnectionsSpreadAcrossTargets(t *testing.T) {
	a, b := startTarget(t, "a"), startTarget(t, "b")
	addr := freeAddr(t, "127.0.110.1")
	p := startProxy(t)
	if err := p.Update(snapshot(addr, 0, tgt(a, StateHealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	got := spread(t, addr, 60)
	if got["a"] < 10 || got["b"] < 10 || got["a"]+got["b"] != 60 {
		t.Errorf("connections per target = %v, want both used", got)
	}
}

func TestTargetChoiceFollowsHealth(t *testing.T) {
	a, b, c := startTarget(t, "a"), startTarget(t, "b"), startTarget(t, "c")
	tests := []struct {
		name   string
		states [3]TargetState
		want   map[string]bool // the targets that must get connections; the others must not
	}{
		{"only healthy targets", [3]TargetState{StateHealthy, StateUnhealthy, StateInitial}, map[string]bool{"a": true}},
		{"two healthy", [3]TargetState{StateHealthy, StateHealthy, StateDraining}, map[string]bool{"a": true, "b": true}},
		{"fails open to unhealthy and initial, never draining", [3]TargetState{StateUnhealthy, StateInitial, StateDraining}, map[string]bool{"a": true, "b": true}},
		{"initial only when none is healthy", [3]TargetState{StateInitial, StateInitial, StateHealthy}, map[string]bool{"c": true}},
		{"only draining: connections reset", [3]TargetState{StateDraining, StateDraining, StateDraining}, map[string]bool{"": true}},
	}
	addr := freeAddr(t, "127.0.110.2")
	p := startProxy(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Update(snapshot(addr, time.Minute, tgt(a, tt.states[0]), tgt(b, tt.states[1]), tgt(c, tt.states[2])))
			if err != nil {
				t.Fatal(err)
			}
			got := spread(t, addr, 40)
			for name := range tt.want {
				if got[name] == 0 {
					t.Errorf("connections per target = %v, want %q used", got, name)
				}
			}
			for name := range got {
				if !tt.want[name] {
					t.Errorf("connections per target = %v, want %q unused", got, name)
				}
			}
		})
	}
}

func TestEmptyTargetGroupResetsConnections(t *testing.T) {
	addr := freeAddr(t, "127.0.110.3")
	p := startProxy(t)
	if err := p.Update(snapshot(addr, 0)); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
	if err == nil {
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
	}
	// On loopback the reset can come before the dial has returned.
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("connection with no target: %v, want a reset", err)
	}
}

func TestRefusingTargetResetsTheClient(t *testing.T) {
	closed := freeAddr(t, "127.0.0.1") // nothing listens there
	healthy := startTarget(t, "b")
	addr := freeAddr(t, "127.0.110.4")
	p := startProxy(t)
	refusing := Target{Key: "refusing", Address: closed, State: StateHealthy}
	if err := p.Update(snapshot(addr, 0, refusing, tgt(healthy, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	got := spread(t, addr, 40)
	// No retry on the other target: the flows hashed to the refusing one fail.
	if got[""] == 0 || got["b"] == 0 {
		t.Errorf("connections per target = %v, want some refused and some to b", got)
	}
	if int(healthy.conns.Load()) != got["b"] {
		t.Errorf("target b saw %d connections, clients %d: a refused flow was retried", healthy.conns.Load(), got["b"])
	}
}

func TestDrainingTargetKeepsConnectionsUntilTheDelay(t *testing.T) {
	a, b := startTarget(t, "a"), startTarget(t, "b")
	addr := freeAddr(t, "127.0.110.5")
	p := startProxy(t)
	const delay = 400 * time.Millisecond
	if err := p.Update(snapshot(addr, delay, tgt(a, StateHealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	var onA *net.TCPConn
	var onAReader *bufio.Reader
	for range 100 {
		c, r, name := connect(t, addr)
		if name == "a" {
			onA, onAReader = c, r
			break
		}
		c.Close()
	}
	if onA == nil {
		t.Fatal("no connection reached target a")
	}

	if err := p.Update(snapshot(addr, delay, tgt(a, StateDraining), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	drainStart := time.Now()
	if got := spread(t, addr, 20); got["b"] != 20 {
		t.Errorf("new connections while a drains = %v, want all on b", got)
	}
	echo := func() error {
		if _, err := io.WriteString(onA, "ping\n"); err != nil {
			return err
		}
		line, err := onAReader.ReadString('\n')
		if err == nil && line != "ping\n" {
			err = errors.New("echo " + line)
		}
		return err
	}
	if err := echo(); err != nil {
		t.Fatalf("open connection to a draining target: %v", err)
	}
	if time.Since(drainStart) >= delay {
		t.Fatal("too slow: the delay ended before the open connection was checked")
	}
	_ = onA.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := onAReader.ReadByte(); err == nil {
		t.Fatal("the connection to the draining target still carries data after the delay")
	}
	if d := time.Since(drainStart); d < delay {
		t.Errorf("connection ended %v into a %v deregistration delay", d, delay)
	}
}

func TestDrainingTargetBackInServiceKeepsItsConnections(t *testing.T) {
	a := startTarget(t, "a")
	addr := freeAddr(t, "127.0.110.6")
	p := startProxy(t)
	const delay = 200 * time.Millisecond
	if err := p.Update(snapshot(addr, delay, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	c, r, name := connect(t, addr)
	if name != "a" {
		t.Fatalf("greeted by %q", name)
	}
	if err := p.Update(snapshot(addr, delay, tgt(a, StateDraining))); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(snapshot(addr, delay, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * delay)
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("echo = %q, %v: a re-registered target lost its connection", line, err)
	}
}

func TestRemovedListenerStopsAndEndsItsConnections(t *testing.T) {
	a := startTarget(t, "a")
	addr, kept := freeAddr(t, "127.0.110.7"), freeAddr(t, "127.0.110.8")
	p := startProxy(t)
	both := snapshot(addr, time.Minute, tgt(a, StateHealthy))
	both.Listeners = append(both.Listeners, snapshot(kept, time.Minute, tgt(a, StateHealthy)).Listeners...)
	if err := p.Update(both); err != nil {
		t.Fatal(err)
	}
	c, r, name := connect(t, addr)
	other, otherReader, otherName := connect(t, kept)
	if name != "a" || otherName != "a" {
		t.Fatalf("greeted by %q and %q", name, otherName)
	}
	if err := p.Update(snapshot(kept, time.Minute, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err == nil {
		t.Error("a connection of the removed listener still carries data")
	}
	if _, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		t.Error("the removed listener still accepts")
	}
	if _, err := io.WriteString(other, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := otherReader.ReadString('\n'); err != nil || line != "ping\n" {
		t.Errorf("the kept listener's connection: %q, %v", line, err)
	}
}

func TestHalfClose(t *testing.T) {
	// The target answers only once the client has finished sending.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		got, _ := io.ReadAll(c)
		_, _ = io.WriteString(c, "got "+string(got))
	}()
	tg := Target{Key: "t", Address: netip.MustParseAddrPort(ln.Addr().String()), State: StateHealthy}
	addr := freeAddr(t, "127.0.110.9")
	p := startProxy(t)
	if err := p.Update(snapshot(addr, 0, tg)); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "request"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(c)
	if err != nil || string(answer) != "got request" {
		t.Errorf("answer after half-close = %q, %v; want %q", answer, err, "got request")
	}
}

func TestBindFailureIsReported(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.110.10:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := netip.MustParseAddrPort(taken.Addr().String())
	free := freeAddr(t, "127.0.110.11")
	a := startTarget(t, "a")
	p := startProxy(t)
	s := snapshot(addr, 0, tgt(a, StateHealthy))
	s.Listeners = append(s.Listeners, snapshot(free, 0, tgt(a, StateHealthy)).Listeners...)
	err = p.Update(s)
	var bindErr *BindError
	if !errors.As(err, &bindErr) || bindErr.Address != addr || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Update = %v, want a BindError for %s", err, addr)
	}
	want := "binding " + addr.String() + ": address already in use"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start %q", err, want)
	}
	// The other listener serves anyway; the failed one is tried again.
	if _, _, name := connect(t, free); name != "a" {
		t.Errorf("the bindable listener answered %q", name)
	}
	taken.Close()
	if err := p.Update(s); err != nil {
		t.Fatalf("Update once the address is free: %v", err)
	}
	if _, _, name := connect(t, addr); name != "a" {
		t.Errorf("the listener bound on retry answered %q", name)
	}
}

func TestPermissionDeniedSaysWhatToDo(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.100.1:80")
	err := &BindError{Address: addr, Err: &net.OpError{Op: "listen", Net: "tcp", Err: syscall.EACCES}}
	want := "binding 127.0.100.1:80: permission denied: run as root, grant CAP_NET_BIND_SERVICE, or lower net.ipv4.ip_unprivileged_port_start"
	if err.Error() != want || !errors.Is(err, syscall.EACCES) {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestUnsupportedProtocolIsReported(t *testing.T) {
	p := New(Config{})
	s := snapshot(freeAddr(t, "127.0.110.12"), 0)
	s.Listeners[0].Protocol = "UDP"
	if err := p.Update(s); err == nil || !strings.Contains(err.Error(), "protocol UDP") {
		t.Errorf("Update = %v, want the UDP listener refused", err)
	}
}

func TestRunStopsEverything(t *testing.T) {
	a := startTarget(t, "a")
	before := runtime.NumGoroutine()
	addr := freeAddr(t, "127.0.110.13")
	p := New(Config{})
	if err := p.Update(snapshot(addr, time.Hour, tgt(a, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var open []*bufio.Reader
	for range 3 {
		_, r, name := connect(t, addr)
		if name != "a" {
			t.Fatalf("greeted by %q", name)
		}
		open = append(open, r)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, r := range open {
		if _, err := r.ReadByte(); err == nil {
			t.Error("a connection outlived Run")
		}
	}
	// The target's own goroutines end once they see the closed connections.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Run:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	if err := p.Update(snapshot(addr, 0)); !errors.Is(err, ErrStopped) {
		t.Errorf("Update after Run = %v, want ErrStopped", err)
	}
}

func TestUnhealthyTargetConnectionsAreResetUnlessFailingOpen(t *testing.T) {
	a, b := startTarget(t, "a"), startTarget(t, "b")
	addr := freeAddr(t, "127.0.110.14")
	p := startProxy(t)
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateHealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	onTarget := func(want string) (*net.TCPConn, *bufio.Reader) {
		for range 100 {
			c, r, name := connect(t, addr)
			if name == want {
				return c, r
			}
			if c != nil {
				c.Close()
			}
		}
		t.Fatalf("no connection reached %s", want)
		return nil, nil
	}
	echoes := func(c *net.TCPConn, r *bufio.Reader) bool {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "ping\n"); err != nil {
			return false
		}
		line, err := r.ReadString('\n')
		return err == nil && line == "ping\n"
	}

	// Both unhealthy: the group fails open and keeps every connection.
	onA, onAReader := onTarget("a")
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateUnhealthy), tgt(b, StateUnhealthy))); err != nil {
		t.Fatal(err)
	}
	if !echoes(onA, onAReader) {
		t.Fatal("a connection was cut while the group fails open")
	}
	// b recovers: a is unhealthy in a group that no longer fails open.
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateUnhealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	// The reset follows Update on the life's AfterFunc goroutine: an echo
	// may still get through before it lands.
	cut := false
	for deadline := time.Now().Add(10 * time.Second); !cut && time.Now().Before(deadline); {
		cut = !echoes(onA, onAReader)
	}
	if !cut {
		t.Error("the unhealthy target's connection still carries data")
	}
	// a recovers: new connections reach it again and stay.
	if err := p.Update(snapshot(addr, time.Minute, tgt(a, StateHealthy), tgt(b, StateHealthy))); err != nil {
		t.Fatal(err)
	}
	if c, r := onTarget("a"); !echoes(c, r) {
		t.Error("a recovered target's new connection does not work")
	}
}
