package logs

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/portolan/portolan/internal/store"
)

// PutLogEvents stores a batch of events in an existing stream (AWS
// PutLogEvents).
func (s *Control) PutLogEvents(ctx context.Context, in *PutLogEventsInput) (*PutLogEventsOutput, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkStreamName("logStreamName", in.LogStreamName); err != nil {
		return nil, err
	}
	n := len(in.LogEvents)
	if n < 1 || n > maxChunkEvents {
		return nil, invalidParam("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and %d", maxChunkEvents)
	}
	events := make([]rawEvent, n)
	size := 0
	for i, e := range in.LogEvents {
		if e.Timestamp == nil {
			return nil, invalidParam("1 validation error detected: Value null at 'logEvents.%d.member.timestamp' failed to satisfy constraint: Member must not be null", i+1)
		}
		if e.Message == nil {
			return nil, invalidParam("1 validation error detected: Value null at 'logEvents.%d.member.message' failed to satisfy constraint: Member must not be null", i+1)
		}
		if *e.Message == "" {
			return nil, invalidParam("1 validation error detected: Value '' at 'logEvents.%d.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
		}
		if *e.Timestamp < 0 || *e.Timestamp > maxTS {
			return nil, invalidParam("Log event timestamp %d is out of range.", *e.Timestamp)
		}
		if i > 0 && *e.Timestamp < events[i-1].ts {
			return nil, errUnsortedBatch
		}
		events[i] = rawEvent{ts: *e.Timestamp, msg: *e.Message}
		size += len(*e.Message) + eventOverhead
	}
	if size > maxBatchBytes {
		return nil, invalidParam("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	gkv, err := s.cfg.Store.Get(ctx, groupKey(in.LogGroupName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGroupNotFound
	} else if err != nil {
		return nil, err
	}
	g, err := decodeGroup(gkv.Value)
	if err != nil {
		return nil, err
	}

	// Events too old, past the group's retention, or too far in the future
	// are rejected while the rest are stored; the batch is sorted, so the
	// rejects are a prefix and a suffix.
	now := time.Now()
	tooOld := now.Add(-tooOldBefore).UnixMilli()
	tooNew := now.Add(tooNewAfter).UnixMilli()
	expired := int64(-1)
	if g.RetentionInDays > 0 {
		expired = now.Add(-time.Duration(g.RetentionInDays) * 24 * time.Hour).UnixMilli()
	}
	var rej RejectedLogEventsInfo
	first, end := 0, n
	for i, e := range events {
		if e.ts < tooOld {
			rej.TooOldLogEventEndIndex = ptr(i)
			first = i + 1
		}
		if e.ts < expired {
			rej.ExpiredLogEventEndIndex = ptr(i)
			first = max(first, i+1)
		}
	}
	for i := n - 1; i >= first && events[i].ts > tooNew; i-- {
		rej.TooNewLogEventStartIndex = ptr(i)
		end = i
	}
	valid := events[first:end]
	if len(valid) > 1 && valid[len(valid)-1].ts-valid[0].ts > maxBatchSpan.Milliseconds() {
		return nil, errBatchSpan
	}
	st, err := s.writeEvents(ctx, in.LogGroupName, in.LogStreamName, valid, createNothing)
	if err != nil {
		return nil, err
	}
	out := &PutLogEventsOutput{NextSequenceToken: sequenceToken(st.Seq + 1)}
	if rej != (RejectedLogEventsInfo{}) {
		out.RejectedLogEventsInfo = &rej
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// GetLogEvents pages with two cursors: nextForwardToken ("f/…") continues
// after the last event returned, nextBackwardToken ("b/…") before the
// first. At either end of the stream the token passed in comes back
// unchanged, which is how clients (and the SDK paginator's
// StopOnDuplicateToken) know to stop.
func (s *Control) GetLogEvents(ctx context.Context, in *GetLogEventsInput) (*GetLogEventsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if err := checkStreamName("logStreamName", in.LogStreamName); err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit, eventsLimit)
	if err != nil {
		return nil, err
	}
	var (
		cursor  *pos
		forward = in.StartFromHead != nil && *in.StartFromHead
	)
	if in.NextToken != nil {
		p, fwd, ok := parseToken(*in.NextToken)
		if !ok {
			return nil, errBadToken
		}
		cursor, forward = &p, fwd
	}
	st, err := s.readStream(ctx, group, in.LogStreamName)
	if err != nil {
		return nil, err
	}
	lo, hi := int64(0), int64(maxTS)
	if in.StartTime != nil {
		lo = min(max(*in.StartTime, 0), maxTS)
	}
	if in.EndTime != nil {
		hi = min(*in.EndTime-1, maxTS) // endTime is exclusive here
	}
	it := s.newIter(st, lo, hi, cursor, !forward)
	out := &GetLogEventsOutput{Events: []OutputLogEvent{}}
	var seen []pos
	bytes := 0
	for len(out.Events) < limit {
		e, ok, err := it.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if bytes += len(e.msg) + eventOverhead; bytes > maxPageBytes && len(out.Events) > 0 {
			break
		}
		out.Events = append(out.Events, OutputLogEvent{Timestamp: e.pos.ts, Message: e.msg, IngestionTime: e.ingestion})
		seen = append(seen, e.pos)
	}
	if !forward {
		// Walked backwards from the end; the page still reads oldest first.
		slices.Reverse(out.Events)
		slices.Reverse(seen)
	}
	switch {
	case len(seen) > 0:
		out.NextForwardToken = seen[len(seen)-1].token(true)
		out.NextBackwardToken = seen[0].token(false)
	case cursor != nil:
		out.NextForwardToken, out.NextBackwardToken = cursor.token(true), cursor.token(false)
		if forward {
			out.NextForwardToken = *in.NextToken
		} else {
			out.NextBackwardToken = *in.NextToken
		}
	default:
		// Nothing in range yet: both cursors sit at its start, so paging
		// forward later picks up whatever arrives.
		start := pos{ts: lo}
		out.NextForwardToken, out.NextBackwardToken = start.token(true), start.token(false)
	}
	return out, nil
}

// FilterLogEvents merges the group's streams in timestamp order (always
// interleaved, as AWS has done since 2019). A page ends at the limit, at
// 1 MB, or when the scan budget is spent; nextToken then resumes after the
// last event examined, and is absent once everything has been searched —
// `aws logs tail` and the SDK paginators stop on that.
func (s *Control) FilterLogEvents(ctx context.Context, in *FilterLogEventsInput) (*FilterLogEventsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != nil {
		return nil, errNamesAndPrefix
	}
	if len(in.LogStreamNames) > maxStreamNames {
		return nil, invalidParam("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to %d", maxStreamNames)
	}
	limit, err := checkLimit(in.Limit, eventsLimit)
	if err != nil {
		return nil, err
	}
	pattern := &FilterPattern{all: true}
	if in.FilterPattern != nil {
		if pattern, err = ParseFilterPattern(*in.FilterPattern); err != nil {
			return nil, invalidParam("Invalid filter pattern: %v", err)
		}
	}
	desc := in.StartFromHead != nil && !*in.StartFromHead
	if desc && (in.StartTime == nil || *in.StartTime < descendingEpochMS) {
		return nil, errDescendingStart
	}
	var cursor *pos
	if in.NextToken != nil {
		p, fwd, ok := parseToken(*in.NextToken)
		if !ok {
			return nil, errBadToken
		}
		cursor, desc = &p, !fwd
	}
	kvs, err := s.listStreams(ctx, group, in.LogStreamNamePrefix)
	if err != nil {
		return nil, err
	}
	var names map[string]bool
	if len(in.LogStreamNames) > 0 {
		names = map[string]bool{}
		for _, n := range in.LogStreamNames {
			names[n] = true
		}
	}
	lo, hi := int64(0), int64(maxTS)
	if in.StartTime != nil {
		lo = min(max(*in.StartTime, 0), maxTS)
	}
	if in.EndTime != nil {
		hi = min(*in.EndTime, maxTS) // endTime is inclusive here
	}
	var iters []*streamIter
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return nil, err
		}
		if names != nil && !names[st.Name] || in.keep != nil && !in.keep(st.Name) {
			continue
		}
		it := s.newIter(st, lo, hi, cursor, desc)
		if st.Seq == 0 || st.LastEventTimestamp < lo || st.FirstEventTimestamp > hi {
			// The record's bounds only ever widen (expiry leaves them), so
			// this skips streams that cannot hold a match: the many dead
			// task streams of a group, when tail polls for the last minutes.
			it.stack, it.done = nil, true
		}
		iters = append(iters, it)
	}

	m, err := newMerge(ctx, iters, desc)
	if err != nil {
		return nil, err
	}
	out := &FilterLogEventsOutput{Events: []FilteredLogEvent{}, SearchedLogStreams: []SearchedLogStream{}}
	var (
		last    *pos
		bytes   int
		more    bool
		scanned = func() (n int64) {
			for _, it := range iters {
				n += it.loaded
			}
			return n
		}
	)
	for examined := 0; m.Len() > 0; examined++ {
		// The budget is summed over the streams, so look only now and then.
		if len(out.Events) == limit || (examined%1024 == 1023 && scanned() > s.scanBudget) {
			more = true
			break
		}
		head := m.peek()
		if pattern.Match(head.ev.msg) {
			if bytes+len(head.ev.msg)+eventOverhead > maxPageBytes && len(out.Events) > 0 {
				more = true
				break
			}
			bytes += len(head.ev.msg) + eventOverhead
			out.Events = append(out.Events, FilteredLogEvent{
				LogStreamName: head.it.name, Timestamp: head.ev.pos.ts, Message: head.ev.msg,
				IngestionTime: head.ev.ingestion, EventID: head.ev.pos.eventID(),
			})
		}
		p := head.ev.pos
		last = &p
		if err := m.advance(ctx); err != nil {
			return nil, err
		}
	}
	for _, it := range iters {
		out.SearchedLogStreams = append(out.SearchedLogStreams, SearchedLogStream{LogStreamName: it.name, SearchedCompletely: !more || it.done})
	}
	if more {
		out.NextToken = last.token(!desc)
	}
	return out, nil
}
