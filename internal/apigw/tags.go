package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type TagResourceInput struct {
	ResourceArn string            `json:"-"`
	Tags        map[string]string `json:"tags,omitempty"`
}

type UntagResourceInput struct {
	ResourceArn string   `json:"-"`
	TagKeys     []string `json:"-"`
}

type GetTagsInput struct {
	ResourceArn string `json:"-"`
}

type GetTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// taggable is a resource an ARN names: its store key and how to reach the
// tag map inside its record.
type taggable struct {
	key  string
	kind string // Api, Stage, VpcLink
	id   string
}

// resolveARN maps arn:aws:apigateway:{region}::/apis/{id},
// .../apis/{id}/stages/{name}, .../vpclinks/{id} and
// .../domainnames/{name} (the resources
// apigatewayv2 tags) to their records.
func (s *Control) resolveARN(arn string) (taggable, error) {
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "apigateway" {
		return taggable{}, badRequest("Invalid resource ARN %s", arn)
	}
	path := strings.Split(strings.TrimPrefix(a.Resource, "/"), "/")
	switch {
	case len(path) == 2 && path[0] == "apis":
		return taggable{key: apiKey(path[1]), kind: "Api", id: path[1]}, nil
	case len(path) == 4 && path[0] == "apis" && path[2] == "stages":
		return taggable{key: stageKey(path[1], path[3]), kind: "Stage", id: path[3]}, nil
	case len(path) == 2 && path[0] == "vpclinks":
		return taggable{key: vpcLinkKey(path[1]), kind: "VpcLink", id: path[1]}, nil
	case len(path) == 2 && path[0] == "domainnames":
		return taggable{key: domainKey(strings.ToLower(path[1])), kind: "DomainName", id: path[1]}, nil
	}
	return taggable{}, badRequest("Resource %s cannot be tagged", arn)
}

// editTags rewrites the tag map of the resource behind arn.
func (s *Control) editTags(ctx context.Context, arn string, edit func(map[string]string) (map[string]string, error)) (map[string]string, error) {
	t, err := s.resolveARN(arn)
	if err != nil {
		return nil, err
	}
	var result map[string]string
	err = s.commit(ctx, func() (store.Txn, error) {
		kv, err := s.st.Get(ctx, t.key)
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, s.notFound(t.kind, t.id)
		}
		if err != nil {
			return store.Txn{}, err
		}
		// Decode into a generic record so that every member survives the
		// rewrite whatever the resource's type.
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			return store.Txn{}, err
		}
		var tags map[string]string
		if raw, ok := rec["tags"]; ok {
			if err := json.Unmarshal(raw, &tags); err != nil {
				return store.Txn{}, err
			}
		}
		tags, err = edit(tags)
		if err != nil {
			return store.Txn{}, err
		}
		result = tags
		if len(tags) == 0 {
			delete(rec, "tags")
		} else {
			rec["tags"] = store.JSON(tags)
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(t.key, store.JSON(rec))}}, nil
	})
	return result, err
}

// TagResource adds or replaces tags.
func (s *Control) TagResource(ctx context.Context, in *TagResourceInput) error {
	if err := validateTags(in.Tags); err != nil {
		return err
	}
	_, err := s.editTags(ctx, in.ResourceArn, func(tags map[string]string) (map[string]string, error) {
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, in.Tags)
		return tags, validateTags(tags)
	})
	return err
}

// UntagResource removes tags.
func (s *Control) UntagResource(ctx context.Context, in *UntagResourceInput) error {
	if len(in.TagKeys) == 0 {
		return badRequest("TagKeys is required")
	}
	_, err := s.editTags(ctx, in.ResourceArn, func(tags map[string]string) (map[string]string, error) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return tags, nil
	})
	return err
}

// GetTags returns a resource's tags.
func (s *Control) GetTags(ctx context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	t, err := s.resolveARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	kv, err := s.st.Get(ctx, t.key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound(t.kind, t.id)
	}
	if err != nil {
		return nil, err
	}
	var rec struct {
		Tags map[string]string `json:"tags"`
	}
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		return nil, err
	}
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	return &GetTagsOutput{Tags: rec.Tags}, nil
}
