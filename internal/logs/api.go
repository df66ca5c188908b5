package logs

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// The wire handlers: decode, validate as AWS does, call the store, encode.
// Field names are the API model's (awsJson1_1, lowerCamel members).

// Limits from the CloudWatch Logs API reference and model.
const (
	describeLimit     = 50        // DescribeLogGroups/DescribeLogStreams limit: 1-50, default 50
	eventsLimit       = 10_000    // GetLogEvents/FilterLogEvents limit: 1-10000, default 10000
	maxPageBytes      = 1 << 20   // a page of events holds at most 1 MB
	maxBatchBytes     = 1_048_576 // PutLogEvents: sum of messages + 26 bytes per event
	maxTags           = 50
	maxStreamNames    = 100
	tooNewAfter       = 2 * time.Hour
	tooOldBefore      = 14 * 24 * time.Hour
	maxBatchSpan      = 24 * time.Hour
	filterScanBudget  = 64 << 20      // stored bytes one FilterLogEvents call reads before returning a partial page
	descendingEpochMS = 1704067200000 // 2024-01-01T00:00:00Z: startFromHead=false needs startTime on or after it
)

// retentionDays is the set PutRetentionPolicy accepts.
func retentionDays() []int32 {
	return []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

func invalidParam(format string, args ...any) error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

// Log groups.

type CreateLogGroupInput struct {
	LogGroupName  string            `json:"logGroupName"`
	KmsKeyID      string            `json:"kmsKeyId"`
	Tags          map[string]string `json:"tags"`
	LogGroupClass string            `json:"logGroupClass"`
}

func (s *Service) CreateLogGroup(ctx context.Context, in *CreateLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, invalidParam("A log group can have no more than %d tags.", maxTags)
	}
	switch in.LogGroupClass {
	case "", "STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS":
	default:
		return nil, invalidParam("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY, ESSENTIALS]", in.LogGroupClass)
	}
	g := groupRecord{Name: in.LogGroupName, CreationTime: nowMillis(), KmsKeyID: in.KmsKeyID, Tags: in.Tags, LogGroupClass: in.LogGroupClass}
	_, err := s.cfg.Store.Commit(ctx, store.Txn{
		If:   []store.Cmp{store.Absent(groupKey(g.Name))},
		Then: []store.Op{store.Put(groupKey(g.Name), store.JSON(g))},
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, awsapi.Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	return nil, err
}

type LogGroupRef struct {
	LogGroupName string `json:"logGroupName"`
}

func (s *Service) DeleteLogGroup(ctx context.Context, in *LogGroupRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	// The group and the streams listed go in one transaction, each stream
	// leaving a trash key for Run to purge its events by. Only the group
	// record is compared: a writer racing with us either committed first
	// (its chunks carry the stream id we trash) or finds the group gone.
	for attempt := 1; ; attempt++ {
		gkv, err := s.cfg.Store.Get(ctx, groupKey(in.LogGroupName))
		if errors.Is(err, store.ErrNotFound) {
			return nil, errGroupNotFound
		} else if err != nil {
			return nil, err
		}
		txn, err := s.dropStreams(ctx, in.LogGroupName)
		if err != nil {
			return nil, err
		}
		txn.If = []store.Cmp{store.Unchanged(gkv)}
		txn.Then = append(txn.Then, store.Delete(gkv.Key))
		_, err = s.cfg.Store.Commit(ctx, txn)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) || attempt == maxCommitAttempts {
			return nil, err
		}
	}
	// A stream created between our listing and our commit (its creation
	// compared the group, which had not changed yet) is swept up now;
	// from here on creations fail, since the group is gone.
	txn, err := s.dropStreams(ctx, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if len(txn.Then) > 0 {
		if _, err := s.cfg.Store.Commit(ctx, txn); err != nil {
			return nil, err
		}
	}
	s.collectSoon()
	return nil, nil
}

// dropStreams returns the ops that delete every stream of a group and
// leave their events to the trash collector.
func (s *Service) dropStreams(ctx context.Context, group string) (store.Txn, error) {
	var txn store.Txn
	kvs, _, err := s.cfg.Store.List(ctx, streamsOf(group))
	if err != nil {
		return txn, err
	}
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return txn, err
		}
		txn.Then = append(txn.Then, store.Delete(kv.Key), store.Put(trashKey(st.ID), nil))
	}
	return txn, nil
}

