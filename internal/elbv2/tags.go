package elbv2

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type AddTagsInput struct {
	ResourceArns []string
	Tags         []Tag
}

type AddTagsOutput struct{}

type RemoveTagsInput struct {
	ResourceArns []string
	TagKeys      []string
}

type RemoveTagsOutput struct{}

type DescribeTagsInput struct {
	ResourceArns []string
}

type TagDescription struct {
	ResourceArn string
	Tags        []Tag
}

type DescribeTagsOutput struct {
	TagDescriptions []TagDescription
}

// maxTaggedResources is how many ARNs one tagging call may name.
const maxTaggedResources = 20

func tagKey(t Tag) string { return t.Key }

// checkTagList applies the limits to a list of tags as given: no key twice
// (DuplicateTagKeys), then the shared limits.
func checkTagList(tags []Tag) error {
	for i, t := range tags {
		if slices.ContainsFunc(tags[:i], func(u Tag) bool { return u.Key == t.Key }) {
			return ErrDuplicateTagKeys.Newf("A tag key was specified more than once: '%s'", t.Key)
		}
	}
	return checkTags(tags)
}

func checkTags(tags []Tag) error {
	fault, key := awsapi.CheckTags(len(tags), awsapi.TagList(tags, func(t Tag) (string, string) { return t.Key, derefOr(t.Value, "") }))
	switch fault {
	case awsapi.TooManyTags:
		return ErrTooManyTags.Newf("The quota for the number of tags that can be assigned to a resource has been reached (%d)", awsapi.MaxTags)
	case awsapi.BadTagKey:
		return validation("Tag key '%s' must be 1 to 128 characters", key)
	case awsapi.BadTagValue:
		return validation("The value of tag '%s' must be at most 256 characters", key)
	}
	return nil
}

// tagged is the records a tagging call reads, each once, however many of
// the ARNs it names live in one record (a load balancer and its listeners).
type tagged struct {
	c   *Control
	lbs map[string]*loadBalancerRecord
	tgs map[string]*targetGroupRecord
	kvs map[string]store.KV
}

func (c *Control) newTagged() *tagged {
	return &tagged{c: c, lbs: map[string]*loadBalancerRecord{}, tgs: map[string]*targetGroupRecord{}, kvs: map[string]store.KV{}}
}

// tagsOf returns the tags of the resource arn names, to read or change.
func (t *tagged) tagsOf(ctx context.Context, arn string) (*[]Tag, error) {
	a, ok := awsapi.ParseARN(arn)
	if !ok || a.Service != "elasticloadbalancing" {
		return nil, validation("'%s' is not a valid resource ARN", arn)
	}
	typ, rest, _ := a.Typed()
	parts := strings.Split(rest, "/")
	switch {
	case typ == "targetgroup":
		id, ok := parseTargetGroupARN(arn)
		if !ok {
			break
		}
		r := t.tgs[id]
		if r == nil {
			rec, kv, err := t.c.targetGroupByARN(ctx, arn)
			if err != nil {
				return nil, err
			}
			r, t.tgs[id], t.kvs[kv.Key] = rec, rec, kv
		}
		return &r.Tags, nil
	case typ == "loadbalancer" && len(parts) == 3,
		typ == "listener" && len(parts) == 4,
		typ == "listener-rule" && len(parts) == 5:
		lb, err := t.loadBalancer(ctx, arn, typ, parts)
		if err != nil {
			return nil, err
		}
		return tagsWithin(lb, typ, arn)
	}
	return nil, validation("'%s' is not a valid resource ARN", arn)
}

