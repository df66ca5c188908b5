package gateway

import (
	"crypto/tls"
	"net/http"
	"net/netip"

	"github.com/portolan/portolan/internal/store"
	"github.com/portolan/portolan/internal/upstream"
)

// LoadBalancers is what the gateway needs of Elastic Load Balancing: where
// each listener takes traffic. A private integration whose URI is a
// listener ARN sends there, and the load balancer's own data plane (its
// rules, its targets) does the rest, as in AWS. elbv2.ListenerAddresses
// satisfies it.
type LoadBalancers interface {
	store.Source
	// Revision is the store revision ListenerAddress answers from; ok is
	// false before the first snapshot.
	Revision() (rev int64, ok bool)
	// ListenerAddress is the listener's load balancer address and the
	// listener's port; false for a listener that does not exist.
	ListenerAddress(arn string) (netip.AddrPort, bool)
}

// listenerTarget is where one ELB listener takes traffic.
type listenerTarget struct {
	arn  string
	addr string         // "ip:port", the Host a plain request carries
	pool *upstream.Pool // nil: the listener does not exist (or no view)
}

// listenerID numbers a listener target, once per listener ARN.
func (g *Gateway) listenerID(arn string) int {
	if n, ok := g.listenerIDs[arn]; ok {
		return n
	}
	n := len(g.listeners)
	g.listenerIDs[arn] = n
	g.listeners = append(g.listeners, arn)
	return n
}

// resolveListeners looks every listener target up in the load balancers'
// view, off the request path: a request only indexes the result.
func (g *Gateway) resolveListeners() []listenerTarget {
	out := make([]listenerTarget, len(g.listeners))
	for i, arn := range g.listeners {
		out[i].arn = arn
		if g.cfg.LoadBalancers == nil {
			continue
		}
		if ap, ok := g.cfg.LoadBalancers.ListenerAddress(arn); ok {
			out[i].addr = ap.String()
			out[i].pool = g.up.Pool(out[i].addr)
		}
	}
	return out
}

// tlsTransport is the https client of private integrations with a
// tlsConfig: "If you specify a TLS configuration, private integration
// traffic uses the HTTPS protocol"; serverNameToVerify is sent as SNI and
// checked against the certificate. One client per server name, kept for
// the gateway's life.
func (g *Gateway) tlsTransport(serverName string) *http.Transport {
	if t := g.tlsTransports[serverName]; t != nil {
		return t
	}
	tc := &tls.Config{}
	if g.cfg.TLSClientConfig != nil {
		tc = g.cfg.TLSClientConfig.Clone()
	}
	if serverName != "" {
		tc.ServerName = serverName
	}
	t := g.newTransportTLS(tc)
	g.tlsTransports[serverName] = t
	return t
}
