package route53

import (
	"context"
	"encoding/xml"
	"slices"
)

// Tag limits: ChangeTagsForResource adds at most 10 tags at a time, and a
// resource holds at most 50.
const (
	maxTagsPerChange = 10
	maxTags          = 50
)

type ChangeTagsForResourceInput struct {
	XMLName       xml.Name `xml:"ChangeTagsForResourceRequest"`
	ResourceType  string   `xml:"-" uri:"ResourceType"`
	ResourceId    string   `xml:"-" uri:"ResourceId"`
	AddTags       []Tag    `xml:"AddTags>Tag"`
	RemoveTagKeys []string `xml:"RemoveTagKeys>Key"`
}

type ChangeTagsForResourceOutput struct{}

// ChangeTagsForResource tags hosted zones (health checks are not served
// here, so there are none to tag).
func (c *Control) ChangeTagsForResource(ctx context.Context, in *ChangeTagsForResourceInput) (*ChangeTagsForResourceOutput, error) {
	id, err := c.taggable(in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	if z := c.linkedZoneByID(id); z != nil {
		return nil, managedByCloudMap(id, z.ns.Arn)
	}
	if len(in.AddTags) > maxTagsPerChange || len(in.RemoveTagKeys) > maxTagsPerChange {
		return nil, invalidInput("1 validation error detected: AddTags and RemoveTagKeys each take at most %d items", maxTagsPerChange)
	}
	for _, t := range in.AddTags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, invalidInput("A tag key must be 1 to 128 characters and its value at most 256")
		}
	}
	err = c.updateZone(ctx, id, func(rec *zoneRecord) error {
		rec.Tags = slices.DeleteFunc(rec.Tags, func(t Tag) bool {
			return slices.Contains(in.RemoveTagKeys, t.Key) || slices.ContainsFunc(in.AddTags, func(a Tag) bool { return a.Key == t.Key })
		})
		rec.Tags = append(rec.Tags, in.AddTags...)
		if len(rec.Tags) > maxTags {
			return invalidInput("A hosted zone can have at most %d tags", maxTags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ChangeTagsForResourceOutput{}, nil
}

type ListTagsForResourceInput struct {
	ResourceType string `uri:"ResourceType"`
	ResourceId   string `uri:"ResourceId"`
}

type ListTagsForResourceOutput struct{ ResourceTagSet ResourceTagSet }

type ResourceTagSet struct {
	ResourceType string
	ResourceId   string
	Tags         list[Tag]
}

func (c *Control) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	id, err := c.taggable(in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	var tags []Tag
	if z := c.snapshot().Zone(id); z != nil {
		tags = z.rec.Tags
	} else if c.linkedZoneByID(id) == nil {
		return nil, noSuchHostedZone(id)
	}
	return &ListTagsForResourceOutput{ResourceTagSet{ResourceType: in.ResourceType, ResourceId: id, Tags: listOf("Tag", tags)}}, nil
}

// taggable checks a tagging request's resource: a hosted zone's bare id.
func (c *Control) taggable(typ, id string) (string, error) {
	switch typ {
	case "hostedzone":
	case "healthcheck":
		return "", ErrNoSuchHealthCheck.Newf("A health check with id %s does not exist.", id)
	default:
		return "", invalidInput("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[healthcheck, hostedzone]'. It must be a value from the enumeration.", typ)
	}
	if len(id) > 32 {
		return "", invalidInput("1 validation error detected: Value '%s' at 'resourceId' failed to satisfy constraint: Member must have length less than or equal to 32", id)
	}
	return id, nil
}
