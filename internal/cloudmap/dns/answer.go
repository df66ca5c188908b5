package dns

import (
	"errors"
	"math/rand/v2"

	"github.com/miekg/dns"
)

// Answer answers one question from the current zone data through the
// query path itself (answerFull, which FuzzDNSQuery keeps equal to the
// fast path), picking values as a query does: what a client on loopback
// would get, except that nothing is forwarded (a name outside Portolan's
// zones is REFUSED) and nothing is counted in the query metrics. The
// console's DNS view reads records through it, so it shows what clients
// are answered rather than a second derivation of it.
func (s *Server) Answer(name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	b, err := q.Pack()
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	// As over TCP: the whole answer, never truncated.
	msg, _ := s.current().answerFull(b, false, true, r, newScratch())
	if msg == nil {
		return nil, errors.New("dns: no answer")
	}
	return msg, nil
}
