package logs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/portolan/portolan/internal/store"
)

const (
	// maxChunkEvents keeps an index inside a chunk within the five digits
	// tokens give it, and matches PutLogEvents' batch limit.
	maxChunkEvents = 10_000
	// maxEventBytes is the largest message AWS accepts: 1 MiB less the
	// 26 bytes it counts per event.
	maxEventBytes = 1<<20 - eventOverhead
	// maxCommitAttempts bounds retries when another writer of the same
	// stream commits between our read and our write.
	maxCommitAttempts = 100
)

// creates says what a write may create when it is missing.
type creates uint8

const (
	createNothing        creates = iota // PutLogEvents: both must exist
	createStream                        // a service delivering to a group the user made
	createGroupAndStream                // the awslogs driver's awslogs-create-group
)

// writeEvents commits events to one stream in one transaction and returns
// the stream as written. Events need not be sorted. What create allows is
// created in the same transaction.
func (s *Control) writeEvents(ctx context.Context, group, stream string, events []rawEvent, create creates) (streamRecord, error) {
	if !slices.IsSortedFunc(events, byTS) {
		events = slices.Clone(events)
		slices.SortStableFunc(events, byTS)
	}
	chunks := splitChunks(events)
	for attempt := 1; ; attempt++ {
		st, err := s.tryWrite(ctx, group, stream, chunks, create)
		if !errors.Is(err, store.ErrConflict) || attempt == maxCommitAttempts {
			return st, err
		}
		// Another writer won the race for the stream record; back off a
		// little so a crowd of writers does not retry in lockstep.
		if attempt > 3 {
			select {
			case <-time.After(time.Duration(rand.IntN(attempt)) * time.Millisecond):
			case <-ctx.Done():
				return st, ctx.Err()
			}
		}
	}
}

func byTS(a, b rawEvent) int { return cmp.Compare(a.ts, b.ts) }

// splitChunks cuts sorted events into chunks: a chunk never crosses a slot
// boundary (so a time window is a key range) nor holds more than
// maxChunkEvents.
func splitChunks(events []rawEvent) [][]rawEvent {
	var out [][]rawEvent
	for len(events) > 0 {
		slot := events[0].ts >> (4 * (tsDigits - slotDigits))
		n := 1
		for n < len(events) && n < maxChunkEvents && events[n].ts>>(4*(tsDigits-slotDigits)) == slot {
			n++
		}
		out = append(out, events[:n])
		events = events[n:]
	}
	return out
}

