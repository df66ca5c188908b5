package restapi

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
	PageInput
}

type GetTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// checkTags applies AWS's tag limits; keys starting "aws:" are AWS's own.
func checkTags(tags map[string]string) error {
	switch fault, key := awsapi.CheckTags(len(tags), maps.All(tags)); fault {
	case awsapi.TooManyTags:
		return badRequest("Too many tags: a resource can have at most %d", awsapi.MaxTags)
	case awsapi.BadTagKey:
		return badRequest("Invalid tag key '%s': must be 1 to 128 characters", key)
	case awsapi.BadTagValue:
		return badRequest("Invalid tag value for key '%s': must be at most 256 characters", key)
	}
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return badRequest("Invalid tag key '%s': keys starting with aws: are reserved", k)
		}
	}
	return nil
}

// taggedKey maps the ARN of a taggable resource to its record:
// arn:aws:apigateway:{region}::/restapis/{id}, .../restapis/{id}/stages/
// {name}, /vpclinks/{id}, /apikeys/{id}, /usageplans/{id}.
func (c *Control) taggedKey(arn string) (string, error) {
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "apigateway" || a.Region != c.cfg.Region {
		return "", badRequest("Invalid ARN specified in the request: %s", arn)
	}
	p := strings.Split(strings.TrimPrefix(a.Resource, "/"), "/")
	var key string
	switch {
	case len(p) == 2 && p[0] == "restapis":
		key = apiKey(p[1])
	case len(p) == 4 && p[0] == "restapis" && p[2] == "stages":
		key = stageKey(p[1], p[3])
	case len(p) == 2 && p[0] == "vpclinks":
		key = vpcLinkKey(p[1])
	case len(p) == 2 && p[0] == "apikeys":
		key = apiKeyKey(p[1])
	case len(p) == 2 && p[0] == "usageplans":
		key = usagePlanKey(p[1])
	default:
		return "", badRequest("Invalid ARN specified in the request: %s cannot be tagged", arn)
	}
	for _, s := range p {
		if s == "" {
			return "", badRequest("Invalid ARN specified in the request: %s", arn)
		}
	}
	return key, nil
}

// editTags rewrites the "tags" member of the record behind arn: every
// taggable record carries its tags there.
func (c *Control) editTags(ctx context.Context, arn string, edit func(tags map[string]string) (map[string]string, error)) error {
	key, err := c.taggedKey(arn)
	if err != nil {
		return err
	}
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[map[string]json.RawMessage](ctx, c.st, key)
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, notFound("Invalid resource identifier specified: %s", arn)
		}
		if err != nil {
			return store.Txn{}, err
		}
		var tags map[string]string
		if raw, ok := (*rec)["tags"]; ok {
			if err := json.Unmarshal(raw, &tags); err != nil {
				return store.Txn{}, err
			}
		}
		tags, err = edit(tags)
		if err != nil {
			return store.Txn{}, err
		}
		if len(tags) == 0 {
			delete(*rec, "tags")
		} else {
			(*rec)["tags"] = store.JSON(tags)
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(key, store.JSON(rec))}}, nil
	})
}

// TagResource adds or replaces tags.
func (c *Control) TagResource(ctx context.Context, in *TagResourceInput) error {
	return c.editTags(ctx, in.ResourceArn, func(tags map[string]string) (map[string]string, error) {
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, in.Tags)
		return tags, checkTags(tags)
	})
}

// UntagResource removes tags by key.
func (c *Control) UntagResource(ctx context.Context, in *UntagResourceInput) error {
	if len(in.TagKeys) == 0 {
		return badRequest("tagKeys must name at least one tag")
	}
	return c.editTags(ctx, in.ResourceArn, func(tags map[string]string) (map[string]string, error) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return tags, nil
	})
}

// GetTags returns a resource's tags.
func (c *Control) GetTags(ctx context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	key, err := c.taggedKey(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	rec, _, err := store.GetJSON[struct {
		Tags map[string]string `json:"tags"`
	}](ctx, c.st, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Invalid resource identifier specified: %s", in.ResourceArn)
	}
	if err != nil {
		return nil, err
	}
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	return &GetTagsOutput{Tags: rec.Tags}, nil
}
