package ec2

import (
	"context"
	"slices"

	"github.com/portolan/portolan/internal/store"
)

type CreateTagsInput struct {
	DryRun    *bool
	Resources []string `ec2:"ResourceId"`
	Tags      []Tag    `ec2:"Tag"`
}

type CreateTagsOutput struct{}

type DeleteTagsInput struct {
	DryRun    *bool
	Resources []string `ec2:"ResourceId"`
	// Tags with a Value delete the tag only when it has that value.
	Tags []Tag `ec2:"Tag"`
}

type DeleteTagsOutput struct{}

// CreateTags adds or overwrites tags of VPC endpoints, the only EC2
// resources Portolan keeps.
func (c *Control) CreateTags(ctx context.Context, in *CreateTagsInput) (*CreateTagsOutput, error) {
	if len(in.Tags) == 0 {
		return nil, missing("Tag")
	}
	err := c.retag(ctx, in.Resources, in.DryRun, func(tags []Tag) []Tag {
		for _, t := range in.Tags {
			if i := slices.IndexFunc(tags, func(u Tag) bool { return u.Key == t.Key }); i >= 0 {
				tags[i].Value = t.Value
			} else {
				tags = append(tags, t)
			}
		}
		return tags
	})
	if err != nil {
		return nil, err
	}
	return &CreateTagsOutput{}, nil
}

// DeleteTags removes tags of VPC endpoints; without Tags, every tag.
func (c *Control) DeleteTags(ctx context.Context, in *DeleteTagsInput) (*DeleteTagsOutput, error) {
	err := c.retag(ctx, in.Resources, in.DryRun, func(tags []Tag) []Tag {
		if len(in.Tags) == 0 {
			return []Tag{}
		}
		// A tag given with an empty value matches that key whatever its
		// value (the SDKs cannot tell "no value" from "" on the wire).
		return slices.DeleteFunc(tags, func(t Tag) bool {
			return slices.ContainsFunc(in.Tags, func(d Tag) bool { return d.Key == t.Key && (d.Value == "" || d.Value == t.Value) })
		})
	})
	if err != nil {
		return nil, err
	}
	return &DeleteTagsOutput{}, nil
}

// retag applies change to the tags of every resource in one transaction:
// an unknown or foreign id fails them all.
func (c *Control) retag(ctx context.Context, ids []string, dryRun *bool, change func([]Tag) []Tag) error {
	if len(ids) == 0 {
		return missing("ResourceId")
	}
	return c.commit(ctx, func() (store.Txn, error) {
		var txn store.Txn
		for _, id := range ids {
			if !validID(id, "vpce-") {
				return store.Txn{}, invalidValue("Portolan keeps tags of VPC endpoints only, not of '%s'", id)
			}
			r, kv, err := c.endpoint(ctx, id)
			if err != nil {
				return store.Txn{}, err
			}
			if r == nil {
				return store.Txn{}, endpointNotFound(id)
			}
			r.Tags = change(r.Tags)
			if _, err := tagsOf([]TagSpecification{{ResourceType: ptr("vpc-endpoint"), Tags: r.Tags}}); err != nil {
				return store.Txn{}, err
			}
			txn.If = append(txn.If, store.Unchanged(kv))
			txn.Then = append(txn.Then, store.Put(kv.Key, store.JSON(r)))
		}
		if isTrue(dryRun) {
			return store.Txn{}, errDryRun
		}
		return txn, nil
	})
}

func ptr[T any](v T) *T { return &v }
