// Package logs is Portolan's CloudWatch Logs: where task output and gateway
// access logs go, readable with `aws logs tail`, `aws logs get-log-events`
// and `aws logs filter-log-events`.
//
// Two ways in. Clients call the AWS API (awsJson1_1, X-Amz-Target
// Logs_20140328.*) that Register serves: log groups and streams, retention,
// tags, PutLogEvents, GetLogEvents and FilterLogEvents with filter patterns.
// In-process writers use the Go API: the ECS agent pipes a container's
// stdout and stderr into a Writer per stream (created with its group, as
// the awslogs driver's awslogs-create-group does), the gateway logs one
// access line per request. A Writer only buffers; Run commits every
// Writer's buffer in one store transaction each FlushInterval (200 ms), so
// a busy container or a gateway at tens of thousands of requests a second
// costs a few fsyncs a second, not one per line. Append writes a batch
// synchronously.
//
// Storage (keys under logs/, see keys.go). Events are stored in chunks,
// one key per batch per 256 ms slot, keyed by stream and timestamp, so a
// time range is a key range. A small index of per-window stats (windows of
// ~50 days, ~4.7 hours and ~65 seconds) lets a reader skip empty stretches
// and split busy ones, so reading the latest page of a long, busy stream
// loads a few hundred kilobytes, not its history. Run expires chunks past
// their group's retention and finishes deleting removed streams, which
// keeps the store bounded.
//
// Files: api.go is the operation table; each operation is an exported
// method (CreateLogGroup, PutLogEvents…) that the table and in-process
// callers share, in the file of its resource: loggroups.go, logstreams.go,
// events.go (Put/Get/FilterLogEvents), retention.go (the policy and its
// enforcement), tags.go. service.go holds Service, New and Run (flushing
// and housekeeping), model.go the wire types and stored records,
// keys.go the store layout, errors.go the AWS errors. Underneath: write.go
// commits events, writer.go batches them, chunk.go encodes them, read.go
// and merge.go read them back in time order, filter.go matches filter
// patterns, trash.go purges deleted streams, tail.go follows a group.
//
// Deliberate differences from AWS: term filter patterns match substrings;
// space-delimited filter patterns are rejected; log group classes are
// recorded but all behave as STANDARD; storedBytes counts stored chunk
// bytes; events are readable within FlushInterval of being logged in
// process, and at once after PutLogEvents.
package logs
