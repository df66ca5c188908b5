package logs

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Keys this package owns in the store (everything is under "logs/"):
//
//	logs/groups/{group}                      groupRecord (JSON)
//	logs/streams/{group}:{stream}            streamRecord (JSON)
//	logs/events/{id}/{slot}/{seq}            one chunk: a batch of events (binary)
//	logs/index/{id}/{level}/{prefix}         windowStats of a time window (binary)
//	logs/trash/{id}                          a deleted stream whose events still need removing
//
// {id} is the stream's incarnation id (16 hex digits), so that a stream
// deleted and created again never sees its predecessor's events. Time is
// the event timestamp in epoch milliseconds written as 12 hex digits; {slot}
// is its first 10 digits (a 256 ms window) and {prefix} its first {level}
// digits. A group name cannot contain ':', so "{group}:" lists exactly one
// group's streams.
const (
	groupsPrefix  = "logs/groups/"
	streamsPrefix = "logs/streams/"
	// EventsPrefix holds the event chunks; nothing watches it, so a store
	// may keep no history for it.
	EventsPrefix = "logs/events/"
	indexPrefix  = "logs/index/"
	trashPrefix  = "logs/trash/"
)

func groupKey(group string) string          { return groupsPrefix + group }
func streamsOf(group string) string         { return streamsPrefix + group + ":" }
func streamKey(group, stream string) string { return streamsOf(group) + stream }
func trashKey(id uint64) string             { return trashPrefix + hex16(id) }
func eventsOf(id uint64) string             { return EventsPrefix + hex16(id) + "/" }
func chunkKey(id uint64, slot string, seq uint64) string {
	return eventsOf(id) + slot + "/" + hex16(seq)
}
func indexOf(id uint64, level int) string {
	return indexPrefix + hex16(id) + "/" + strconv.Itoa(level) + "/"
}

func hex16(v uint64) string {
	var b [16]byte
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

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

// Names and ARNs.

const maxNameLen = 512

func validGroupName(name string) bool {
	if name == "" || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == '_', c == '/', c == '#':
		default:
			return false
		}
	}
	return true
}

func validStreamName(name string) bool {
	return name != "" && len(name) <= maxNameLen && !strings.ContainsAny(name, ":*")
}

func checkGroupName(field, name string) error {
	if name == "" {
		return awsapi.Errorf("InvalidParameterException", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if !validGroupName(name) {
		return awsapi.Errorf("InvalidParameterException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and have length between 1 and 512", name, field)
	}
	return nil
}

func checkStreamName(field, name string) error {
	if name == "" {
		return awsapi.Errorf("InvalidParameterException", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if !validStreamName(name) {
		return awsapi.Errorf("InvalidParameterException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]* and have length between 1 and 512", name, field)
	}
	return nil
}

// GroupARN is the log group ARN without the trailing ":*" (logGroupArn,
// and what the tagging APIs take); the "arn" member of a LogGroup adds ":*".
func (s *Service) GroupARN(group string) string {
	return awsapi.ARN("logs", s.cfg.Region, s.cfg.AccountID, "log-group:"+group)
}

func (s *Service) streamARN(group, stream string) string {
	return s.GroupARN(group) + ":log-stream:" + stream
}

// groupFromARN accepts a log group ARN with or without the trailing ":*".
func (s *Service) groupFromARN(arn string) (string, bool) {
	prefix := s.GroupARN("")
	if !strings.HasPrefix(arn, prefix) {
		return "", false
	}
	name := strings.TrimSuffix(arn[len(prefix):], ":*")
	if !validGroupName(name) {
		return "", false
	}
	return name, true
}

var errGroupNotFound = awsapi.Errorf("ResourceNotFoundException", "The specified log group does not exist.")

// resolveGroup turns the logGroupName / logGroupIdentifier pair most read
// operations take into a group name: exactly one of them must be given, and
// the identifier may be a name or an ARN.
func (s *Service) resolveGroup(name, identifier *string) (string, error) {
	switch {
	case name != nil && identifier != nil:
		return "", awsapi.Errorf("InvalidParameterException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != nil:
		return *name, checkGroupName("logGroupName", *name)
	case identifier != nil:
		id := *identifier
		if strings.HasPrefix(id, "arn:") {
			g, ok := s.groupFromARN(id)
			if !ok {
				return "", errGroupNotFound
			}
			return g, nil
		}
		return id, checkGroupName("logGroupIdentifier", id)
	}
	return "", awsapi.Errorf("InvalidParameterException", "Should provide either name or ARN of the log group.")
}
