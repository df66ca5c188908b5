package ecs

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

// taggedKey finds the store key of the resource an ARN names. It keeps
// its own reading rather than awsapi.ParseARN: it has always taken
// region:account:resource from after the first ":ecs:", with or without
// a well-formed "arn:partition:" before it, and ParseARN would refuse
// some of what it accepts.
func (c *Control) taggedKey(arn string) (string, error) {
	_, resource, ok := strings.Cut(arn, ":ecs:")
	if !ok {
		return "", invalidParameter("Invalid ARN: %s", arn)
	}
	parts := strings.SplitN(resource, ":", 3)
	if len(parts) != 3 {
		return "", invalidParameter("Invalid ARN: %s", arn)
	}
	kind, rest, _ := strings.Cut(parts[2], "/")
	switch kind {
	case "cluster":
		return clusterKey(rest), nil
	case "task":
		cl, id, ok := strings.Cut(rest, "/")
		if !ok {
			return "", invalidParameter("Invalid task ARN: %s", arn)
		}
		return taskKey(cl, id), nil
	case "task-definition":
		fam, rev, ok := strings.Cut(rest, ":")
		if !ok {
			return "", invalidParameter("Invalid task definition ARN: %s", arn)
		}
		n, err := strconv.Atoi(rev)
		if err != nil || n < 1 {
			return "", invalidParameter("Invalid task definition ARN: %s", arn)
		}
		return taskDefKey(fam, n), nil
	case "service":
		return ServicePrefix + rest, nil
	}
	return "", invalidParameter("Unsupported resource type in ARN: %s", arn)
}

// editTags rewrites the "tags" member of whatever record key holds.
func (c *Control) editTags(ctx context.Context, arn string, edit func([]Tag) []Tag) ([]Tag, error) {
	key, err := c.taggedKey(arn)
	if err != nil {
		return nil, err
	}
	var tags []Tag
	err = c.commit(ctx, func() (store.Txn, error) {
		kv, err := c.st.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, errResourceNotFound
		} else if err != nil {
			return store.Txn{}, err
		}
		rec := store.DecodeJSON[map[string]any](kv.Value)
		if rec == nil {
			return store.Txn{}, errors.New("corrupt record at " + key)
		}
		tags = tagsOf((*rec)["tags"])
		if edit == nil {
			return store.Txn{}, nil
		}
		tags = edit(tags)
		if len(tags) > awsapi.MaxTags {
			return store.Txn{}, errTooManyTags
		}
		(*rec)["tags"] = tags
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(key, store.JSON(rec))}}, nil
	})
	return tags, err
}

func tagsOf(v any) []Tag {
	list, _ := v.([]any)
	var out []Tag
	for _, item := range list {
		m, _ := item.(map[string]any)
		k, _ := m["key"].(string)
		val, _ := m["value"].(string)
		out = append(out, Tag{Key: k, Value: val})
	}
	return out
}

// checkTags applies the tag limits every service shares, in ECS's words.
func checkTags(tags []Tag) error {
	switch fault, _ := awsapi.CheckTags(len(tags), awsapi.TagList(tags, func(t Tag) (string, string) { return t.Key, t.Value })); fault {
	case awsapi.TooManyTags:
		return errTooManyTags
	case awsapi.BadTagKey, awsapi.BadTagValue:
		return errBadTag
	}
	return nil
}

func tagKey(t Tag) string { return t.Key }

func (c *Control) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	_, err := c.editTags(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		return awsapi.MergeTags(tags, in.Tags, tagKey)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (c *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	_, err := c.editTags(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		return nonNil(awsapi.RemoveTags(tags, in.TagKeys, tagKey))
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (c *Control) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	tags, err := c.editTags(ctx, in.ResourceArn, nil)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: nonNil(tags)}, nil
}
