package process

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// AddressMode says how the tasks of the driver are told apart on the host.
type AddressMode string

const (
	// ModeAuto is ModeAddresses where extra loopback addresses can be bound
	// (Linux), ModePorts elsewhere (macOS, Windows).
	ModeAuto AddressMode = "auto"
	// ModeAddresses gives each task a loopback address of its own, like an
	// awsvpc ENI; container ports are reached as themselves.
	ModeAddresses AddressMode = "addresses"
	// ModePorts puts every task on one address (Config.SharedAddress,
	// 127.0.0.1 unless told otherwise) and gives each container port
	// a host port of its own, handed to the app in PORT, as ECS's bridge
	// mode does with hostPort.
	ModePorts AddressMode = "ports"
)

// ParseAddressMode parses the --task-addresses flag.
func ParseAddressMode(s string) (AddressMode, error) {
	switch m := AddressMode(s); m {
	case ModeAuto, ModeAddresses, ModePorts:
		return m, nil
	case "":
		return ModeAuto, nil
	}
	return "", fmt.Errorf("task addresses %q: want auto, addresses or ports", s)
}

// defaultSharedAddress is where every task listens in ModePorts unless
// Config.SharedAddress says otherwise.
var defaultSharedAddress = netip.AddrFrom4([4]byte{127, 0, 0, 1})

// resolveMode turns ModeAuto into what this host can do: ModeAddresses if
// an address of pool other than 127.0.0.1 can be bound (Linux routes all of
// 127/8 to lo; macOS has only 127.0.0.1 unless aliases are added; Windows
// binds 127/8 but ModePorts is the tested path there).
func resolveMode(m AddressMode, pool netip.Prefix) AddressMode {
	if m != ModeAuto {
		return m
	}
	if canBindLoopbackAliases(pool) {
		return ModeAddresses
	}
	return ModePorts
}

// canBindLoopbackAliases reports whether an address of pool can be bound:
// the test that decides ModeAuto.
func canBindLoopbackAliases(pool netip.Prefix) bool {
	probe := pool.Addr().Next()
	if probe == defaultSharedAddress {
		probe = probe.Next()
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(probe, 0).String())
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// hostPorts picks a free host port on addr (the shared address) for each of
// ports, avoiding those in used (held by other containers of the driver
// that may not listen yet). The kernel chooses (port 0); between the
// choice and the app's bind another program could take the port, which is
// the price of not running a proxy in front of every task.
func hostPorts(addr netip.Addr, ports []runtime.PortMapping, used map[int]bool) ([]runtime.PortBinding, error) {
	var out []runtime.PortBinding
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port, err := freePort(addr, proto, used)
		if err != nil {
			return nil, fmt.Errorf("host port for container port %d/%s: %w", p.ContainerPort, proto, err)
		}
		used[port] = true
		out = append(out, runtime.PortBinding{ContainerPort: p.ContainerPort, HostPort: port, Protocol: proto})
	}
	return out, nil
}

// freePort asks the kernel for a free proto port on shared that is not in
// used.
func freePort(shared netip.Addr, proto string, used map[int]bool) (int, error) {
	addr := netip.AddrPortFrom(shared, 0).String()
	for range 20 {
		var port int
		if proto == "udp" {
			c, err := net.ListenPacket("udp", addr)
			if err != nil {
				return 0, err
			}
			port = c.LocalAddr().(*net.UDPAddr).Port
			c.Close()
		} else {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return 0, err
			}
			port = ln.Addr().(*net.TCPAddr).Port
			ln.Close()
		}
		if !used[port] {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port on %s", shared)
}

// portEnv is the value of PORT for a container with bindings: the host
// port of the first mapping if the definition sets no PORT, or of the
// mapping whose container port the definition's PORT names (a definition
// written for awsvpc says PORT=8080 and means "the port you map 8080 to").
// ok is false when PORT stays as it is.
func portEnv(spec runtime.ContainerSpec, bindings []runtime.PortBinding) (string, bool) {
	if len(bindings) == 0 {
		return "", false
	}
	v, set := spec.Environment["PORT"]
	if !set {
		return strconv.Itoa(bindings[0].HostPort), true
	}
	for _, b := range bindings {
		if strconv.Itoa(b.ContainerPort) == v {
			return strconv.Itoa(b.HostPort), true
		}
	}
	return "", false
}
