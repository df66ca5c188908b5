package logs

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// CreateLogStream creates a stream in an existing group (AWS CreateLogStream).
func (s *Control) CreateLogStream(ctx context.Context, in *LogStreamRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkStreamName("logStreamName", in.LogStreamName); err != nil {
		return nil, err
	}
	for {
		gkv, err := s.cfg.Store.Get(ctx, groupKey(in.LogGroupName))
		if errors.Is(err, store.ErrNotFound) {
			return nil, errGroupNotFound
		} else if err != nil {
			return nil, err
		}
		key := streamKey(in.LogGroupName, in.LogStreamName)
		if _, err := s.cfg.Store.Get(ctx, key); err == nil {
			return nil, errStreamExists
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{
			If:   []store.Cmp{store.Unchanged(gkv), store.Absent(key)},
			Then: []store.Op{store.Put(key, store.JSON(newStream(in.LogStreamName, nowMillis())))},
		})
		if !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
}

// DeleteLogStream deletes a stream (AWS DeleteLogStream).
func (s *Control) DeleteLogStream(ctx context.Context, in *LogStreamRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkStreamName("logStreamName", in.LogStreamName); err != nil {
		return nil, err
	}
	for {
		kv, err := s.cfg.Store.Get(ctx, streamKey(in.LogGroupName, in.LogStreamName))
		if errors.Is(err, store.ErrNotFound) {
			if _, gerr := s.cfg.Store.Get(ctx, groupKey(in.LogGroupName)); errors.Is(gerr, store.ErrNotFound) {
				return nil, errGroupNotFound
			}
			return nil, errStreamNotFound
		} else if err != nil {
			return nil, err
		}
		st, err := decodeStream(kv.Value)
		if err != nil {
			return nil, err
		}
		// The record goes now; its events follow in the background, found
		// through the trash key (a crash in between loses nothing but time).
		_, err = s.cfg.Store.Commit(ctx, store.Txn{
			If:   []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{store.Delete(kv.Key), store.Put(trashKey(st.ID), nil)},
		})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.collectSoon()
		return nil, nil
	}
}

// DescribeLogStreams lists a group's streams by name or by last event
// time (AWS DescribeLogStreams).
func (s *Control) DescribeLogStreams(ctx context.Context, in *DescribeLogStreamsInput) (*DescribeLogStreamsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	byTime := false
	if in.OrderBy != nil {
		switch *in.OrderBy {
		case "LogStreamName":
		case "LastEventTime":
			byTime = true
		default:
			return nil, invalidParam("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", *in.OrderBy)
		}
	}
	if byTime && in.LogStreamNamePrefix != nil {
		return nil, errOrderByTime
	}
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return nil, err
	}
	desc := in.Descending != nil && *in.Descending
	kvs, err := s.listStreams(ctx, group, in.LogStreamNamePrefix)
	if err != nil {
		return nil, err
	}
	streams := make([]streamRecord, 0, len(kvs))
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return nil, err
		}
		streams = append(streams, st)
	}
	// sortKey orders streams as requested; the token is the last key
	// returned, so paging survives streams being added or removed.
	sortKey := func(st streamRecord) string {
		if byTime {
			return tsHex(st.LastEventTimestamp) + ":" + st.Name
		}
		return st.Name
	}
	slices.SortFunc(streams, func(a, b streamRecord) int {
		c := strings.Compare(sortKey(a), sortKey(b))
		if desc {
			return -c
		}
		return c
	})
	after := ""
	if in.NextToken != nil {
		if after, err = decodeNameToken(*in.NextToken); err != nil {
			return nil, err
		}
	}
	out := &DescribeLogStreamsOutput{LogStreams: []LogStream{}}
	lastKey := ""
	for _, st := range streams {
		k := sortKey(st)
		if after != "" && ((!desc && k <= after) || (desc && k >= after)) {
			continue
		}
		if len(out.LogStreams) == limit {
			out.NextToken = awsapi.PageToken(lastKey)
			break
		}
		out.LogStreams = append(out.LogStreams, s.streamOut(group, st))
		lastKey = k
	}
	return out, nil
}

func (s *Control) streamOut(group string, st streamRecord) LogStream {
	o := LogStream{LogStreamName: st.Name, CreationTime: st.CreationTime, Arn: s.streamARN(group, st.Name)}
	if st.Seq > 0 {
		o.FirstEventTimestamp = &st.FirstEventTimestamp
		o.LastEventTimestamp = &st.LastEventTimestamp
		o.LastIngestionTime = &st.LastIngestionTime
		o.UploadSequenceToken = sequenceToken(st.Seq)
	}
	return o
}

// sequenceToken is what PutLogEvents used to require and still returns; it
// is ignored on input, as AWS now ignores it.
func sequenceToken(seq uint64) string { return string(appendPadded(nil, seq, 56)) }

// listStreams returns the stream records of an existing group whose names
// start with prefix (nil: all of them).
func (s *Control) listStreams(ctx context.Context, group string, prefix *string) ([]store.KV, error) {
	if _, err := s.cfg.Store.Get(ctx, groupKey(group)); errors.Is(err, store.ErrNotFound) {
		return nil, errGroupNotFound
	} else if err != nil {
		return nil, err
	}
	p := ""
	if prefix != nil {
		p = *prefix
	}
	kvs, _, err := s.cfg.Store.List(ctx, streamsOf(group)+p)
	return kvs, err
}

func (s *Control) readStream(ctx context.Context, group, stream string) (streamRecord, error) {
	kv, err := s.cfg.Store.Get(ctx, streamKey(group, stream))
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.cfg.Store.Get(ctx, groupKey(group)); errors.Is(gerr, store.ErrNotFound) {
			return streamRecord{}, errGroupNotFound
		}
		return streamRecord{}, errStreamNotFound
	} else if err != nil {
		return streamRecord{}, err
	}
	return decodeStream(kv.Value)
}

func checkStreamName(field, name string) error {
	return checkName(field, name, maxNameLen, noColonOrStar, "[^:*]*")
}

func (s *Control) streamARN(group, stream string) string {
	return s.GroupARN(group) + ":log-stream:" + stream
}

func newStream(name string, now int64) streamRecord {
	// A random incarnation id names the stream's keys; zero is avoided only
	// to keep "no stream" distinguishable in debugging output.
	return streamRecord{Name: name, ID: rand.Uint64() | 1, CreationTime: now}
}