type DescribeLogGroupsInput struct {
	LogGroupNamePrefix  *string  `json:"logGroupNamePrefix"`
	LogGroupNamePattern *string  `json:"logGroupNamePattern"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	LogGroupClass       string   `json:"logGroupClass"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

type LogGroup struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   *int32 `json:"retentionInDays,omitempty"`
	MetricFilterCount *int32 `json:"metricFilterCount,omitempty"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn,omitempty"`
	StoredBytes       *int64 `json:"storedBytes,omitempty"`
	KmsKeyID          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass,omitempty"`
}

type DescribeLogGroupsOutput struct {
	LogGroups []LogGroup `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

func (s *Service) DescribeLogGroups(ctx context.Context, in *DescribeLogGroupsInput) (*DescribeLogGroupsOutput, error) {
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, invalidParam("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit, err := checkLimit(in.Limit, describeLimit)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if in.LogGroupNamePrefix != nil {
		prefix = *in.LogGroupNamePrefix
	}
	after := ""
	if in.NextToken != nil {
		if after, err = decodeNameToken(*in.NextToken); err != nil {
			return nil, err
		}
	}
	var wanted map[string]bool
	if len(in.LogGroupIdentifiers) > 0 {
		wanted = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			if g, ok := s.groupFromARN(id); ok {
				id = g
			}
			wanted[id] = true
		}
	}
	kvs, _, err := s.cfg.Store.List(ctx, groupsPrefix+prefix)
	if err != nil {
		return nil, err
	}
	out := &DescribeLogGroupsOutput{LogGroups: []LogGroup{}}
	for _, kv := range kvs {
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return nil, err
		}
		if g.Name <= after && after != "" {
			continue
		}
		if in.LogGroupNamePattern != nil && !strings.Contains(g.Name, *in.LogGroupNamePattern) {
			continue
		}
		if wanted != nil && !wanted[g.Name] {
			continue
		}
		if !classMatches(in.LogGroupClass, g.class()) {
			continue
		}
		if len(out.LogGroups) == limit {
			out.NextToken = encodeNameToken(out.LogGroups[limit-1].LogGroupName)
			break
		}
		o := LogGroup{LogGroupName: g.Name, CreationTime: g.CreationTime, Arn: s.GroupARN(g.Name) + ":*"}
		if in.LogGroupNamePattern == nil {
			// With a pattern AWS returns only arn, creationTime and logGroupName.
			stored, err := s.groupStoredBytes(ctx, g.Name)
			if err != nil {
				return nil, err
			}
			zero := int32(0)
			o.LogGroupArn, o.StoredBytes, o.MetricFilterCount = s.GroupARN(g.Name), &stored, &zero
			o.KmsKeyID, o.LogGroupClass = g.KmsKeyID, g.class()
			if g.RetentionInDays > 0 {
				o.RetentionInDays = &g.RetentionInDays
			}
		}
		out.LogGroups = append(out.LogGroups, o)
	}
	return out, nil
}

// classMatches applies DescribeLogGroups' logGroupClass filter, under which
// INFREQUENT_ACCESS and ESSENTIALS select each other's groups too.
func classMatches(filter, class string) bool {
	lowCost := func(c string) bool { return c == "INFREQUENT_ACCESS" || c == "ESSENTIALS" }
	return filter == "" || filter == class || lowCost(filter) && lowCost(class)
}

func (s *Service) groupStoredBytes(ctx context.Context, group string) (int64, error) {
	kvs, _, err := s.cfg.Store.List(ctx, streamsOf(group))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, kv := range kvs {
		st, err := decodeStream(kv.Value)
		if err != nil {
			return 0, err
		}
		n += st.StoredBytes
	}
	return n, nil
}

// Paging tokens for the Describe operations carry the last name returned:
// resuming "after it" stays right when groups or streams come and go.
func encodeNameToken(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeNameToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", invalidParam("The specified nextToken is invalid.")
	}
	return string(b), nil
}

func checkLimit(limit *int32, max int) (int, error) {
	if limit == nil {
		return max, nil
	}
	if *limit < 1 || int(*limit) > max {
		return 0, invalidParam("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return int(*limit), nil
}

// Log streams.

type LogStreamRef struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

func (s *Service) CreateLogStream(ctx context.Context, in *LogStreamRef) (*struct{}, error) {
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
			return nil, awsapi.Errorf("ResourceAlreadyExistsException", "The specified log stream already exists")
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

func (s *Service) DeleteLogStream(ctx context.Context, in *LogStreamRef) (*struct{}, error) {
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

type DescribeLogStreamsInput struct {
	LogGroupName        *string `json:"logGroupName"`
	LogGroupIdentifier  *string `json:"logGroupIdentifier"`
	LogStreamNamePrefix *string `json:"logStreamNamePrefix"`
	OrderBy             *string `json:"orderBy"`
	Descending          *bool   `json:"descending"`
	NextToken           *string `json:"nextToken"`
	Limit               *int32  `json:"limit"`
}

type LogStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	// StoredBytes is always 0: AWS stopped reporting it for streams in 2019.
	StoredBytes int64 `json:"storedBytes"`
}

type DescribeLogStreamsOutput struct {
	LogStreams []LogStream `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

func (s *Service) DescribeLogStreams(ctx context.Context, in *DescribeLogStreamsInput) (*DescribeLogStreamsOutput, error) {
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
		return nil, invalidParam("Cannot order by LastEventTime with a logStreamNamePrefix.")
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
			out.NextToken = encodeNameToken(lastKey)
			break
		}
		out.LogStreams = append(out.LogStreams, s.streamOut(group, st))
		lastKey = k
	}
	return out, nil
}