// loadBalancer reads (once) the load balancer record that holds arn.
func (t *tagged) loadBalancer(ctx context.Context, arn, typ string, parts []string) (*loadBalancerRecord, error) {
	id := parts[2]
	if r := t.lbs[id]; r != nil {
		return r, nil
	}
	r, kv, err := store.GetJSON[loadBalancerRecord](ctx, t.c.st, loadBalancerKey(id))
	if err != nil || (typ == "loadbalancer" && r.LoadBalancerArn != arn) {
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		switch typ {
		case "listener":
			return nil, ErrListenerNotFound.Newf("Listener '%s' not found", arn)
		case "listener-rule":
			return nil, ErrRuleNotFound.Newf("Rule '%s' not found", arn)
		}
		return nil, ErrLoadBalancerNotFound.Newf("Load balancer '%s' not found", arn)
	}
	t.lbs[id], t.kvs[kv.Key] = r, kv
	return r, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// tagsWithin finds the load balancer, listener or rule arn names in lb.
func tagsWithin(lb *loadBalancerRecord, typ, arn string) (*[]Tag, error) {
	switch typ {
	case "loadbalancer":
		return &lb.Tags, nil
	case "listener":
		for _, l := range lb.Listeners {
			if l.ListenerArn == arn {
				return &l.Tags, nil
			}
		}
		return nil, ErrListenerNotFound.Newf("Listener '%s' not found", arn)
	}
	for _, l := range lb.Listeners {
		for _, r := range l.Rules {
			if r.RuleArn == arn {
				return &r.Tags, nil
			}
		}
	}
	return nil, ErrRuleNotFound.Newf("Rule '%s' not found", arn)
}

// txn writes back every record read, each unchanged since.
func (t *tagged) txn() store.Txn {
	var txn store.Txn
	for key, kv := range t.kvs {
		txn.If = append(txn.If, store.Unchanged(kv))
		if strings.HasPrefix(key, targetGroupPrefix) {
			txn.Then = append(txn.Then, store.Put(key, store.JSON(t.tgs[key[len(targetGroupPrefix):]])))
		} else {
			txn.Then = append(txn.Then, store.Put(key, store.JSON(t.lbs[key[len(loadBalancerPrefix):]])))
		}
	}
	return txn
}

func checkResourceArns(arns []string) error {
	if len(arns) == 0 {
		return validation("At least one resource ARN must be specified")
	}
	if len(arns) > maxTaggedResources {
		return validation("At most %d resource ARNs can be specified", maxTaggedResources)
	}
	return nil
}

// AddTags adds tags to resources, or replaces the value of a key already
// there; all the resources change or none.
func (c *Control) AddTags(ctx context.Context, in *AddTagsInput) (*AddTagsOutput, error) {
	if err := checkResourceArns(in.ResourceArns); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, validation("At least one tag must be specified")
	}
	if err := checkTagList(in.Tags); err != nil {
		return nil, err
	}
	err := c.editTags(ctx, in.ResourceArns, func(arn string, tags *[]Tag) error {
		*tags = awsapi.MergeTags(*tags, slices.Clone(in.Tags), tagKey)
		if len(*tags) > awsapi.MaxTags {
			return ErrTooManyTags.Newf("The quota for the number of tags that can be assigned to resource '%s' has been reached (%d)", arn, awsapi.MaxTags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddTagsOutput{}, nil
}

// RemoveTags removes tag keys from resources; a key not there is ignored.
func (c *Control) RemoveTags(ctx context.Context, in *RemoveTagsInput) (*RemoveTagsOutput, error) {
	if err := checkResourceArns(in.ResourceArns); err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, validation("At least one tag key must be specified")
	}
	err := c.editTags(ctx, in.ResourceArns, func(_ string, tags *[]Tag) error {
		*tags = awsapi.RemoveTags(*tags, in.TagKeys, tagKey)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RemoveTagsOutput{}, nil
}

// editTags applies edit to each resource's tags and commits them all in
// one transaction, so a failure on any resource changes none.
func (c *Control) editTags(ctx context.Context, arns []string, edit func(arn string, tags *[]Tag) error) error {
	return c.commit(ctx, func() (store.Txn, error) {
		t := c.newTagged()
		for _, arn := range arns {
			tags, err := t.tagsOf(ctx, arn)
			if err != nil {
				return store.Txn{}, err
			}
			if err := edit(arn, tags); err != nil {
				return store.Txn{}, err
			}
		}
		return t.txn(), nil
	})
}

// DescribeTags answers each resource's tags, in the order asked.
func (c *Control) DescribeTags(ctx context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	if err := checkResourceArns(in.ResourceArns); err != nil {
		return nil, err
	}
	t := c.newTagged()
	out := &DescribeTagsOutput{TagDescriptions: []TagDescription{}}
	for _, arn := range in.ResourceArns {
		tags, err := t.tagsOf(ctx, arn)
		if err != nil {
			return nil, err
		}
		list := slices.Clone(*tags)
		if list == nil {
			list = []Tag{}
		}
		out.TagDescriptions = append(out.TagDescriptions, TagDescription{ResourceArn: arn, Tags: list})
	}
	return out, nil
}
