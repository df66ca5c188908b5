package server

import (
	"net"
	"net/netip"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// The gateway where task containers reach it. The gateway listens on
// loopback by default, which a container cannot reach; a driver that is a
// runtime.HostAddresser (docker) gives tasks an address of the host
// instead, the gateway of its DNS network, where Portolan's DNS already
// answers them. So the gateway (HTTP and REST APIs, one handler) listens
// there too, on port 80 as an execute-api endpoint's network interfaces do
// (plain HTTP: the gateway serves no TLS), and the execute-api endpoints'
// DNS names, and every alias to them, resolve to that address. It is the
// host's own address, so local clients reach it as well: one answer for
// every client, as AWS gives one (the endpoint's interfaces) to every
// asker, and the DNS server needs no per-client view (endpointdns's doc).

// listenForTasks has the gateway also serve where the driver's tasks reach
// the host, and the endpoints' names resolve there. Without such an
// address, or when port 80 cannot be bound there, the names stay on the
// gateway's own address (reachable from the host only) and a warning says
// why.
func (s *Server) listenForTasks(driver runtime.Driver) {
	h, ok := driver.(runtime.HostAddresser)
	if !ok {
		return
	}
	host, ok := h.HostAddr()
	if !ok {
		return
	}
	if gw, err := netip.ParseAddrPort(s.gwLn.Addr().String()); err == nil && gw.Addr().IsUnspecified() {
		// Listening on every address, the gateway serves this one already.
		s.taskGateway = netip.AddrPortFrom(host, gw.Port())
	} else {
		addr := netip.AddrPortFrom(host, 80)
		ln, err := net.Listen("tcp", addr.String())
		if err != nil {
			s.log.Warn("the gateway cannot listen where task containers reach it, so VPC endpoint names resolve to an address they cannot reach (port 80 needs root)",
				"addr", addr, "err", err)
			return
		}
		s.taskGwLn, s.taskGateway = ln, addr
	}
	s.endpointNames.ServeAt(host)
	s.log.Info("task containers reach the gateway, and VPC endpoint names resolve, here", "addr", s.taskGateway)
}

// TaskGatewayAddr is where task containers reach the gateway, and where
// the execute-api VPC endpoints' names resolve for every client; "" when
// tasks cannot reach it (the process runtime, whose tasks use the
// gateway's own address, or a docker runtime without its DNS network).
func (s *Server) TaskGatewayAddr() string {
	if !s.taskGateway.IsValid() {
		return ""
	}
	return s.taskGateway.String()
}
