package logs

import (
	"context"
	"errors"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

// CreateLogGroup creates a group for in-process callers (the stack
// deployer); a group that already exists is not an error. A non-zero
// retention sets its retention policy.
func (s *Service) CreateLogGroup(ctx context.Context, name string, retentionDays int32) error {
	_, err := s.createLogGroup(ctx, &createLogGroupInput{LogGroupName: name})
	var e *awsapi.Error
	if err != nil && !(errors.As(err, &e) && e.Code == "ResourceAlreadyExistsException") {
		return err
	}
	if retentionDays > 0 {
		_, err = s.putRetentionPolicy(ctx, &putRetentionPolicyInput{LogGroupName: name, RetentionInDays: &retentionDays})
	}
	return err
}

// DeleteLogGroup deletes a group and its events.
func (s *Service) DeleteLogGroup(ctx context.Context, name string) error {
	_, err := s.deleteLogGroup(ctx, &logGroupNameInput{LogGroupName: name})
	return err
}

// GroupARN is the group's ARN as CloudFormation's Fn::GetAtt Arn gives it.
func (s *Service) GroupARN(name string) string { return s.groupARN(name) }

// Follow calls fn for every event of the group from since on, in time
// order, then for new events as they arrive, until ctx ends — what
// `aws logs tail --follow` does, for in-process callers (`portolan up`).
func (s *Service) Follow(ctx context.Context, group string, since time.Time, fn func(stream string, t time.Time, message string)) error {
	seen := map[string]bool{}
	start := since.UnixMilli()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		var token *string
		for {
			out, err := s.filterLogEvents(ctx, &filterLogEventsInput{LogGroupName: &group, StartTime: &start, NextToken: token})
			if err != nil {
				var e *awsapi.Error
				if errors.As(err, &e) && e.Code == "ResourceNotFoundException" {
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
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}
