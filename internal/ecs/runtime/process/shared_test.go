package process_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/portolan/portolan/internal/ecs/runtime"
	"github.com/portolan/portolan/internal/ecs/runtime/process"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// TestSharedAddress: in ports mode with a shared address (a node's
// --advertise address; here a loopback address standing for it), every
// task is at that address, each container port on a host port of its own
// there, and the app listens there, not on 127.0.0.1.
func TestSharedAddress(t *testing.T) {
	shared := netip.MustParseAddr("127.0.23.9")
	if ln, err := net.Listen("tcp", netip.AddrPortFrom(shared, 0).String()); err != nil {
		t.Skipf("cannot bind %s here (no loopback aliases): %v", shared, err)
	} else {
		ln.Close()
	}
	app := runtimetest.BuildApp(t)
	d := newDriver(t, process.Config{StateDir: t.TempDir(), TaskAddresses: process.ModePorts, SharedAddress: shared})
	spec := runtime.ContainerSpec{Name: "web", Image: app, PortMappings: []runtime.PortMapping{{ContainerPort: 8080}}}
	seen := map[uint16]bool{}
	for range 2 {
		task := runtimetest.Provision(t, d, "shared")
		if task.Address != shared {
			t.Fatalf("task address %s, want %s", task.Address, shared)
		}
		st := runtimetest.Start(t, d, task, spec)
		at := runtimetest.Endpoint(st, 8080)
		if at.Addr() != shared || at.Port() == 8080 || seen[at.Port()] {
			t.Fatalf("container port 8080 at %s; want %s and a host port of its own (had %v)", at, shared, seen)
		}
		seen[at.Port()] = true
		if info := runtimetest.Info(t, runtimetest.AppURL(st, 8080, "/")); info.Host != shared.String() {
			t.Fatalf("app told HOST=%s, want %s", info.Host, shared)
		}
		if c, err := net.Dial("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), at.Port()).String()); err == nil {
			c.Close()
			t.Fatalf("the task also answers on 127.0.0.1:%d", at.Port())
		}
	}
}
