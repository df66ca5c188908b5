package dns

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// upstreamTimeout bounds one exchange with one upstream resolver; a client
// typically gives up after 5 s, so two upstreams can still be tried.
const upstreamTimeout = 2 * time.Second

// forwarder asks upstream resolvers about names outside our zones.
type forwarder struct {
	upstreams []string // host:port
	log       *slog.Logger
}

// resolve completes f: it asks the upstreams and returns the reply for the
// client, SERVFAIL if none of them answered.
func (fw *forwarder) resolve(ctx context.Context, f *forward, tcp bool) *dns.Msg {
	opt := f.req.IsEdns0()
	limit := replyLimit(tcp, opt != nil, udpSize(opt))
	ups := fw.upstreams
	if f.targets != nil {
		ups = f.targets
	}
	resp, err := exchange(ctx, ups, f.up, tcp)
	if err != nil {
		fw.log.Debug("no upstream answered", "name", f.up.Question[0].Name, "err", err)
		m := f.partial
		if m == nil {
			m = new(dns.Msg)
			m.SetReply(f.req)
			m.RecursionAvailable = true
			if opt != nil {
				m.SetEdns0(ednsSize, opt.Do())
			}
		}
		m.Rcode = dns.RcodeServerFailure
		m.Truncate(limit)
		return m
	}
	if f.partial == nil {
		resp.Id = f.req.Id
		resp.Truncate(limit)
		return resp
	}
	m := f.partial
	m.Answer = append(m.Answer, resp.Answer...)
	m.Rcode = resp.Rcode // RFC 6604: the rcode is that of the last name in the chain
	if m.Rcode == dns.RcodeSuccess && len(resp.Answer) == 0 {
		m.Ns = append(m.Ns, resp.Ns...) // the upstream's NODATA proof
	}
	if opt != nil {
		m.SetEdns0(ednsSize, opt.Do())
	}
	m.Truncate(limit)
	return m
}

// exchange tries each upstream in turn, over UDP first and over TCP when
// the UDP reply was truncated and the client came over TCP (a UDP client
// gets the truncated reply and retries over TCP itself).
func exchange(ctx context.Context, upstreams []string, q *dns.Msg, tcp bool) (*dns.Msg, error) {
	if len(upstreams) == 0 {
		return nil, errors.New("no upstream resolvers configured")
	}
	m := q.Copy()
	m.Id = dns.Id()
	var lastErr error
	for _, up := range upstreams {
		for _, network := range []string{"udp", "tcp"} {
			c := &dns.Client{Net: network, Timeout: upstreamTimeout}
			resp, _, err := c.ExchangeContext(ctx, m, up)
			if err != nil {
				lastErr = err
				break
			}
			if resp.Truncated && network == "udp" && tcp {
				continue
			}
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, lastErr
}

// upstreamAddrs normalises "host" and "host:port" to host:port, port 53 by
// default, and leaves out our own addresses so that a resolv.conf that
// points at us cannot make us forward to ourselves.
func upstreamAddrs(in []string, own []string) []string {
	var out []string
next:
	for _, u := range in {
		addr := u
		if a, err := netip.ParseAddr(u); err == nil {
			addr = netip.AddrPortFrom(a, 53).String()
		} else if _, _, err := net.SplitHostPort(u); err != nil {
			addr = net.JoinHostPort(u, "53")
		}
		for _, o := range own {
			if sameAddr(o, addr) {
				continue next
			}
		}
		out = append(out, addr)
	}
	return out
}

func sameAddr(a, b string) bool {
	pa, errA := netip.ParseAddrPort(a)
	pb, errB := netip.ParseAddrPort(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return pa.Addr().Unmap() == pb.Addr().Unmap() && pa.Port() == pb.Port()
}

// resolvConfUpstreams reads the system's resolvers.
func resolvConfUpstreams(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(cc.Servers))
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, strconv.Itoa(portOr53(cc.Port))))
	}
	return out, nil
}

func portOr53(p string) int {
	if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
		return n
	}
	return 53
}
