package dns

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// Message sizes.
const (
	headerLen   = 12
	optLen      = 11   // an OPT record without options
	ednsSize    = 1232 // the UDP payload size we advertise (DNS flag day 2020)
	minUDPReply = 512  // without EDNS, or for a smaller EDNS size (RFC 6891)
	maxUDPReply = 4096 // we honour the client's EDNS size up to this
	maxTCPReply = 65535
)

// scratch is the per-goroutine storage a query is answered with.
type scratch struct {
	// zone is the zone the last query was answered from (nil: none), for
	// the query counters.
	zone    *zone
	key     [maxNameLen]byte
	idx     []int
	targets []int
}

func newScratch() *scratch {
	return &scratch{idx: make([]int, 0, multivalueMax), targets: make([]int, 0, multivalueMax)}
}

// replyLimit is how large a reply may be: 64 KiB over TCP; over UDP 512
// bytes, or the client's EDNS payload size (at least 512, at most 4096).
func replyLimit(tcp, edns bool, size uint16) int {
	switch {
	case tcp:
		return maxTCPReply
	case !edns:
		return minUDPReply
	}
	return min(max(int(size), minUDPReply), maxUDPReply)
}

// answerFast answers the common query — one question, class IN, for a name
// in our zones, maybe with an EDNS OPT record — straight from the wire: the
// reply is dst with header, the question copied from the query, and the
// picked records' bytes appended. It allocates nothing. It reports false
// for anything else, which the full path (answerFull) then handles; the two
// agree on every query answerFast takes (FuzzDNSQuery).
func (t *table) answerFast(dst, q []byte, allowed, tcp bool, r rng, sc *scratch) ([]byte, bool) {
	sc.zone = nil
	// Header: a query (QR=0), opcode QUERY, one question, nothing else
	// but at most one additional record (the OPT).
	if t == nil || len(q) < headerLen+5 || q[2]&0xF8 != 0 ||
		be16(q[4:]) != 1 || be16(q[6:]) != 0 || be16(q[8:]) != 0 || be16(q[10:]) > 1 {
		return nil, false
	}
	// The question name, lower-cased into the key; compression pointers
	// and extended label types go to the full path.
	key := sc.key[:0]
	off := headerLen
	for {
		if off >= len(q) {
			return nil, false
		}
		l := int(q[off])
		if l == 0 {
			break
		}
		if l > 63 || off+1+l >= len(q) || len(key)+1+l+1 > maxNameLen {
			return nil, false
		}
		key = append(key, byte(l))
		for _, c := range q[off+1 : off+1+l] {
			key = append(key, lowerByte(c))
		}
		off += 1 + l
	}
	key = append(key, 0)
	off++
	qend := off + 4
	if qend > len(q) || be16(q[off+2:]) != dns.ClassINET {
		return nil, false
	}
	qtype := be16(q[off:])
	if qtype >= dns.TypeIXFR && qtype <= dns.TypeANY { // IXFR, AXFR, MAILB, MAILA, ANY
		return nil, false
	}
	edns, do := false, false
	var size uint16
	if q[11] == 1 {
		// The OPT record: root owner, version 0, options we can ignore.
		o := q[qend:]
		if len(o) < optLen || o[0] != 0 || be16(o[1:]) != dns.TypeOPT || o[6] != 0 ||
			len(o) != optLen+int(be16(o[9:])) || !ignorableOptions(o[optLen:]) {
			return nil, false
		}
		edns, do, size = true, o[7]&0x80 != 0, be16(o[3:])
	} else if qend != len(q) {
		return nil, false
	}

	n, z := t.find(key)
	if z == nil {
		return nil, false // outside our zones: forward or refuse
	}
	sc.zone = z
	var s *rrset
	if n != nil {
		if s = n.set(qtype); s == nil && n.set(dns.TypeCNAME) != nil {
			return nil, false // CNAME chasing
		}
	}

	limit := replyLimit(tcp, edns, size)
	if edns {
		limit -= optLen
	}
	e := encoder{b: append(dst[:0], q[:qend]...), limit: limit}
	rcode := dns.RcodeSuccess
	switch {
	case s != nil:
		e.addPicked(s, r, sc)
	case n == nil:
		rcode = dns.RcodeNameError
		fallthrough
	default: // NODATA or NXDOMAIN: the SOA, whose owner (the apex) ends the query name
		e.add(&z.soa, headerLen+len(key)-z.apexLen, &e.ns)
	}
	b := e.b
	b[2] = 0x80 | 0x04 | q[2]&0x01 // QR, AA, RD copied
	if e.truncated {
		b[2] |= 0x02
	}
	b[3] = q[3]&0x10 | byte(rcode) // CD copied
	if allowed {
		b[3] |= 0x80 // RA
	}
	ar := e.ar
	if edns {
		ar++
		var doBit byte
		if do {
			doBit = 0x80 // RFC 3225: DO is copied into the reply
		}
		b = append(b, 0, 0, byte(dns.TypeOPT), ednsSize>>8, ednsSize&0xFF, 0, 0, doBit, 0, 0, 0)
	}
	binary.BigEndian.PutUint16(b[6:], uint16(e.an))
	binary.BigEndian.PutUint16(b[8:], uint16(e.ns))
	binary.BigEndian.PutUint16(b[10:], uint16(ar))
	return b, true
}

