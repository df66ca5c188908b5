package appautoscaling

import (
	"context"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// maxActivities is how many activities a target keeps (AWS keeps six
// weeks of them).
const maxActivities = 100

type DescribeScalingActivitiesInput struct {
	ServiceNamespace           string
	ResourceId                 string
	ScalableDimension          string
	MaxResults                 *int
	NextToken                  string
	IncludeNotScaledActivities *bool
}

type DescribeScalingActivitiesOutput struct {
	ScalingActivities []ScalingActivity
	NextToken         string `json:",omitempty"`
}

// DescribeScalingActivities lists what scaling did, newest first.
func (c *Control) DescribeScalingActivities(ctx context.Context, in *DescribeScalingActivitiesInput) (*DescribeScalingActivitiesOutput, error) {
	if in.ServiceNamespace == "" {
		return nil, required("serviceNamespace")
	}
	prefix := activityPrefix + in.ServiceNamespace + "/"
	if in.ResourceId != "" {
		ref := targetRef{in.ServiceNamespace, in.ResourceId, in.ScalableDimension}
		if ref.ScalableDimension == "" {
			ref.ScalableDimension = DimensionDesiredCount
		}
		prefix = activitiesOf(ref)
	}
	kvs, _, err := c.st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	type item struct {
		key string
		act ScalingActivity
	}
	var items []item
	for _, kv := range kvs {
		if a := store.DecodeJSON[ScalingActivity](kv.Value); a != nil && (in.ScalableDimension == "" || a.ScalableDimension == in.ScalableDimension) {
			items = append(items, item{kv.Key, *a})
		}
	}
	page, next, err := awsapi.Paginate(pager, items, func(i item) string { return i.key }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &DescribeScalingActivitiesOutput{ScalingActivities: []ScalingActivity{}, NextToken: next}
	for _, i := range page {
		out.ScalingActivities = append(out.ScalingActivities, i.act)
	}
	return out, nil
}

// pruneActivities forgets a target's activities past the newest
// maxActivities.
func (c *Control) pruneActivities(ctx context.Context, t targetRef) {
	kvs, _, err := c.st.List(ctx, activitiesOf(t))
	if err != nil || len(kvs) <= maxActivities {
		return
	}
	var ops []store.Op
	for _, kv := range kvs[maxActivities:] {
		ops = append(ops, store.Delete(kv.Key))
	}
	if _, err := c.st.Commit(ctx, store.Txn{Then: ops}); err != nil {
		c.log.Warn("prune scaling activities", "resourceId", t.ResourceId, "err", err)
	}
}
