package logs

import (
	"context"
	"fmt"
	"slices"
)

// listThreshold is how many stored bytes a time window may hold for a
// reader to list it with one store call instead of descending the index:
// big enough that sparse streams take few calls, small enough that reading
// the latest page of a busy stream does not load minutes of its history.
const listThreshold = 512 << 10

// storedEvent is an event as read back.
type storedEvent struct {
	pos       pos
	ingestion int64
	msg       string
}

// streamIter walks one stream's events in timestamp order (or reverse),
// between lo and hi inclusive and strictly beyond a cursor, loading one
// time window at a time: the index tells it which windows hold anything
// and how much, so empty stretches cost nothing and big ones are split.
type streamIter struct {
	s      *Control
	id     uint64
	name   string
	lo, hi int64
	// cursor, when set, excludes it and everything before it (after it
	// when desc): paging resumes strictly past the last event seen.
	cursor *pos
	desc   bool

	stack []iterNode
	buf   []storedEvent
	next  int
	done  bool
	// loaded counts the stored bytes read so far, for callers that budget a scan.
	loaded int64
}

type iterNode struct {
	prefix string // hex digits of the timestamp
	level  int    // index level the stats come from; 0 for the root
	stats  windowStats
	list   bool // list the prefix's events without consulting the index
}

func (s *Control) newIter(st streamRecord, lo, hi int64, cursor *pos, desc bool) *streamIter {
	return &streamIter{s: s, id: st.ID, name: st.Name, lo: lo, hi: hi, cursor: cursor, desc: desc,
		stack: []iterNode{{stats: windowStats{Bytes: uint64(max(st.StoredBytes, 0))}}}}
}

// Next returns the next event, or ok=false when the stream has no more.
func (it *streamIter) Next(ctx context.Context) (storedEvent, bool, error) {
	for {
		if it.next < len(it.buf) {
			it.next++
			return it.buf[it.next-1], true, nil
		}
		if len(it.stack) == 0 {
			it.done = true
			return storedEvent{}, false, nil
		}
		n := it.stack[len(it.stack)-1]
		it.stack = it.stack[:len(it.stack)-1]
		if !it.overlaps(n.prefix) {
			continue
		}
		var err error
		switch {
		case n.list || n.stats.Bytes <= listThreshold:
			err = it.load(ctx, n.prefix)
		case n.level == lastLevel:
			it.pushSlots(n.prefix)
		default:
			err = it.expand(ctx, n)
		}
		if err != nil {
			return storedEvent{}, false, err
		}
	}
}

// overlaps reports whether the window of a prefix can hold events the
// iterator still wants.
func (it *streamIter) overlaps(prefix string) bool {
	if prefix == "" {
		return true
	}
	wlo, whi := window(prefix)
	if whi < it.lo || wlo > it.hi {
		return false
	}
	if it.cursor != nil {
		if !it.desc && whi < it.cursor.ts {
			return false
		}
		if it.desc && wlo > it.cursor.ts {
			return false
		}
	}
	return true
}

// push adds nodes given in time order so that the stack pops them in
// iteration order.
func (it *streamIter) push(nodes []iterNode) {
	if it.desc {
		it.stack = append(it.stack, nodes...)
		return
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		it.stack = append(it.stack, nodes[i])
	}
}

// expand replaces a big window by its children at the next index level.
func (it *streamIter) expand(ctx context.Context, n iterNode) error {
	level := topLevel
	switch n.level {
	case topLevel:
		level = midLevel
	case midLevel:
		level = lastLevel
	}
	prefix := indexOf(it.id, level)
	kvs, _, err := it.s.cfg.Store.List(ctx, prefix+n.prefix)
	if err != nil {
		return err
	}
	nodes := make([]iterNode, 0, len(kvs))
	for _, kv := range kvs {
		nodes = append(nodes, iterNode{prefix: kv.Key[len(prefix):], level: level, stats: decodeStats(kv.Value)})
	}
	it.push(nodes)
	return nil
}

// pushSlots replaces a big last-level window by its 256 slots, listed one
// by one: past the index, the keys themselves are the finest grain.
func (it *streamIter) pushSlots(prefix string) {
	const hexdigits = "0123456789abcdef"
	nodes := make([]iterNode, 0, 256)
	for i := range 256 {
		nodes = append(nodes, iterNode{prefix: prefix + string([]byte{hexdigits[i>>4], hexdigits[i&0xf]}), list: true})
	}
	it.push(nodes)
}

// load reads every chunk under a prefix into the buffer, keeping the
// events the iterator wants, in iteration order.
func (it *streamIter) load(ctx context.Context, prefix string) error {
	base := eventsOf(it.id)
	kvs, _, err := it.s.cfg.Store.List(ctx, base+prefix)
	if err != nil {
		return err
	}
	it.buf, it.next = it.buf[:0], 0
	for _, kv := range kvs {
		it.loaded += int64(len(kv.Value))
		seq, err := chunkSeq(kv.Key)
		if err != nil {
			return err
		}
		h, err := readChunkHeader(kv.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", kv.Key, err)
		}
		err = h.eachEvent(func(idx int, ts int64, msg []byte) bool {
			if ts < it.lo || ts > it.hi {
				return true
			}
			p := pos{ts: ts, stream: it.id, seq: seq, idx: uint32(idx)}
			if it.cursor != nil {
				if c := p.cmp(*it.cursor); (!it.desc && c <= 0) || (it.desc && c >= 0) {
					return true
				}
			}
			it.buf = append(it.buf, storedEvent{pos: p, ingestion: h.ingestion, msg: string(msg)})
			return true
		})
		if err != nil {
			return fmt.Errorf("%s: %w", kv.Key, err)
		}
	}
	// Chunks of one slot can overlap in time (two writers, or a late
	// batch), so order the window's events before handing them out.
	slices.SortFunc(it.buf, func(a, b storedEvent) int {
		if it.desc {
			return b.pos.cmp(a.pos)
		}
		return a.pos.cmp(b.pos)
	})
	return nil
}