// addPicked appends the values the routing policy picks from s as answers,
// then their additional records.
func (e *encoder) addPicked(s *rrset, r rng, sc *scratch) {
	c, idx := s.pick(r, sc.idx)
	sc.idx = idx
	sc.targets = sc.targets[:0]
	for _, i := range idx {
		// Where this value's SRV target name lands, so that its
		// additional records can point there rather than repeat the
		// name (with 32-character ECS task ids that saves a third of
		// an SRV reply).
		target := 0
		if a := &c[i].answer; a.srvTarget && !e.truncated && len(e.b)+a.wireLen() <= e.limit {
			target = len(e.b) + len(a.prefix) + 2 + 10 + 6
		}
		sc.targets = append(sc.targets, target)
		e.add(&c[i].answer, headerLen, &e.an)
	}
	for k, i := range idx {
		for j := range c[i].extra {
			if x := &c[i].extra[j]; sc.targets[k] > 0 {
				e.addOwnedAt(x, sc.targets[k], &e.ar)
			} else {
				e.add(x, headerLen, &e.ar)
			}
		}
	}
}

// encoder appends records while they fit. Truncation follows miekg/dns's
// Msg.Truncate, which the full path uses: records are kept in section
// order until the first that does not fit, nothing after it is kept, and
// TC is set if anything was dropped — even only additional records,
// because an SRV answer without its targets' addresses costs the client a
// query per target, so it should rather retry over TCP.
type encoder struct {
	b          []byte
	limit      int
	an, ns, ar int
	truncated  bool
}

// add appends r with its owner as r's prefix followed by a pointer to ptr.
func (e *encoder) add(r *record, ptr int, count *int) {
	if e.truncated || len(e.b)+r.wireLen() > e.limit {
		e.truncated = true
		return
	}
	e.b = append(e.b, r.prefix...)
	e.b = append(e.b, 0xC0|byte(ptr>>8), byte(ptr))
	e.b = append(e.b, r.body...)
	*count++
}

// addOwnedAt appends r with its whole owner name as a pointer to owner,
// where the reply already holds that name.
func (e *encoder) addOwnedAt(r *record, owner int, count *int) {
	if e.truncated || len(e.b)+2+len(r.body) > e.limit {
		e.truncated = true
		return
	}
	e.b = append(e.b, 0xC0|byte(owner>>8), byte(owner))
	e.b = append(e.b, r.body...)
	*count++
}

// ignorableOptions reports whether EDNS options are well formed and ones a
// server may ignore: a client COOKIE (dig sends one; RFC 7873 lets a
// server without cookie support ignore it) and padding. Anything else goes
// to the full path.
func ignorableOptions(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 4 {
			return false
		}
		code, n := be16(b), int(be16(b[2:]))
		if len(b) < 4+n {
			return false
		}
		switch {
		case code == dns.EDNS0COOKIE && n >= 8 && n <= 40:
		case code == dns.EDNS0PADDING:
		default:
			return false
		}
		b = b[4+n:]
	}
	return true
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
