package logs

import (
	"context"
	"errors"
	"time"
)

// Follow calls fn for every event of the group from since on, in time
// order, then for new events as they arrive, until ctx ends — what
// `aws logs tail --follow` does, for in-process callers (`portolan up`).
func (s *Control) Follow(ctx context.Context, group string, since time.Time, fn func(stream string, t time.Time, message string)) error {
	return s.Tail(ctx, TailInput{Group: group, Since: since, Follow: true}, fn)
}

// TailInput says what Tail reads.
type TailInput struct {
	Group string
	Since time.Time
	// Streams, when set, keeps only the streams whose names it accepts
	// (`portolan logs` reads one service's or one task's streams this way).
	Streams func(stream string) bool
	// Follow keeps reading new events until ctx ends, waiting for the group
	// if it does not exist yet. Without it Tail returns once it has read
	// what is there, and a missing group is an error.
	Follow bool
}

// Tail calls fn for every event of in.Group from in.Since on, in time
// order, and with in.Follow for new events as they arrive.
func (s *Control) Tail(ctx context.Context, in TailInput, fn func(stream string, t time.Time, message string)) error {
	seen := map[string]bool{}
	start := in.Since.UnixMilli()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		var token *string
		for {
			out, err := s.FilterLogEvents(ctx, &FilterLogEventsInput{LogGroupName: &in.Group, StartTime: &start, NextToken: token, keep: in.Streams})
			if err != nil {
				if in.Follow && errors.Is(err, ErrResourceNotFound) {
					break // not created yet, or deleted: keep waiting
				}
				return err
			}
			for _, ev := range out.Events {
				if seen[ev.EventID] {
					continue
				}
				// Events of one millisecond may arrive in two polls, so the
				// next poll starts at the last one seen and skips repeats;
				// only that millisecond's ids need remembering.
				if ev.Timestamp > start {
					start = ev.Timestamp
					clear(seen)
				}
				seen[ev.EventID] = true
				fn(ev.LogStreamName, time.UnixMilli(ev.Timestamp), ev.Message)
			}
			if out.NextToken == "" {
				break
			}
			token = &out.NextToken
		}
		if !in.Follow {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}
