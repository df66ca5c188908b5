package logs

import (
	"encoding/binary"
	"encoding/json"
	"time"
)

// The CloudWatch Logs wire types (awsJson1_1: members in lowerCamel, as the
// API model names them), the limits the model sets, and the records this
// package stores (see keys.go for where).

// Limits from the CloudWatch Logs API reference and model.
const (
	describeLimit     = 50        // DescribeLogGroups/DescribeLogStreams limit: 1-50, default 50
	eventsLimit       = 10_000    // GetLogEvents/FilterLogEvents limit: 1-10000, default 10000
	maxPageBytes      = 1 << 20   // a page of events holds at most 1 MB
	maxBatchBytes     = 1_048_576 // PutLogEvents: sum of messages + 26 bytes per event
	maxTags           = 50
	maxNameLen        = 512 // log group and log stream names
	maxStreamNames    = 100
	tooNewAfter       = 2 * time.Hour
	tooOldBefore      = 14 * 24 * time.Hour
	maxBatchSpan      = 24 * time.Hour
	filterScanBudget  = 64 << 20      // stored bytes one FilterLogEvents call reads before returning a partial page
	descendingEpochMS = 1704067200000 // 2024-01-01T00:00:00Z: startFromHead=false needs startTime on or after it
)

// Log groups.

// CreateLogGroupInput is CreateLogGroup's request.
type CreateLogGroupInput struct {
	LogGroupName  string            `json:"logGroupName"`
	KmsKeyID      string            `json:"kmsKeyId"`
	Tags          map[string]string `json:"tags"`
	LogGroupClass string            `json:"logGroupClass"`
}

// LogGroupRef names a log group: the request of DeleteLogGroup,
// DeleteRetentionPolicy and ListTagsLogGroup.
type LogGroupRef struct {
	LogGroupName string `json:"logGroupName"`
}

// DescribeLogGroupsInput is DescribeLogGroups' request.
type DescribeLogGroupsInput struct {
	LogGroupNamePrefix  *string  `json:"logGroupNamePrefix"`
	LogGroupNamePattern *string  `json:"logGroupNamePattern"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	LogGroupClass       string   `json:"logGroupClass"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int32   `json:"limit"`
}

// LogGroup is a log group as the Describe operations report it.
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

// DescribeLogGroupsOutput is a page of DescribeLogGroups.
type DescribeLogGroupsOutput struct {
	LogGroups []LogGroup `json:"logGroups"`
	NextToken string     `json:"nextToken,omitempty"`
}

// Log streams.

// LogStreamRef names a log stream: the request of CreateLogStream and
// DeleteLogStream.
type LogStreamRef struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

// DescribeLogStreamsInput is DescribeLogStreams' request.
type DescribeLogStreamsInput struct {
	LogGroupName        *string `json:"logGroupName"`
	LogGroupIdentifier  *string `json:"logGroupIdentifier"`
	LogStreamNamePrefix *string `json:"logStreamNamePrefix"`
	OrderBy             *string `json:"orderBy"`
	Descending          *bool   `json:"descending"`
	NextToken           *string `json:"nextToken"`
	Limit               *int32  `json:"limit"`
}

// LogStream is a log stream as DescribeLogStreams reports it.
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

// DescribeLogStreamsOutput is a page of DescribeLogStreams.
type DescribeLogStreamsOutput struct {
	LogStreams []LogStream `json:"logStreams"`
	NextToken  string      `json:"nextToken,omitempty"`
}

// Events.

// InputLogEvent is one event of a PutLogEvents batch.
type InputLogEvent struct {
	Timestamp *int64  `json:"timestamp"`
	Message   *string `json:"message"`
}

// PutLogEventsInput is PutLogEvents' request.
type PutLogEventsInput struct {
	LogGroupName  string          `json:"logGroupName"`
	LogStreamName string          `json:"logStreamName"`
	LogEvents     []InputLogEvent `json:"logEvents"`
	SequenceToken *string         `json:"sequenceToken"`
}

// RejectedLogEventsInfo says which events of a batch were not stored.
type RejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

// PutLogEventsOutput is PutLogEvents' answer.
type PutLogEventsOutput struct {
	NextSequenceToken     string                 `json:"nextSequenceToken,omitempty"`
	RejectedLogEventsInfo *RejectedLogEventsInfo `json:"rejectedLogEventsInfo,omitempty"`
}

