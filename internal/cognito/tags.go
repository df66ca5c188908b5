package cognito

import (
	"context"
	"maps"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Tags and the MFA setting: what infrastructure tools (Terraform reads
// both on every refresh) ask of a pool besides DescribeUserPool.

// TagResourceInput tags a pool by ARN.
type TagResourceInput struct {
	ResourceArn string
	Tags        map[string]string
}

// UntagResourceInput removes tags from a pool.
type UntagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

// ResourceArnInput names a pool by ARN.
type ResourceArnInput struct {
	ResourceArn string
}

// ListTagsForResourceOutput is a pool's tags.
type ListTagsForResourceOutput struct {
	Tags map[string]string
}

// poolOfARN is the pool id an ARN of this service names.
func (c *Control) poolOfARN(arn string) (string, error) {
	id, ok := strings.CutPrefix(arn, c.poolARN(""))
	if !ok || id == "" {
		return "", ErrResourceNotFound.Newf("Resource %s not found.", arn)
	}
	return id, nil
}

func (c *Control) retag(ctx context.Context, arn string, change func(tags map[string]string) error) error {
	id, err := c.poolOfARN(arn)
	if err != nil {
		return err
	}
	return c.commit(ctx, func() (store.Txn, error) {
		p, kv, err := c.pool(ctx, id)
		if err != nil {
			return store.Txn{}, err
		}
		tags := maps.Clone(p.UserPoolTags)
		if tags == nil {
			tags = map[string]string{}
		}
		if err := change(tags); err != nil {
			return store.Txn{}, err
		}
		if fault, key := awsapi.CheckTags(len(tags), maps.All(tags)); fault != awsapi.TagsValid {
			return store.Txn{}, invalidParameter("Invalid tag %q: at most %d tags, keys of 1 to 128 characters, values of at most 256.", key, awsapi.MaxTags)
		}
		p.UserPoolTags = tags
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(p))}}, nil
	})
}

// TagResource adds or replaces a pool's tags.
func (c *Control) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	return &struct{}{}, c.retag(ctx, in.ResourceArn, func(tags map[string]string) error {
		maps.Copy(tags, in.Tags)
		return nil
	})
}

// UntagResource removes a pool's tags by key.
func (c *Control) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	return &struct{}{}, c.retag(ctx, in.ResourceArn, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// ListTagsForResource returns a pool's tags.
func (c *Control) ListTagsForResource(ctx context.Context, in *ResourceArnInput) (*ListTagsForResourceOutput, error) {
	id, err := c.poolOfARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	p, _, err := c.pool(ctx, id)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: nonNilMap(p.UserPoolTags)}, nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// UserPoolMfaConfigOutput is GetUserPoolMfaConfig's answer.
type UserPoolMfaConfigOutput struct {
	MfaConfiguration string
}

// SetUserPoolMfaConfigInput is SetUserPoolMfaConfig's request.
type SetUserPoolMfaConfigInput struct {
	UserPoolId       string
	MfaConfiguration string
}

// GetUserPoolMfaConfig answers the pool's MFA setting: always OFF.
func (c *Control) GetUserPoolMfaConfig(ctx context.Context, in *UserPoolIdInput) (*UserPoolMfaConfigOutput, error) {
	p, _, err := c.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return &UserPoolMfaConfigOutput{MfaConfiguration: p.MfaConfiguration}, nil
}

// SetUserPoolMfaConfig accepts OFF: MFA is not emulated.
func (c *Control) SetUserPoolMfaConfig(ctx context.Context, in *SetUserPoolMfaConfigInput) (*UserPoolMfaConfigOutput, error) {
	if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if in.MfaConfiguration != "" && in.MfaConfiguration != "OFF" {
		return nil, invalidParameter("MFA is not emulated by Portolan: MfaConfiguration can only be OFF.")
	}
	return &UserPoolMfaConfigOutput{MfaConfiguration: "OFF"}, nil
}
