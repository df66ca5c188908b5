package logs

import (
	"context"
	"errors"
	"maps"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// checkTags checks the length of every key and value; it leaves the count
// to its callers (n is 0), which check it after the lengths and, for
// TagResource, on the merged set.
func checkTags(tags map[string]string) error {
	if fault, _ := awsapi.CheckTags(0, maps.All(tags)); fault != awsapi.TagsValid {
		return errTagLength
	}
	return nil
}

func (s *Control) addTags(ctx context.Context, group string, tags map[string]string, tooMany error) error {
	if len(tags) == 0 {
		return errTagsNull
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.updateGroup(ctx, group, func(g *groupRecord) error {
		merged := make(map[string]string, len(g.Tags)+len(tags))
		maps.Copy(merged, g.Tags)
		maps.Copy(merged, tags)
		if len(merged) > maxTags {
			return tooMany
		}
		g.Tags = merged
		return nil
	})
}

func (s *Control) removeTags(ctx context.Context, group string, keys []string) error {
	return s.updateGroup(ctx, group, func(g *groupRecord) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		return nil
	})
}

func (s *Control) groupTags(ctx context.Context, group string) (*TagsOutput, error) {
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

// TagLogGroup adds tags to a group (AWS TagLogGroup, deprecated but still
// used by older clients).
func (s *Control) TagLogGroup(ctx context.Context, in *TagLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return nil, s.addTags(ctx, in.LogGroupName, in.Tags, errGroupTooManyTags)
}

// UntagLogGroup removes tags from a group (AWS UntagLogGroup).
func (s *Control) UntagLogGroup(ctx context.Context, in *UntagLogGroupInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, required(map[string]bool{"tags": false})
	}
	return nil, s.removeTags(ctx, in.LogGroupName, in.Tags)
}

// ListTagsLogGroup returns a group's tags (AWS ListTagsLogGroup).
func (s *Control) ListTagsLogGroup(ctx context.Context, in *LogGroupRef) (*TagsOutput, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	return s.groupTags(ctx, in.LogGroupName)
}

// arnGroup maps a tagging API's resourceArn to a log group: only log groups
// are taggable here (destinations, the other taggable kind, do not exist).
func (s *Control) arnGroup(arn string) (string, error) {
	if g, ok := s.groupFromARN(arn); ok {
		return g, nil
	}
	if awsapi.IsServiceARN(arn, "logs") {
		return "", errResourceNotFound
	}
	return "", invalidParam("Invalid resource ARN: %s", arn)
}

// TagResource adds tags to the log group an ARN names (AWS TagResource).
func (s *Control) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.addTags(ctx, g, in.Tags, tooManyTags(in.ResourceArn))
}

// UntagResource removes tags from the log group an ARN names (AWS
// UntagResource).
func (s *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.removeTags(ctx, g, in.TagKeys)
}

// ListTagsForResource returns the tags of the log group an ARN names
// (AWS ListTagsForResource).
func (s *Control) ListTagsForResource(ctx context.Context, in *ResourceARNInput) (*TagsOutput, error) {
	g, err := s.arnGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return s.groupTags(ctx, g)
}
