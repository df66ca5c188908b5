package logs

import (
	"context"
	"errors"
	"math"

	"github.com/portolan/portolan/internal/store"
)

// collectSoon asks Run to remove deleted streams' events now rather than
// at the next RetentionInterval; the delete itself has already answered.
func (s *Control) collectSoon() {
	select {
	case s.collect <- struct{}{}:
	default:
	}
}

// collectTrash removes the events and index of every deleted stream.
func (s *Control) collectTrash(ctx context.Context) error {
	kvs, _, err := s.cfg.Store.List(ctx, trashPrefix)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		id, err := streamOfTrashKey(kv.Key)
		if err != nil {
			return err
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
func (s *Control) purgeStream(ctx context.Context, id uint64) error {
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
	markers, _, err := s.cfg.Store.List(ctx, indexOfStream(id))
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