func (s *Service) streamOut(group string, st streamRecord) LogStream {
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

// Events in.

type InputLogEvent struct {
	Timestamp *int64  `json:"timestamp"`
	Message   *string `json:"message"`
}

type PutLogEventsInput struct {
	LogGroupName  string          `json:"logGroupName"`
	LogStreamName string          `json:"logStreamName"`
	LogEvents     []InputLogEvent `json:"logEvents"`
	SequenceToken *string         `json:"sequenceToken"`
}

type RejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

type PutLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken,omitempty"`
	RejectedLogEventsInfo *RejectedLogEventsInfo `json:"rejectedLogEventsInfo,omitempty"`
}

func (s *Service) PutLogEvents(ctx context.Context, in *PutLogEventsInput) (*PutLogEventsOutput, error) {
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
			return nil, invalidParam("Log events in a single PutLogEvents request must be in chronological order.")
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
		return nil, invalidParam("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	st, err := s.writeEvents(ctx, in.LogGroupName, in.LogStreamName, valid, false)
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

// Events out.

type GetLogEventsInput struct {
	LogGroupName       *string `json:"logGroupName"`
	LogGroupIdentifier *string `json:"logGroupIdentifier"`
	LogStreamName      string  `json:"logStreamName"`
	StartTime          *int64  `json:"startTime"`
	EndTime            *int64  `json:"endTime"`
	NextToken          *string `json:"nextToken"`
	Limit              *int32  `json:"limit"`
	StartFromHead      *bool   `json:"startFromHead"`
}

type OutputLogEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type GetLogEventsOutput struct {
	Events            []OutputLogEvent `json:"events"`
	NextForwardToken  string           `json:"nextForwardToken"`
	NextBackwardToken string           `json:"nextBackwardToken"`
}

var errBadToken = awsapi.Errorf("InvalidParameterException", "The specified nextToken is invalid.")

// GetLogEvents pages with two cursors: nextForwardToken ("f/…") continues
// after the last event returned, nextBackwardToken ("b/…") before the
// first. At either end of the stream the token passed in comes back
// unchanged, which is how clients (and the SDK paginator's
// StopOnDuplicateToken) know to stop.
func (s *Service) GetLogEvents(ctx context.Context, in *GetLogEventsInput) (*GetLogEventsOutput, error) {
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

// listStreams returns the stream records of an existing group whose names
// start with prefix (nil: all of them).
func (s *Service) listStreams(ctx context.Context, group string, prefix *string) ([]store.KV, error) {
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

func (s *Service) readStream(ctx context.Context, group, stream string) (streamRecord, error) {
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

type FilterLogEventsInput struct {
	LogGroupName        *string  `json:"logGroupName"`
	LogGroupIdentifier  *string  `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       *string  `json:"filterPattern"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int32   `json:"limit"`
	Interleaved         *bool    `json:"interleaved"`
	StartFromHead       *bool    `json:"startFromHead"`

	// keep, for in-process readers (Tail), selects streams by name.
	keep func(stream string) bool
}

type FilteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

type SearchedLogStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type FilterLogEventsOutput struct {
	Events             []FilteredLogEvent  `json:"events"`
	SearchedLogStreams []SearchedLogStream `json:"searchedLogStreams"`
	NextToken          string              `json:"nextToken,omitempty"`
}

// FilterLogEvents merges the group's streams in timestamp order (always
// interleaved, as AWS has done since 2019). A page ends at the limit, at
// 1 MB, or when the scan budget is spent; nextToken then resumes after the
// last event examined, and is absent once everything has been searched —
// `aws logs tail` and the SDK paginators stop on that.
func (s *Service) FilterLogEvents(ctx context.Context, in *FilterLogEventsInput) (*FilterLogEventsOutput, error) {
	group, err := s.resolveGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != nil {
		return nil, invalidParam("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
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
		return nil, invalidParam("startFromHead=false is supported only with a startTime on or after 2024-01-01T00:00:00Z.")
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

// Retention.

type PutRetentionPolicyInput struct {
	LogGroupName    string `json:"logGroupName"`
	RetentionInDays *int32 `json:"retentionInDays"`
}

func (s *Service) PutRetentionPolicy(ctx context.Context, in *PutRetentionPolicyInput) (*struct{}, error) {
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

func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *LogGroupRef) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return nil, s.updateGroup(ctx, in.LogGroupName, func(g *groupRecord) error {
		g.RetentionInDays = 0
		return nil
	})
}

// updateGroup applies fn to a group record with compare-and-swap.
func (s *Service) updateGroup(ctx context.Context, name string, fn func(*groupRecord) error) error {
	for {
		kv, err := s.cfg.Store.Get(ctx, groupKey(name))
		if errors.Is(err, store.ErrNotFound) {
			return errGroupNotFound
		} else if err != nil {
			return err
		}
		g, err := decodeGroup(kv.Value)
		if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			return err
		}
		_, err = s.cfg.Store.Commit(ctx, store.Txn{
			If:   []store.Cmp{store.Unchanged(kv)},
			Then: []store.Op{store.Put(kv.Key, store.JSON(g))},
		})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

// Tags.

type TagLogGroupInput struct {
	LogGroupName string            `json:"logGroupName"`
	Tags         map[string]string `json:"tags"`
}

type UntagLogGroupInput struct {
	LogGroupName string   `json:"logGroupName"`
	Tags         []string `json:"tags"`
}

type TagsOutput struct {
	Tags map[string]string `json:"tags"`
}

type TagResourceInput struct {
	ResourceArn string            `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type ResourceARNInput struct {
	ResourceArn string `json:"resourceArn"`
}

func checkTags(tags map[string]string) error {
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return invalidParam("1 validation error detected: Value at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128, values at most 256")
		}
	}
	return nil
}

func (s *Service) addTags(ctx context.Context, group string, tags map[string]string, tooMany error) error {
	if len(tags) == 0 {
		return invalidParam("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.updateGroup(ctx, group, func(g *groupRecord) error {
		merged := make(map[string]string, len(g.Tags)+len(tags))
		for k, v := range g.Tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if len(merged) > maxTags {
			return tooMany
		}
		g.Tags = merged
		return nil
	})
}

func (s *Service) removeTags(ctx context.Context, group string, keys []string) error {
	return s.updateGroup(ctx, group, func(g *groupRecord) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		return nil
	})
}

func (s *Service) groupTags(ctx context.Context, group string) (*TagsOutput, error) {
	kv, err := s.cfg.Store.Get(ctx, groupKey(group))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGroupNotFound
	} else if err != nil {
		return nil, err
	}
	g, err := decodeGroup(kv.Value)
	if err != nil {
		return nil, err
	}
	if g.Tags == nil {
		g.Tags = map[string]string{}
	}
	return &TagsOutput{Tags: g.Tags}, nil
}

func (s *Service) TagLogGroup(ctx context.Context, in *TagLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return nil, s.addTags(ctx, in.LogGroupName, in.Tags, invalidParam("A log group can have no more than %d tags.", maxTags))
}

func (s *Service) UntagLogGroup(ctx context.Context, in *UntagLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return nil, s.removeTags(ctx, in.LogGroupName, in.Tags)
}

func (s *Service) ListTagsLogGroup(ctx context.Context, in *LogGroupRef) (*TagsOutput, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return s.groupTags(ctx, in.LogGroupName)
}

// arnGroup maps a tagging API's resourceArn to a log group: only log groups
// are taggable here (destinations, the other taggable kind, do not exist).
func (s *Service) arnGroup(arn string) (string, error) {
	if g, ok := s.groupFromARN(arn); ok {
		return g, nil
	}
	if strings.HasPrefix(arn, "arn:aws:logs:") {
		return "", awsapi.Errorf("ResourceNotFoundException", "The specified resource does not exist.")
	}
	return "", invalidParam("Invalid resource ARN: %s", arn)
}

func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.addTags(ctx, g, in.Tags, awsapi.Errorf("TooManyTagsException", "A resource can have no more than %d tags.", maxTags).With("resourceName", in.ResourceArn))
}

func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.removeTags(ctx, g, in.TagKeys)
}

func (s *Service) ListTagsForResource(ctx context.Context, in *ResourceARNInput) (*TagsOutput, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return s.groupTags(ctx, g)
}
