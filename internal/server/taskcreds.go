package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/portolan/portolan/internal/graceful"
)

// credentialsNetworker is the capability of a runtime whose tasks reach
// the host only through an address it makes for them (the docker
// runtime's CredentialsNetwork: ECS's 169.254.170.2 on the host).
type credentialsNetworker interface {
	CredentialsNetwork(ctx context.Context) (netip.Addr, error)
}

// listenTaskEndpoint is the api's URL as tasks reach it, for their role's
// credentials and AWS_ENDPOINT_URL; "" where they cannot. On the process
// runtime it is the api listener's loopback address (the SDKs take no
// other plain-http host for container credentials but ECS's link-local
// ones). On the docker runtime, with Config.DockerTaskCredentials, the api
// is also served on port 80 of 169.254.170.2, an address of the host every
// task network reaches; only one server of a machine can listen there, the
// others' tasks get nothing.
func (s *Server) listenTaskEndpoint(cfg Config) string {
	if cn, ok := s.driver.(credentialsNetworker); ok {
		if !cfg.DockerTaskCredentials {
			return ""
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		addr, err := cn.CredentialsNetwork(ctx)
		if err == nil {
			s.taskLn, err = listenRetrying(ctx, netip.AddrPortFrom(addr, 80).String())
		}
		if err != nil {
			s.log.Warn("tasks get no task role credentials nor AWS_ENDPOINT_URL", "err", err)
			return ""
		}
		return "http://" + addr.String()
	}
	ap, err := netip.ParseAddrPort(s.apiLn.Addr().String())
	if cfg.Runtime != "process" || err != nil || !ap.Addr().IsLoopback() && !ap.Addr().IsUnspecified() {
		return ""
	}
	host := "127.0.0.1"
	if ap.Addr().Is6() && ap.Addr().IsLoopback() {
		host = "[::1]"
	}
	return fmt.Sprintf("http://%s:%d", host, ap.Port())
}

// listenRetrying listens on addr, waiting while the address is not yet
// the host's (the engine may still be putting it on its bridge).
func listenRetrying(ctx context.Context, addr string) (net.Listener, error) {
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRNOTAVAIL) {
			return ln, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serveTaskEndpoint serves the api to task containers on taskLn.
func (s *Server) serveTaskEndpoint(ctx context.Context) error {
	srv := &http.Server{Handler: s.apiHandler(), ReadHeaderTimeout: 10 * time.Second}
	return graceful.Serve(ctx, srv, s.taskLn, 5*time.Second)
}