func (s *Control) tryWrite(ctx context.Context, group, stream string, chunks [][]rawEvent, create creates) (streamRecord, error) {
	db := s.cfg.Store
	now := nowMillis()
	var txn store.Txn

	gkv, err := db.Get(ctx, groupKey(group))
	groupExists := err == nil
	switch {
	case err == nil:
		txn.If = append(txn.If, store.Unchanged(gkv))
	case errors.Is(err, store.ErrNotFound) && create == createGroupAndStream:
		txn.If = append(txn.If, store.Absent(groupKey(group)))
		txn.Then = append(txn.Then, store.Put(groupKey(group), store.JSON(groupRecord{Name: group, CreationTime: now})))
	case errors.Is(err, store.ErrNotFound):
		return streamRecord{}, errGroupNotFound
	default:
		return streamRecord{}, err
	}

	var st streamRecord
	skv, err := db.Get(ctx, streamKey(group, stream))
	fresh := false
	switch {
	case err == nil:
		if st, err = decodeStream(skv.Value); err != nil {
			return streamRecord{}, fmt.Errorf("decode stream %s:%s: %w", group, stream, err)
		}
		txn.If = append(txn.If, store.Unchanged(skv))
	case errors.Is(err, store.ErrNotFound) && create != createNothing:
		st, fresh = newStream(stream, now), true
		txn.If = append(txn.If, store.Absent(streamKey(group, stream)))
	case errors.Is(err, store.ErrNotFound):
		return streamRecord{}, errStreamNotFound
	default:
		return streamRecord{}, err
	}

	if len(chunks) == 0 && !fresh && groupExists {
		return st, nil
	}
	deltas := map[string]windowStats{}
	for _, c := range chunks {
		st.Seq++
		slot := tsHex(c[0].ts)[:slotDigits]
		value := encodeChunk(c, now)
		txn.Then = append(txn.Then, store.Put(chunkKey(st.ID, slot, st.Seq), value))
		for _, level := range indexLevels() {
			k := indexOf(st.ID, level) + slot[:level]
			d := deltas[k]
			d.Bytes += uint64(len(value))
			d.Events += uint64(len(c))
			deltas[k] = d
		}
		st.StoredBytes += int64(len(value))
		first, last := c[0].ts, c[len(c)-1].ts
		if st.FirstEventTimestamp == 0 || first < st.FirstEventTimestamp {
			st.FirstEventTimestamp = first
		}
		st.LastEventTimestamp = max(st.LastEventTimestamp, last)
	}
	if len(chunks) > 0 {
		st.LastIngestionTime = now
	}
	for k, d := range deltas {
		if !fresh {
			// The compare on the stream record covers these reads: every
			// writer of the index rewrites the stream record too.
			kv, err := db.Get(ctx, k)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return streamRecord{}, err
			}
			old := decodeStats(kv.Value)
			d.Bytes += old.Bytes
			d.Events += old.Events
		}
		txn.Then = append(txn.Then, store.Put(k, d.encode()))
	}
	txn.Then = append(txn.Then, store.Put(streamKey(group, stream), store.JSON(st)))
	if _, err := db.Commit(ctx, txn); err != nil {
		return streamRecord{}, err
	}
	return st, nil
}

// Event is one log event for the in-process API.
type Event struct {
	// Time is when the event happened; the zero Time means now.
	Time    time.Time
	Message string
}

// Append durably writes events to a stream, creating the group and the
// stream when they do not exist (as ECS's awslogs driver does with
// awslogs-create-group). Empty messages are dropped, as the awslogs driver
// drops empty lines, and a message longer than AWS's 1 MiB event limit is
// split. The events are one transaction: one fsync however many there are.
// Append with no events just makes sure the stream exists.
//
// For a steady flow of lines, a Writer batches better.
func (s *Control) Append(ctx context.Context, group, stream string, events []Event) error {
	return s.append(ctx, group, stream, events, createGroupAndStream)
}

// Deliver durably writes events to a stream of a group that must exist,
// creating the stream if needed: how an AWS service delivers to the group
// a user named (API Gateway's access logs). Lines for a group that is
// gone fail with ErrResourceNotFound, and the caller drops them, as AWS
// does; re-creating the group would make the next CreateLogGroup of the
// user's template fail.
func (s *Control) Deliver(ctx context.Context, group, stream string, events []Event) error {
	return s.append(ctx, group, stream, events, createStream)
}

func (s *Control) append(ctx context.Context, group, stream string, events []Event, create creates) error {
	if err := checkGroupName("logGroupName", group); err != nil {
		return err
	}
	if err := checkStreamName("logStreamName", stream); err != nil {
		return err
	}
	now := time.Now()
	raw := make([]rawEvent, 0, len(events))
	for _, e := range events {
		raw = appendEvent(raw, e.Time, now, e.Message)
	}
	_, err := s.writeEvents(ctx, group, stream, raw, create)
	return err
}

// appendEvent adds message as one or more raw events: empty messages are
// dropped and long ones split on a UTF-8 boundary.
func appendEvent(dst []rawEvent, t, now time.Time, message string) []rawEvent {
	if t.IsZero() {
		t = now
	}
	ts := min(max(t.UnixMilli(), 0), maxTS)
	for len(message) > 0 {
		n := min(len(message), maxEventBytes)
		for n < len(message) && n > 0 && !utf8RuneStart(message[n]) {
			n--
		}
		if n == 0 {
			n = min(len(message), maxEventBytes)
		}
		dst = append(dst, rawEvent{ts: ts, msg: message[:n]})
		message = message[n:]
	}
	return dst
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
