package dns

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// maxCNAMEHops bounds CNAME chasing inside our zones.
const maxCNAMEHops = 8

// forward is a query the full path could not answer alone: its name (or
// the target of a CNAME it answered) is outside our zones.
type forward struct {
	req *dns.Msg // the client's query
	// up is what to ask the upstream resolvers.
	up *dns.Msg
	// targets, when set, replace the upstreams (a forwarding rule's).
	targets []string
	// partial, when set, is our reply so far (a CNAME chain) that the
	// upstream's answer completes; otherwise the upstream's reply is
	// relayed as it is.
	partial *dns.Msg
}

// answerFull answers any packet: it parses with miekg/dns and answers
// from the same table with the same picking as answerFast. It returns the
// reply, or a forward for the caller to resolve upstream, or neither when
// the packet deserves no answer (too short, or itself a response, which
// we never answer so that two servers cannot loop).
func (t *table) answerFull(q []byte, allowed, tcp bool, r rng, sc *scratch) (*dns.Msg, *forward) {
	sc.zone = nil
	if len(q) < headerLen || q[2]&0x80 != 0 {
		return nil, nil
	}
	req := new(dns.Msg)
	if err := req.Unpack(q); err != nil {
		return formErr(q), nil
	}
	reply := new(dns.Msg)
	reply.SetReply(req)
	reply.RecursionAvailable = allowed
	opt, opts := req.IsEdns0(), 0
	for _, rr := range req.Extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			opts++
		}
	}
	finish := func(rcode int) *dns.Msg {
		reply.Rcode = rcode
		if opt != nil {
			reply.SetEdns0(ednsSize, opt.Do())
		}
		reply.Truncate(replyLimit(tcp, opt != nil, udpSize(opt)))
		return reply
	}
	switch {
	case opts > 1 || len(req.Question) != 1 && req.Opcode == dns.OpcodeQuery:
		reply.Question = nil
		return finish(dns.RcodeFormatError), nil
	case opt != nil && opt.Version() != 0:
		return finish(dns.RcodeBadVers), nil
	case req.Opcode != dns.OpcodeQuery:
		return finish(dns.RcodeNotImplemented), nil
	case t == nil:
		return finish(dns.RcodeServerFailure), nil // no zone data yet
	}
	question := req.Question[0]
	switch question.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		return finish(dns.RcodeRefused), nil // zone transfers are not offered
	}
	key, ok := wireKey(question.Name, sc)
	if !ok {
		return finish(dns.RcodeFormatError), nil
	}
	n, z := t.find(key)
	sc.zone = z
	if z == nil || question.Qclass != dns.ClassINET {
		if allowed && question.Qclass == dns.ClassINET {
			return nil, &forward{req: req, up: upstreamQuery(req, question), targets: t.forwardTargets(key)}
		}
		return finish(dns.RcodeRefused), nil // we are not an open resolver
	}
	reply.Authoritative = true
	name := question.Name
	for hops := 0; ; hops++ {
		if n == nil {
			reply.Ns = append(reply.Ns, z.soa.rr)
			return finish(dns.RcodeNameError), nil
		}
		if question.Qtype == dns.TypeANY {
			// Every type present, each picked as for its own query.
			for i := range n.sets {
				appendPicked(reply, &n.sets[i], name, r, sc)
			}
			break
		}
		if s := n.set(question.Qtype); s != nil {
			appendPicked(reply, s, name, r, sc)
			break
		}
		s := n.set(dns.TypeCNAME)
		if s == nil || hops == maxCNAMEHops {
			break
		}
		// A CNAME: answer it, then what its target has for the question,
		// as a resolver would, so that a stub resolver gets addresses.
		before := len(reply.Answer)
		appendPicked(reply, s, name, r, sc)
		name = reply.Answer[before].(*dns.CNAME).Target
		if key, ok = wireKey(name, sc); !ok {
			break
		}
		if n, z = t.find(key); z == nil {
			if allowed && req.RecursionDesired {
				up := question
				up.Name = name
				return nil, &forward{req: req, up: upstreamQuery(req, up), partial: reply, targets: t.forwardTargets(key)}
			}
			break
		}
	}
	if len(reply.Answer) == 0 {
		reply.Ns = append(reply.Ns, n.zone.soa.rr) // NODATA
	}
	return finish(dns.RcodeSuccess), nil
}

// appendPicked adds the picked values of s to reply: answer records owned
// by name, and their additional records.
func appendPicked(reply *dns.Msg, s *rrset, name string, r rng, sc *scratch) {
	c, idx := s.pick(r, sc.idx)
	sc.idx = idx
	for _, i := range idx {
		rr := dns.Copy(c[i].answer.rr)
		rr.Header().Name = name
		reply.Answer = append(reply.Answer, rr)
	}
	for _, i := range idx {
		for _, x := range c[i].extra {
			reply.Extra = append(reply.Extra, x.rr)
		}
	}
}

// upstreamQuery is what we ask an upstream resolver for q: the client's
// own flags and EDNS options, so that the upstream's reply fits the client.
func upstreamQuery(req *dns.Msg, q dns.Question) *dns.Msg {
	m := req.Copy()
	m.Question = []dns.Question{q}
	m.Answer, m.Ns = nil, nil
	m.RecursionDesired = true
	return m
}

// wireKey is the lower-case wire form of a presentation name, the table's key.
func wireKey(name string, sc *scratch) ([]byte, bool) {
	n, err := dns.PackDomainName(dns.Fqdn(name), sc.key[:], 0, nil, false)
	if err != nil {
		return nil, false
	}
	key := sc.key[:n]
	for i, c := range key {
		key[i] = lowerByte(c)
	}
	return key, true
}

func udpSize(opt *dns.OPT) uint16 {
	if opt == nil {
		return 0
	}
	return opt.UDPSize()
}

// formErr is the reply to a query we cannot parse: its id and opcode, and
// nothing else we could trust.
func formErr(q []byte) *dns.Msg {
	m := new(dns.Msg)
	m.Id = binary.BigEndian.Uint16(q)
	m.Response = true
	m.Opcode = int(q[2]>>3) & 0xF
	m.Rcode = dns.RcodeFormatError
	return m
}
