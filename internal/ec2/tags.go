package ec2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
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

// CreateTags adds or overwrites tags of any EC2 resource Portolan keeps.
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

// DeleteTags removes tags of EC2 resources; without Tags, every tag.
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
// an unknown id fails them all. Each record keeps its tags in its Tags
// member, whatever its kind, so the change is made on the stored JSON.
func (c *Control) retag(ctx context.Context, ids []string, dryRun *bool, change func([]Tag) []Tag) error {
	if len(ids) == 0 {
		return missing("ResourceId")
	}
	// Endpoints are what the View follows: wait for it to have their tags.
	commit := c.write
	if slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, "vpce-") }) {
		commit = c.commit
	}
	return commit(ctx, func() (store.Txn, error) {
		var txn store.Txn
		for _, id := range ids {
			prefix, rt, ok := kindOf(id)
			if !ok {
				return store.Txn{}, ErrInvalidID.Newf("The ID '%s' is not valid", id)
			}
			kv, err := c.st.Get(ctx, prefix+id)
			if errors.Is(err, store.ErrNotFound) {
				return store.Txn{}, tagTargetNotFound(id)
			} else if err != nil {
				return store.Txn{}, err
			}
			var rec map[string]json.RawMessage
			var tags []Tag
			if json.Unmarshal(kv.Value, &rec) != nil || json.Unmarshal(rec["Tags"], &tags) != nil && rec["Tags"] != nil {
				return store.Txn{}, fmt.Errorf("ec2: record %s is not readable", kv.Key)
			}
			tags = change(tags)
			if _, err := tagsFor([]TagSpecification{{ResourceType: &rt, Tags: tags}}, rt); err != nil {
				return store.Txn{}, err
			}
			rec["Tags"] = store.JSON(tags)
			putIfUnchanged(&txn, kv, rec)
		}
		if isTrue(dryRun) {
			return store.Txn{}, errDryRun
		}
		return txn, nil
	})
}

// tagTargetNotFound is the NotFound error of the resource's kind.
func tagTargetNotFound(id string) error {
	switch {
	case strings.HasPrefix(id, "vpc-"):
		return vpcNotFound(id)
	case strings.HasPrefix(id, "subnet-"):
		return subnetNotFound(id)
	case strings.HasPrefix(id, "sg-"):
		return groupNotFound(id)
	case strings.HasPrefix(id, "igw-"):
		return igwNotFound(id)
	case strings.HasPrefix(id, "rtb-"):
		return rtbNotFound(id)
	case strings.HasPrefix(id, "nat-"):
		return natNotFound(id)
	case strings.HasPrefix(id, "eipalloc-"):
		return allocationNotFound(id)
	case strings.HasPrefix(id, "pcx-"):
		return peeringNotFound(id)
	case strings.HasPrefix(id, "acl-"):
		return ErrNetworkAclNotFound.Newf("The networkAcl ID '%s' does not exist", id)
	}
	return endpointNotFound(id)
}

// tagsFor reads the tags TagSpecifications give a resource of type rt.
func tagsFor(specs []TagSpecification, rt string) ([]Tag, error) {
	tags := []Tag{}
	for _, s := range specs {
		if got := deref(s.ResourceType); got != rt {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", got)
		}
		for _, t := range s.Tags {
			if i := slices.IndexFunc(tags, func(u Tag) bool { return u.Key == t.Key }); i >= 0 {
				return nil, invalidValue("The tag key '%s' is given more than once", t.Key)
			}
			tags = append(tags, t)
		}
	}
	fault, key := awsapi.CheckTags(len(tags), awsapi.TagList(tags, func(t Tag) (string, string) { return t.Key, t.Value }))
	switch fault {
	case awsapi.TooManyTags:
		return nil, ErrInvalidParameter.Newf("The number of tags exceeds the limit of %d", awsapi.MaxTags)
	case awsapi.BadTagKey, awsapi.BadTagValue:
		return nil, invalidValue("The tag '%s' is not valid: keys are 1 to 128 characters, values at most 256", key)
	}
	return tags, nil
}

// TagDescription is one tag of one resource, as DescribeTags lists it.
type TagDescription struct {
	ResourceId   string
	ResourceType string
	Key          string
	Value        string
}

type DescribeTagsInput struct {
	DryRun     *bool
	Filters    []Filter `ec2:"Filter"`
	MaxResults *int32
	NextToken  *string
}

type DescribeTagsOutput struct {
	Tags      []TagDescription `ec2:"tagSet"`
	NextToken *string
}

var tagFilters = []string{"resource-id", "resource-type", "key", "value", "tag-key", "tag:"}

// DescribeTags lists the tags of every EC2 resource Portolan keeps,
// filtered, a page at a time.
func (c *Control) DescribeTags(ctx context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(in.Filters, tagFilters)
	if err != nil {
		return nil, err
	}
	var found []TagDescription
	for _, k := range kinds {
		kvs, _, err := c.st.List(ctx, k.keyPrefix)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			var rec struct{ Tags []Tag }
			if json.Unmarshal(kv.Value, &rec) != nil {
				continue
			}
			id := strings.TrimPrefix(kv.Key, k.keyPrefix)
			for _, t := range rec.Tags {
				d := TagDescription{ResourceId: id, ResourceType: k.resourceType, Key: t.Key, Value: t.Value}
				if match(func(name string) []string {
					switch name {
					case "resource-id":
						return []string{id}
					case "resource-type":
						return []string{k.resourceType}
					case "key":
						return []string{t.Key}
					case "value":
						return []string{t.Value}
					}
					return tagFilterValues(rec.Tags, name)
				}) {
					found = append(found, d)
				}
			}
		}
	}
	key := func(d TagDescription) string { return d.ResourceId + "\x00" + d.Key }
	slices.SortFunc(found, func(a, b TagDescription) int { return strings.Compare(key(a), key(b)) })
	page, next, err := awsapi.Paginate(describePager, found, key, deref(in.NextToken), maxResults(in.MaxResults))
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []TagDescription{}
	}
	return &DescribeTagsOutput{Tags: page, NextToken: awsapi.StringPtr(next)}, nil
}

func ptr[T any](v T) *T { return &v }
