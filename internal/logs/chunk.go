package logs

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Timestamps are epoch milliseconds and are written in keys as 12 hex
// digits, so that a key prefix of k digits is a time window of 16^(12-k) ms
// and a range of time is a range of keys.
const (
	tsDigits   = 12
	maxTS      = 1<<(4*tsDigits) - 1 // year 10889
	slotDigits = 10                  // a chunk never spans more than one 256 ms slot
)

// The index levels are the prefix lengths that carry windowStats. Below
// the last level a reader lists slots by key prefix directly.
const (
	topLevel  = 4 // windows of about 49.7 days
	midLevel  = 6 // about 4.7 hours
	lastLevel = 8 // about 65.5 seconds
)

func indexLevels() [3]int { return [3]int{topLevel, midLevel, lastLevel} }

func tsHex(ts int64) string {
	var b [tsDigits]byte
	const digits = "0123456789abcdef"
	v := uint64(ts)
	for i := tsDigits - 1; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// window returns the first and last millisecond a key prefix of hex digits covers.
func window(prefix string) (lo, hi int64) {
	v, err := strconv.ParseUint(prefix, 16, 64)
	if err != nil || len(prefix) > tsDigits {
		return 0, -1
	}
	shift := uint(4 * (tsDigits - len(prefix)))
	lo = int64(v << shift)
	return lo, lo + int64(uint64(1)<<shift) - 1
}

// A chunk is the value of one events key: the events of one write that fall
// in one slot, sorted by timestamp, sharing one ingestion time.
//
//	version(1) count(uvarint) ingestion(uvarint) first(uvarint)
//	then per event: tsDelta(uvarint) len(uvarint) message
const chunkVersion = 1

// chunkOverhead is what AWS adds per event when it sizes a batch.
const eventOverhead = 26

type rawEvent struct {
	ts  int64
	msg string
}

func encodeChunk(events []rawEvent, ingestion int64) []byte {
	n := 1 + 3*binary.MaxVarintLen64
	for _, e := range events {
		n += 2*binary.MaxVarintLen32 + len(e.msg)
	}
	b := make([]byte, 0, n)
	b = append(b, chunkVersion)
	b = binary.AppendUvarint(b, uint64(len(events)))
	b = binary.AppendUvarint(b, uint64(ingestion))
	prev := events[0].ts
	b = binary.AppendUvarint(b, uint64(prev))
	for _, e := range events {
		b = binary.AppendUvarint(b, uint64(e.ts-prev))
		prev = e.ts
		b = binary.AppendUvarint(b, uint64(len(e.msg)))
		b = append(b, e.msg...)
	}
	return b
}

var errBadChunk = errors.New("logs: corrupt chunk")

type chunkHeader struct {
	count     int
	ingestion int64
	first     int64
	body      []byte
}

func readChunkHeader(b []byte) (chunkHeader, error) {
	if len(b) == 0 || b[0] != chunkVersion {
		return chunkHeader{}, errBadChunk
	}
	b = b[1:]
	var h chunkHeader
	vals := [3]uint64{}
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return chunkHeader{}, errBadChunk
		}
		vals[i], b = v, b[n:]
	}
	h.count, h.ingestion, h.first, h.body = int(vals[0]), int64(vals[1]), int64(vals[2]), b
	return h, nil
}

// eachEvent calls fn for every event in the chunk, in order, with the
// message aliasing the chunk; it stops early when fn returns false.
func (h chunkHeader) eachEvent(fn func(idx int, ts int64, msg []byte) bool) error {
	b, ts := h.body, h.first
	for i := 0; i < h.count; i++ {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadChunk
		}
		b = b[n:]
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return errBadChunk
		}
		b = b[n:]
		ts += int64(d)
		if !fn(i, ts, b[:l]) {
			return nil
		}
		b = b[l:]
	}
	return nil
}

// pos is a place in the total order of events: by timestamp, then stream
// incarnation (only across streams), then chunk sequence, then index in the
// chunk. Chunk sequences start at 1, so {ts, 0, 0, 0} sorts before every
// event at ts and {ts, max, max, max} after.
type pos struct {
	ts     int64
	stream uint64
	seq    uint64
	idx    uint32
}

const (
	maxSeq = 1<<64 - 1
	maxIdx = 1<<32 - 1
)

func (a pos) cmp(b pos) int {
	switch {
	case a.ts != b.ts:
		return cmpInt(a.ts, b.ts)
	case a.stream != b.stream:
		return cmpUint(a.stream, b.stream)
	case a.seq != b.seq:
		return cmpUint(a.seq, b.seq)
	}
	return cmpUint(uint64(a.idx), uint64(b.idx))
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func cmpUint(a, b uint64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Tokens and event ids look like AWS's ("f/<56 digits>/s"): fixed-width
// decimal fields ts(15) stream(20) seq(16 of the low digits) idx(5) for an
// event id, with "f/" or "b/" and "/s" around them for a token. They are
// opaque to clients; fixed widths make them cheap to build and parse.
func (p pos) digits() []byte {
	b := make([]byte, 0, 56)
	b = appendPadded(b, uint64(p.ts), 15)
	b = appendPadded(b, p.stream, 20)
	b = appendPadded(b, min(p.seq, 1e16-1), 16)
	return appendPadded(b, min(uint64(p.idx), 1e5-1), 5)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	s := strconv.AppendUint(nil, v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func (p pos) eventID() string { return string(p.digits()) }

func (p pos) token(forward bool) string {
	dir := "b/"
	if forward {
		dir = "f/"
	}
	return dir + string(p.digits()) + "/s"
}

// parseToken reads a token made by pos.token. Real sequences and indexes
// stay far below the all-nines field values, which stand for the maximum
// that sentinel positions use.
func parseToken(tok string) (p pos, forward bool, ok bool) {
	if len(tok) != 2+56+2 || tok[1] != '/' || tok[58:] != "/s" {
		return pos{}, false, false
	}
	switch tok[0] {
	case 'f':
		forward = true
	case 'b':
	default:
		return pos{}, false, false
	}
	d := tok[2:58]
	field := func(s string) (uint64, bool) {
		v, err := strconv.ParseUint(s, 10, 64)
		return v, err == nil
	}
	ts, ok1 := field(d[:15])
	stream, ok2 := field(d[15:35])
	seq, ok3 := field(d[35:51])
	idx, ok4 := field(d[51:])
	if !ok1 || !ok2 || !ok3 || !ok4 || ts > maxTS {
		return pos{}, false, false
	}
	if seq == 1e16-1 {
		seq = maxSeq
	}
	if idx == 1e5-1 {
		idx = maxIdx
	}
	return pos{ts: int64(ts), stream: stream, seq: seq, idx: uint32(idx)}, forward, true
}
