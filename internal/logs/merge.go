package logs

import (
	"container/heap"
	"context"
)

// merge interleaves several streams' iterators into one timestamp order
// (newest first when desc), pulling from each only as far as needed.
type merge struct {
	heads []mergeHead
	desc  bool
}

type mergeHead struct {
	it *streamIter
	ev storedEvent
}

func newMerge(ctx context.Context, iters []*streamIter, desc bool) (*merge, error) {
	m := &merge{desc: desc}
	for _, it := range iters {
		ev, ok, err := it.Next(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			m.heads = append(m.heads, mergeHead{it: it, ev: ev})
		}
	}
	heap.Init(m)
	return m, nil
}

func (m *merge) peek() mergeHead { return m.heads[0] }

// advance replaces the head event by the next one from the same stream.
func (m *merge) advance(ctx context.Context) error {
	ev, ok, err := m.heads[0].it.Next(ctx)
	if err != nil {
		return err
	}
	if !ok {
		heap.Pop(m)
		return nil
	}
	m.heads[0].ev = ev
	heap.Fix(m, 0)
	return nil
}

// heap.Interface.
func (m *merge) Len() int { return len(m.heads) }
func (m *merge) Less(i, j int) bool {
	c := m.heads[i].ev.pos.cmp(m.heads[j].ev.pos)
	if m.desc {
		return c > 0
	}
	return c < 0
}
func (m *merge) Swap(i, j int) { m.heads[i], m.heads[j] = m.heads[j], m.heads[i] }
func (m *merge) Push(x any)    { m.heads = append(m.heads, x.(mergeHead)) }
func (m *merge) Pop() any {
	last := m.heads[len(m.heads)-1]
	m.heads = m.heads[:len(m.heads)-1]
	return last
}
