package ecr

import (
	"context"

	"github.com/portolan/portolan/internal/awsapi"
)

func checkTags(tags []Tag) error {
	switch fault, key := awsapi.CheckTags(len(tags), awsapi.TagList(tags, tagKV)); fault {
	case awsapi.TooManyTags:
		return ErrTooManyTags.Newf("Too many tags; a resource can have at most %d tags", awsapi.MaxTags)
	case awsapi.BadTagKey:
		return ErrInvalidTagParameter.Newf("Invalid tag key '%s': a key has 1 to 128 characters", key)
	case awsapi.BadTagValue:
		return ErrInvalidTagParameter.Newf("Invalid value for tag key '%s': a value has at most 256 characters", key)
	}
	return nil
}

func tagKV(t Tag) (string, string) { return t.Key, t.Value }
func tagKey(t Tag) string          { return t.Key }

// repoOfARN is the repository an ARN names, if it is one of this registry's.
func (c *Control) repoOfARN(arn string) (string, error) {
	name, ok := awsapi.ResourceOf(arn, "ecr", "repository")
	if !ok || arn != c.repositoryArn(name) {
		return "", invalidParameter("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'")
	}
	if c.snapshot().Repos[name] == nil {
		return "", c.repositoryNotFound(name)
	}
	return name, nil
}

type TagResourceInput struct {
	ResourceArn string
	Tags        []Tag
}

type Empty struct{}

func (c *Control) TagResource(ctx context.Context, in *TagResourceInput) (*Empty, error) {
	name, err := c.repoOfARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	_, err = c.update(ctx, name, func(r *repoRecord) error {
		r.Tags = awsapi.MergeTags(r.Tags, in.Tags, tagKey)
		return checkTags(r.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

type UntagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

func (c *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*Empty, error) {
	name, err := c.repoOfARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	_, err = c.update(ctx, name, func(r *repoRecord) error {
		r.Tags = awsapi.RemoveTags(r.Tags, in.TagKeys, tagKey)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

type ListTagsForResourceInput struct{ ResourceArn string }

type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

func (c *Control) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	name, err := c.repoOfARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := c.snapshot().Repos[name].Tags
	if tags == nil {
		tags = []Tag{}
	}
	return &ListTagsForResourceOutput{tags}, nil
}
