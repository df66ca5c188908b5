package cloudmap

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type TagResourceInput struct {
	ResourceARN string
	Tags        []Tag
}

type UntagResourceInput struct {
	ResourceARN string
	TagKeys     []string
}

type ResourceARNInput struct{ ResourceARN string }

type ListTagsForResourceOutput struct{ Tags []Tag }

// taggable names the store key of the namespace or service an ARN points at.
func taggable(arn string) (string, error) {
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "servicediscovery" {
		return "", invalidInput("ResourceARN %q is not a Cloud Map ARN", arn)
	}
	switch kind, id, _ := a.Typed(); kind {
	case "namespace":
		return nsKey(id), nil
	case "service":
		return svcKey(id), nil
	}
	return "", invalidInput("ResourceARN %q names neither a namespace nor a service", arn)
}

// editTags rewrites the tag list of the resource behind arn.
func (r *Control) editTags(ctx context.Context, arn string, edit func([]Tag) ([]Tag, error)) ([]Tag, error) {
	key, err := taggable(arn)
	if err != nil {
		return nil, err
	}
	var result []Tag
	err = r.commit(ctx, func() (store.Txn, error) {
		kv, err := r.st.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, resourceNotFound(arn)
		} else if err != nil {
			return store.Txn{}, err
		}
		var value []byte
		if strings.HasPrefix(key, nsPrefix) {
			rec := store.DecodeJSON[namespaceRecord](kv.Value)
			if rec.Tags, err = edit(rec.Tags); err != nil {
				return store.Txn{}, err
			}
			result, value = rec.Tags, store.JSON(rec)
		} else {
			rec := store.DecodeJSON[serviceRecord](kv.Value)
			if rec.Tags, err = edit(rec.Tags); err != nil {
				return store.Txn{}, err
			}
			result, value = rec.Tags, store.JSON(rec)
		}
		if edit == nil {
			return store.Txn{}, nil
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(key, value)}}, nil
	})
	return result, err
}

func (r *Control) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	if err := validateTags(in.ResourceARN, in.Tags); err != nil {
		return nil, err
	}
	_, err := r.editTags(ctx, in.ResourceARN, func(tags []Tag) ([]Tag, error) {
		tags = awsapi.MergeTags(tags, in.Tags, tagKey)
		if len(tags) > maxTags {
			return nil, tooManyTags(in.ResourceARN)
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (r *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	_, err := r.editTags(ctx, in.ResourceARN, func(tags []Tag) ([]Tag, error) {
		return awsapi.RemoveTags(tags, in.TagKeys, tagKey), nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (r *Control) ListTagsForResource(ctx context.Context, in *ResourceARNInput) (*ListTagsForResourceOutput, error) {
	key, err := taggable(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	kv, err := r.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, resourceNotFound(in.ResourceARN)
	} else if err != nil {
		return nil, err
	}
	var tags []Tag
	if strings.HasPrefix(key, nsPrefix) {
		tags = store.DecodeJSON[namespaceRecord](kv.Value).Tags
	} else {
		tags = store.DecodeJSON[serviceRecord](kv.Value).Tags
	}
	return &ListTagsForResourceOutput{Tags: nonNil(tags)}, nil
}

func tagKey(t Tag) string { return t.Key }
