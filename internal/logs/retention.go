package logs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// maxDeleteBatch bounds how many keys one deleting transaction removes, so
// expiring a big backlog never builds one giant commit.
const maxDeleteBatch = 5000

// eachChunk visits a stream's chunks window by window in time order, for
// windows that start at or before until; it stops when fn returns false.
// stored is the stream's size, which decides whether even the whole stream
// is small enough to list at once.
func (s *Service) eachChunk(ctx context.Context, id uint64, stored uint64, until int64, fn func(store.KV) bool) error {
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
func (s *Service) enforceRetention(ctx context.Context, now time.Time) error {
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
func (s *Service) expireStream(ctx context.Context, key string, cutoff int64) error {
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

// collectSoon asks Run to remove deleted streams' events now rather than
// at the next RetentionInterval; the delete itself has already answered.
func (s *Service) collectSoon() {
	select {
	case s.collect <- struct{}{}:
	default:
	}
}

// collectTrash removes the events and index of every deleted stream.
func (s *Service) collectTrash(ctx context.Context) error {
	kvs, _, err := s.cfg.Store.List(ctx, trashPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		id, err := strconv.ParseUint(strings.TrimPrefix(kv.Key, trashPrefix), 16, 64)
		if err != nil {
			return fmt.Errorf("logs: bad trash key %q", kv.Key)
		}
		if err := s.purgeStream(ctx, id); err != nil {
			return err
		}
		if _, err := s.cfg.Store.Commit(ctx, store.Txn{Then: []store.Op{store.Delete(kv.Key)}}); err != nil {
			return err
		}
	}
	return nil
}

// purgeStream deletes every key of a stream incarnation nobody can write to
// any more: chunks first, the index that finds them last, so an interrupted
// purge can resume.
func (s *Service) purgeStream(ctx context.Context, id uint64) error {
	var batch []store.Op
	commit := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.cfg.Store.Commit(ctx, store.Txn{Then: batch})
		batch = batch[:0]
		return err
	}
	var cerr error
	err := s.eachChunk(ctx, id, math.MaxUint64, maxTS, func(kv store.KV) bool {
		batch = append(batch, store.Delete(kv.Key))
		if len(batch) >= maxDeleteBatch {
			cerr = commit()
		}
		return cerr == nil
	})
	if err = errors.Join(err, cerr, commit()); err != nil {
		return err
	}
	markers, _, err := s.cfg.Store.List(ctx, indexPrefix+hex16(id)+"/")
	if err != nil {
		return err
	}
	for _, kv := range markers {
		batch = append(batch, store.Delete(kv.Key))
		if len(batch) >= maxDeleteBatch {
			if err := commit(); err != nil {
				return err
			}
		}
	}
	return commit()
}
