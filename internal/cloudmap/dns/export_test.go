package dns

// The tests live in package dns_test, because they run Cloud Map through
// cloudmaptest, which imports this package. This file lends them the
// internals they check.

import (
	"log/slog"
	"math/rand/v2"
	"net"

	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/cloudmap"
)

const (
	EDNSSize    = ednsSize
	NSHost      = nsHost
	MaxTCPReply = maxTCPReply
)

func ReplyLimit(tcp, edns bool, size uint16) int { return replyLimit(tcp, edns, size) }

func UpstreamAddrs(in, own []string) []string { return upstreamAddrs(in, own) }

func ListenPair(addr string) (*net.UDPConn, net.Listener, error) { return listenPair(addr) }

// Table is a compiled snapshot.
type Table struct{ t *table }

// BuildTable compiles snap, with recs as Config.Records would add them.
func BuildTable(snap *cloudmap.Snapshot, recs ...Record) *Table {
	log := slog.New(slog.DiscardHandler)
	t := buildTable([]*cloudmap.Snapshot{snap}, nil, log)
	t.addRecords(recs, []int64{1}, log)
	return &Table{t}
}

// BuildTableWithZones compiles snap with hosted zones, as Config.Zones
// would add them after recs.
func BuildTableWithZones(snap *cloudmap.Snapshot, recs []Record, zones []*Zone) *Table {
	log := slog.New(slog.DiscardHandler)
	t := buildTable([]*cloudmap.Snapshot{snap}, nil, log)
	t.addRecords(recs, []int64{1}, log)
	t.addZones(zones, []int64{1}, nil, log)
	return &Table{t}
}

// Candidates are how many values the rrset of type qtype at name picks
// from, and how many one answer carries (0: all).
func (t *Table) Candidates(name string, qtype uint16) (n, limit int) {
	key, ok := ownerKey(name)
	if !ok || t.t.names[key] == nil {
		return -1, -1
	}
	s := t.t.names[key].set(qtype)
	if s == nil {
		return 0, 0
	}
	return len(s.healthy), s.limit
}

// Answerer answers queries from a Table as one of the server's goroutines
// does: its own scratch space, its own random source (seeded, so that two
// Answerers with the same seed pick the same values).
type Answerer struct {
	t   *table
	sc  *scratch
	r   *rand.Rand
	buf []byte
}

func (t *Table) Answerer(seed uint64) *Answerer {
	return &Answerer{t: t.t, sc: newScratch(), r: rand.New(rand.NewPCG(seed, 1)), buf: make([]byte, 0, maxTCPReply)}
}

// Fast is the wire-level path; ok is false for queries it leaves to Full.
func (a *Answerer) Fast(pkt []byte, allowed, tcp bool) (reply []byte, ok bool) {
	return a.t.answerFast(a.buf, pkt, allowed, tcp, a.r, a.sc)
}

// Full is the miekg/dns path. A query to forward returns no reply and
// what would be asked upstream; partial tells whether the reply so far (a
// CNAME chain) is kept.
func (a *Answerer) Full(pkt []byte, allowed, tcp bool) (reply, upstream *dns.Msg, partial bool) {
	m, f := a.t.answerFull(pkt, allowed, tcp, a.r, a.sc)
	if f == nil {
		return m, nil, false
	}
	if f.req == nil {
		panic("forward without the client's query")
	}
	return m, f.up, f.partial != nil
}
