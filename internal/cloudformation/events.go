package cloudformation

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
)

// StackEvent is one event of a stack, as DescribeStackEvents lists it.
type StackEvent struct {
	StackId              string
	EventId              string
	StackName            string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       string
	ResourceStatusReason string
	ResourceProperties   string
	ClientRequestToken   string
}

type DescribeStackEventsInput struct {
	StackName string
	NextToken string
}

type DescribeStackEventsOutput struct {
	StackEvents []StackEvent
	NextToken   string
}

// eventPager pages events as AWS does, 100 at a time.
var eventPager = awsapi.Pager{Max: 100, Default: 100, BadToken: validation("Invalid NextToken")}

// storedEvent is an event and its key (its place in the newest-first order).
type storedEvent struct {
	key string
	StackEvent
}

// DescribeStackEvents lists a stack's events, newest first. A deleted
// stack's events are listed by its id.
func (c *Control) DescribeStackEvents(ctx context.Context, in *DescribeStackEventsInput) (*DescribeStackEventsOutput, error) {
	rec, err := c.findStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	events, err := c.events(ctx, rec.StackId)
	if err != nil {
		return nil, err
	}
	page, next, err := awsapi.Paginate(eventPager, events, func(e storedEvent) string { return e.key }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	out := &DescribeStackEventsOutput{StackEvents: make([]StackEvent, len(page)), NextToken: next}
	for i, e := range page {
		out.StackEvents[i] = e.StackEvent
	}
	return out, nil
}

// events returns a stack's events, newest first.
func (c *Control) events(ctx context.Context, stackID string) ([]storedEvent, error) {
	prefix := eventsPrefix(stackUUID(stackID))
	kvs, _, err := c.st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]storedEvent, 0, len(kvs))
	for _, kv := range kvs {
		if e := store.DecodeJSON[StackEvent](kv.Value); e != nil {
			out = append(out, storedEvent{strings.TrimPrefix(kv.Key, prefix), *e})
		}
	}
	return out, nil
}

// lastStackEvent is the stack's newest event about the stack itself, or nil.
func (c *Control) lastStackEvent(ctx context.Context, stackID string) (*StackEvent, error) {
	events, err := c.events(ctx, stackID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.ResourceType == stackType {
			return &e.StackEvent, nil
		}
	}
	return nil, nil
}

const stackType = "AWS::CloudFormation::Stack"

// record writes one event. A failure to write is logged: the operation it
// reports goes on.
func (c *Control) record(ctx context.Context, stackID string, e StackEvent) {
	id := stackUUID(stackID)
	c.mu.Lock()
	seq := max(e.Timestamp.UnixNano(), c.lastEvent[id]+1)
	c.lastEvent[id] = seq
	c.mu.Unlock()
	// Keys count down so that a listing gives the newest first.
	key := eventsPrefix(id) + fmt.Sprintf("%019d", math.MaxInt64-seq)
	if e.EventId == "" {
		e.EventId = awsapi.NewUUID()
		if e.ResourceType != stackType {
			e.EventId = e.LogicalResourceId + "-" + e.EventId
		}
	}
	if _, err := c.st.Commit(context.WithoutCancel(ctx), store.Txn{Then: []store.Op{store.Put(key, store.JSON(e))}}); err != nil {
		c.log.Warn("stack event not recorded", "stack", e.StackName, "status", e.ResourceStatus, "err", err)
	}
}

// stackEvent records an event about the stack itself.
func (c *Control) stackEvent(ctx context.Context, rec *stackRecord, status, reason string) {
	c.record(ctx, rec.StackId, StackEvent{StackId: rec.StackId, StackName: rec.StackName, LogicalResourceId: rec.StackName,
		PhysicalResourceId: rec.StackId, ResourceType: stackType, Timestamp: time.Now(), ResourceStatus: status, ResourceStatusReason: reason})
}

// emitter records the engine's events for a stack.
func (c *Control) emitter(ctx context.Context, rec *stackRecord) func(stack.Event) {
	return func(ev stack.Event) {
		c.record(ctx, rec.StackId, StackEvent{StackId: rec.StackId, StackName: rec.StackName, LogicalResourceId: ev.LogicalResourceId,
			PhysicalResourceId: ev.PhysicalResourceId, ResourceType: ev.ResourceType, Timestamp: ev.Timestamp,
			ResourceStatus: ev.ResourceStatus, ResourceStatusReason: ev.Reason})
	}
}
