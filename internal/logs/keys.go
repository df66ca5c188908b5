package logs

import (
	"fmt"
	"strconv"
	"strings"
)

// Keys this package owns in the store (everything is under "logs/"):
//
//	logs/groups/{group}                      groupRecord (JSON)
//	logs/streams/{group}:{stream}            streamRecord (JSON)
//	logs/events/{id}/{slot}/{seq}            one chunk: a batch of events (binary)
//	logs/index/{id}/{level}/{prefix}         windowStats of a time window (binary)
//	logs/trash/{id}                          a deleted stream whose events still need removing
//	logs/destinations/{name}                 Destination (JSON)
//	logs/policies/{name}                     ResourcePolicy (JSON)
//	logs/deliverysources/{name}              sourceRecord (JSON)
//	logs/deliverydestinations/{name}         destinationRecord (JSON)
//	logs/deliveries/{id}                     Delivery (JSON)
//
// A group's metric and subscription filters are members of its record.
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

	destinationsPrefix = "logs/destinations/"
	policiesPrefix     = "logs/policies/"

	deliverySourcesPrefix      = "logs/deliverysources/"
	deliveryDestinationsPrefix = "logs/deliverydestinations/"
	deliveriesPrefix           = "logs/deliveries/"
)

func groupKey(group string) string          { return groupsPrefix + group }
func streamsOf(group string) string         { return streamsPrefix + group + ":" }
func streamKey(group, stream string) string { return streamsOf(group) + stream }
func trashKey(id uint64) string             { return trashPrefix + hex16(id) }
func destinationKey(name string) string     { return destinationsPrefix + name }
func policyKey(name string) string          { return policiesPrefix + name }
func deliverySourceKey(name string) string  { return deliverySourcesPrefix + name }
func deliveryDestinationKey(name string) string {
	return deliveryDestinationsPrefix + name
}
func deliveryKey(id string) string { return deliveriesPrefix + id }
func eventsOf(id uint64) string    { return EventsPrefix + hex16(id) + "/" }
func chunkKey(id uint64, slot string, seq uint64) string {
	return eventsOf(id) + slot + "/" + hex16(seq)
}
func indexOfStream(id uint64) string { return indexPrefix + hex16(id) + "/" }
func indexOf(id uint64, level int) string {
	return indexOfStream(id) + strconv.Itoa(level) + "/"
}

// streamOfTrashKey is the stream incarnation id a trash key names.
func streamOfTrashKey(key string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(key, trashPrefix), 16, 64)
	if err != nil {
		return 0, fmt.Errorf("logs: bad trash key %q", key)
	}
	return id, nil
}

// chunkSeq is the sequence number a chunk key ends with.
func chunkSeq(key string) (uint64, error) {
	i := strings.LastIndexByte(key, '/')
	seq, err := strconv.ParseUint(key[i+1:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("logs: bad chunk key %q", key)
	}
	return seq, nil
}

// hex16 writes ids and sequence numbers as fixed-width hex, so keys sort
// numerically.
func hex16(v uint64) string {
	var b [16]byte
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
