package cloudformation

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/stack"
)

// A resource's status is what its newest event says (CREATE_COMPLETE,
// UPDATE_FAILED...): the engine keeps what is deployed, the events keep
// how it got there.

// StackResource is a resource as DescribeStackResources lists it.
type StackResource struct {
	StackName            string
	StackId              string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       string
	ResourceStatusReason string
	DriftInformation     *ResourceDriftInformation
}

// StackResourceDetail is a resource as DescribeStackResource shows it.
type StackResourceDetail struct {
	StackName            string
	StackId              string
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	LastUpdatedTimestamp time.Time
	ResourceStatus       string
	ResourceStatusReason string
	Metadata             string
	DriftInformation     *ResourceDriftInformation
}

// StackResourceSummary is a resource as ListStackResources lists it.
type StackResourceSummary struct {
	LogicalResourceId    string
	PhysicalResourceId   string
	ResourceType         string
	LastUpdatedTimestamp time.Time
	ResourceStatus       string
	ResourceStatusReason string
	DriftInformation     *ResourceDriftInformation
}

var resourceNotChecked = &ResourceDriftInformation{StackResourceDriftStatus: "NOT_CHECKED"}

// resource is one resource of a stack with its latest status.
type resource struct {
	logicalID, physicalID, typ string
	status, reason             string
	at                         time.Time
}

// resources lists a stack's resources by logical id: those the engine
// has, and those whose create failed and were kept (DisableRollback).
func (c *Control) resources(ctx context.Context, rec *stackRecord) ([]resource, error) {
	var eng *stack.Stack
	if rec.DeletionTime == nil {
		var err error
		if eng, err = c.engine.Get(ctx, rec.StackName); err != nil {
			return nil, err
		}
	}
	events, err := c.events(ctx, rec.StackId)
	if err != nil {
		return nil, err
	}
	latest := map[string]StackEvent{}
	for _, e := range events { // newest first
		if _, seen := latest[e.LogicalResourceId]; !seen && e.ResourceType != stackType {
			latest[e.LogicalResourceId] = e.StackEvent
		}
	}
	var out []resource
	ids := map[string]bool{}
	if eng != nil {
		for id := range eng.Resources {
			ids[id] = true
		}
	}
	for id, e := range latest {
		if e.ResourceStatus == "CREATE_FAILED" && eng != nil {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		r := resource{logicalID: id, status: "CREATE_COMPLETE"}
		if dep, ok := eng.Resources[id]; ok {
			r.physicalID, r.typ = dep.PhysicalID, dep.Type
		}
		if e, ok := latest[id]; ok {
			r.status, r.reason, r.at, r.typ = e.ResourceStatus, e.ResourceStatusReason, e.Timestamp, e.ResourceType
			if r.physicalID == "" {
				r.physicalID = e.PhysicalResourceId
			}
		}
		out = append(out, r)
	}
	return out, nil
}

type DescribeStackResourcesInput struct {
	StackName          string
	LogicalResourceId  string
	PhysicalResourceId string
}

type DescribeStackResourcesOutput struct {
	StackResources []StackResource
}

// DescribeStackResources lists a stack's resources, or finds the stack of
// a physical resource id.
func (c *Control) DescribeStackResources(ctx context.Context, in *DescribeStackResourcesInput) (*DescribeStackResourcesOutput, error) {
	var recs []*stackRecord
	switch {
	case in.StackName != "":
		rec, err := c.findStack(ctx, in.StackName)
		if err != nil {
			return nil, err
		}
		recs = []*stackRecord{rec}
	case in.PhysicalResourceId != "":
		var err error
		if recs, err = c.records(ctx, stackPrefix); err != nil {
			return nil, err
		}
	default:
		return nil, validation("Either StackName or PhysicalResourceId must be specified.")
	}
	out := &DescribeStackResourcesOutput{StackResources: []StackResource{}}
	for _, rec := range recs {
		rs, err := c.resources(ctx, rec)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if (in.LogicalResourceId != "" && r.logicalID != in.LogicalResourceId) || (in.PhysicalResourceId != "" && r.physicalID != in.PhysicalResourceId) {
				continue
			}
			out.StackResources = append(out.StackResources, StackResource{StackName: rec.StackName, StackId: rec.StackId, LogicalResourceId: r.logicalID,
				PhysicalResourceId: r.physicalID, ResourceType: r.typ, Timestamp: r.at, ResourceStatus: r.status, ResourceStatusReason: r.reason,
				DriftInformation: resourceNotChecked})
		}
	}
	if in.PhysicalResourceId != "" && in.StackName == "" && len(out.StackResources) == 0 {
		return nil, validation("Stack for %s does not exist", in.PhysicalResourceId)
	}
	return out, nil
}

type DescribeStackResourceInput struct {
	StackName         string
	LogicalResourceId string
}

type DescribeStackResourceOutput struct {
	StackResourceDetail *StackResourceDetail
}

// DescribeStackResource describes one resource of a stack.
func (c *Control) DescribeStackResource(ctx context.Context, in *DescribeStackResourceInput) (*DescribeStackResourceOutput, error) {
	rec, err := c.findStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	rs, err := c.resources(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.logicalID == in.LogicalResourceId {
			return &DescribeStackResourceOutput{StackResourceDetail: &StackResourceDetail{StackName: rec.StackName, StackId: rec.StackId,
				LogicalResourceId: r.logicalID, PhysicalResourceId: r.physicalID, ResourceType: r.typ, LastUpdatedTimestamp: r.at,
				ResourceStatus: r.status, ResourceStatusReason: r.reason, DriftInformation: resourceNotChecked}}, nil
		}
	}
	return nil, validation("Resource %s does not exist for stack %s", in.LogicalResourceId, in.StackName)
}

type ListStackResourcesInput struct {
	StackName string
	NextToken string
}

type ListStackResourcesOutput struct {
	StackResourceSummaries []StackResourceSummary
	NextToken              string
}

// ListStackResources lists a stack's resources, by logical id.
func (c *Control) ListStackResources(ctx context.Context, in *ListStackResourcesInput) (*ListStackResourcesOutput, error) {
	rec, err := c.findStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	rs, err := c.resources(ctx, rec)
	if err != nil {
		return nil, err
	}
	page, next, err := awsapi.Paginate(stackPager, rs, func(r resource) string { return r.logicalID }, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	out := &ListStackResourcesOutput{StackResourceSummaries: make([]StackResourceSummary, 0, len(page)), NextToken: next}
	for _, r := range page {
		out.StackResourceSummaries = append(out.StackResourceSummaries, StackResourceSummary{LogicalResourceId: r.logicalID, PhysicalResourceId: r.physicalID,
			ResourceType: r.typ, LastUpdatedTimestamp: r.at, ResourceStatus: r.status, ResourceStatusReason: r.reason, DriftInformation: resourceNotChecked})
	}
	return out, nil
}