// GetLogEventsInput is GetLogEvents' request.
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

// OutputLogEvent is one event GetLogEvents returns.
type OutputLogEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// GetLogEventsOutput is a page of GetLogEvents.
type GetLogEventsOutput struct {
	Events            []OutputLogEvent `json:"events"`
	NextForwardToken  string           `json:"nextForwardToken"`
	NextBackwardToken string           `json:"nextBackwardToken"`
}

// FilterLogEventsInput is FilterLogEvents' request.
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

// FilteredLogEvent is one event FilterLogEvents returns.
type FilteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// SearchedLogStream says whether FilterLogEvents searched a stream to its end.
type SearchedLogStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

// FilterLogEventsOutput is a page of FilterLogEvents.
type FilterLogEventsOutput struct {
	Events             []FilteredLogEvent  `json:"events"`
	SearchedLogStreams []SearchedLogStream `json:"searchedLogStreams"`
	NextToken          string              `json:"nextToken,omitempty"`
}

// Retention and tags.

// PutRetentionPolicyInput is PutRetentionPolicy's request.
type PutRetentionPolicyInput struct {
	LogGroupName    string `json:"logGroupName"`
	RetentionInDays *int32 `json:"retentionInDays"`
}

// TagLogGroupInput is TagLogGroup's request.
type TagLogGroupInput struct {
	LogGroupName string            `json:"logGroupName"`
	Tags         map[string]string `json:"tags"`
}

// UntagLogGroupInput is UntagLogGroup's request.
type UntagLogGroupInput struct {
	LogGroupName string   `json:"logGroupName"`
	Tags         []string `json:"tags"`
}

// TagsOutput is the answer of ListTagsLogGroup and ListTagsForResource.
type TagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	ResourceArn string            `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// ResourceARNInput names a resource by ARN: ListTagsForResource's request.
type ResourceARNInput struct {
	ResourceArn string `json:"resourceArn"`
}

// Stored records.

// groupRecord is a log group as stored.
type groupRecord struct {
	Name            string            `json:"name"`
	CreationTime    int64             `json:"creationTime"`
	RetentionInDays int32             `json:"retentionInDays,omitempty"`
	KmsKeyID        string            `json:"kmsKeyId,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	// LogGroupClass is recorded and reported; every class behaves as
	// STANDARD here. Empty means STANDARD.
	LogGroupClass string `json:"logGroupClass,omitempty"`
	// The group's filters, sorted by name: they live and die with it.
	MetricFilters       []MetricFilter       `json:"metricFilters,omitempty"`
	SubscriptionFilters []SubscriptionFilter `json:"subscriptionFilters,omitempty"`
}

func (g groupRecord) class() string {
	if g.LogGroupClass == "" {
		return "STANDARD"
	}
	return g.LogGroupClass
}

// streamRecord is a log stream as stored. Every write of events rewrites it
// (under a compare on its revision), which serialises writers of one stream
// and keeps Seq, the stats and the window index consistent with each other.
type streamRecord struct {
	Name         string `json:"name"`
	ID           uint64 `json:"id"`
	CreationTime int64  `json:"creationTime"`
	// Seq is the sequence number of the last chunk written; chunks are
	// numbered from 1 so that sequence 0 sorts before every event.
	Seq                 uint64 `json:"seq,omitempty"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	StoredBytes         int64  `json:"storedBytes,omitempty"`
}

func decodeGroup(b []byte) (groupRecord, error) {
	var g groupRecord
	err := json.Unmarshal(b, &g)
	return g, err
}

func decodeStream(b []byte) (streamRecord, error) {
	var s streamRecord
	err := json.Unmarshal(b, &s)
	return s, err
}

// windowStats is the value of an index key: how much is stored in one time
// window of one stream. Readers use it to skip empty windows and to decide
// whether a window is small enough to list in one go.
type windowStats struct {
	Bytes  uint64
	Events uint64
}

func (w windowStats) encode() []byte {
	b := make([]byte, 0, 16)
	b = binary.BigEndian.AppendUint64(b, w.Bytes)
	return binary.BigEndian.AppendUint64(b, w.Events)
}

func decodeStats(b []byte) windowStats {
	if len(b) != 16 {
		return windowStats{}
	}
	return windowStats{Bytes: binary.BigEndian.Uint64(b[:8]), Events: binary.BigEndian.Uint64(b[8:])}
}
