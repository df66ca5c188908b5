package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// retentionDays is the set PutRetentionPolicy accepts.
func retentionDays() []int32 {
	return []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

// PutRetentionPolicy sets how many days a group keeps its events (AWS
// PutRetentionPolicy).
func (s *Control) PutRetentionPolicy(ctx context.Context, in *PutRetentionPolicyInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	allowed := retentionDays()
	if in.RetentionInDays == nil || !slices.Contains(allowed, *in.RetentionInDays) {
		days := "null"
		if in.RetentionInDays != nil {
			days = strconv.Itoa(int(*in.RetentionInDays))
		}
		set := make([]string, len(allowed))
		for i, d := range allowed {
			set[i] = strconv.Itoa(int(d))
		}
		return nil, invalidParam("1 validation error detected: Value '%s' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]", days, strings.Join(set, ", "))
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) error {
		g.RetentionInDays = *in.RetentionInDays
		return nil
	})
}

// DeleteRetentionPolicy makes a group keep its events forever (AWS
// DeleteRetentionPolicy).
func (s *Control) DeleteRetentionPolicy(ctx context.Context, in *LogGroupRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) error {
		g.RetentionInDays = 0
		return nil
	})
}

// maxDeleteBatch bounds how many keys one deleting transaction removes, so
// expiring a big backlog never builds one giant commit.
const maxDeleteBatch = 5000

// eachChunk visits a stream's chunks window by window in time order, for
// windows that start at or before until; it stops when fn returns false.
// stored is the stream's size, which decides whether even the whole stream
// is small enough to list at once.
func (s *Control) eachChunk(ctx context.Context, id uint64, stored uint64, until int64, fn func(store.KV) bool) error {
	it := &streamIter{s: s, id: id, lo: 0, hi: until, stack: []iterNode{{stats: windowStats{Bytes: stored}}}}
	for len(it.stack) > 0 {
		n := it.stack[len(it.stack)-1]
		it.stack = it.stack[:len(it.stack)-1]
		if !it.overlaps(n.prefix) {
			continue
		}
		switch {
		case n.list || n.stats.Bytes <= listThreshold:
			kvs, _, err := s.cfg.Store.List(ctx, eventsOf(id)+n.prefix)
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				if !fn(kv) {
					return nil
				}
			}
		case n.level == lastLevel:
			it.pushSlots(n.prefix)
		default:
			if err := it.expand(ctx, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// enforceRetention deletes the events of every group with a retention
// policy (or under Config.DefaultRetention) that are older than it. A chunk
// goes once its whole slot is past the cutoff, so events outlive their
// retention by at most a slot (256 ms) plus the RetentionInterval; AWS
// itself allows up to 72 hours.
func (s *Control) enforceRetention(ctx context.Context, now time.Time) error {
	kvs, _, err := s.cfg.Store.List(ctx, groupsPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return err
		}
		keep := s.cfg.DefaultRetention
		if g.RetentionInDays > 0 {
			keep = time.Duration(g.RetentionInDays) * 24 * time.Hour
		}
		if keep <= 0 {
			continue
		}
		cutoff := now.Add(-keep).UnixMilli()
		streams, _, err := s.cfg.Store.List(ctx, streamsOf(g.Name))
		if err != nil {
			return err
		}
		for _, skv := range streams {
			if err := s.expireStream(ctx, skv.Key, cutoff); err != nil {
				return fmt.Errorf("expire %s: %w", skv.Key, err)
			}
		}
	}
	return nil
}

// expireStream deletes a stream's chunks whose slot ends before cutoff, in
// batches. Each batch also lowers the index stats and the stream's size,
// and commits only if the stream record is unchanged: a concurrent write
// makes it start over rather than subtract from stale numbers.
func (s *Control) expireStream(ctx context.Context, key string, cutoff int64) error {
	for attempt := 0; attempt < maxCommitAttempts; {
		kv, err := s.cfg.Store.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		st, err := decodeStream(kv.Value)
		if err != nil {
			return err
		}
		base := eventsOf(st.ID)
		var (
			del    []store.Op
			deltas = map[string]windowStats{}
			freed  int64
		)
		err = s.eachChunk(ctx, st.ID, uint64(max(st.StoredBytes, 0)), cutoff, func(c store.KV) bool {
			slot := c.Key[len(base) : len(base)+slotDigits]
			if _, hi := window(slot); hi >= cutoff {
				return true
			}
			h, err := readChunkHeader(c.Value)
			if err != nil {
				// A chunk we cannot read is worth no more than an expired one.
				h.count = 0
			}
			del = append(del, store.Delete(c.Key))
			freed += int64(len(c.Value))
			for _, level := range indexLevels() {
				k := indexOf(st.ID, level) + slot[:level]
				d := deltas[k]
				d.Bytes += uint64(len(c.Value))
				d.Events += uint64(h.count)
				deltas[k] = d
			}
			return len(del) < maxDeleteBatch
		})
		if err != nil {
			return err
		}
		if len(del) == 0 {
			return nil
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: del}
		for k, d := range deltas {
			mkv, err := s.cfg.Store.Get(ctx, k)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			cur := decodeStats(mkv.Value)
			if cur.Events <= d.Events {
				txn.Then = append(txn.Then, store.Delete(k))
				continue
			}
			cur.Events -= d.Events
			cur.Bytes -= min(d.Bytes, cur.Bytes)
			txn.Then = append(txn.Then, store.Put(k, cur.encode()))
		}
		st.StoredBytes = max(st.StoredBytes-freed, 0)
		txn.Then = append(txn.Then, store.Put(key, store.JSON(st)))
		switch _, err := s.cfg.Store.Commit(ctx, txn); {
		case errors.Is(err, store.ErrConflict):
			attempt++
		case err != nil:
			return err
		case len(del) < maxDeleteBatch:
			return nil
		}
	}
	return nil
}
