package ecs

import (
	"context"
	"errors"
	"strconv"
	"strings"

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

// taggedKey finds the store key of the resource an ARN names.
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
		if len(tags) > 50 {
			return store.Txn{}, invalidParameter("A resource can have at most 50 tags.")
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

func (c *Control) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	_, err := c.editTags(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		for _, t := range in.Tags {
			replaced := false
			for i := range tags {
				if tags[i].Key == t.Key {
					tags[i].Value, replaced = t.Value, true
				}
			}
			if !replaced {
				tags = append(tags, t)
			}
		}
		return tags
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (c *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	_, err := c.editTags(ctx, in.ResourceArn, func(tags []Tag) []Tag {
		var kept []Tag
		for _, t := range tags {
			if !contains(in.TagKeys, t.Key) {
				kept = append(kept, t)
			}
		}
		return nonNil(kept)
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
