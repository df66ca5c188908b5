package iam

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/restapi/policy"
	"github.com/portolan/portolan/internal/store"
)

// maxPolicyVersions is how many versions a managed policy keeps at most.
const maxPolicyVersions = 5

type CreatePolicyInput struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []Tag
}

type PolicyOutput struct{ Policy *Policy }

// CreatePolicy creates a customer managed policy, its document as v1.
func (c *Control) CreatePolicy(ctx context.Context, in *CreatePolicyInput) (*PolicyOutput, error) {
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkDocument("policyDocument", in.PolicyDocument, policy.IdentityPolicy); err != nil {
		return nil, err
	}
	if err := checkQuota(in.PolicyDocument, "PolicySize", maxManagedPolicy); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	rec := &policyRecord{
		Policy: Policy{PolicyName: in.PolicyName, PolicyId: newID("ANPA"), Arn: c.arn("policy" + path + in.PolicyName), Path: path,
			DefaultVersionId: "v1", IsAttachable: true, Description: in.Description, CreateDate: now, UpdateDate: now, Tags: in.Tags},
		Versions:    []PolicyVersion{{Document: in.PolicyDocument, VersionId: "v1", IsDefaultVersion: true, CreateDate: now}},
		NextVersion: 2,
	}
	err = c.commit(ctx, func() (store.Txn, error) {
		if err := c.absent(ctx, policyKey(in.PolicyName), ErrEntityAlreadyExists.Newf("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(policyKey(in.PolicyName))}, Then: []store.Op{store.Put(policyKey(in.PolicyName), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyOutput{Policy: &rec.Policy}, nil
}

// managedPolicy reads a managed policy by ARN: a customer managed one from
// the store, a known AWS managed one from the table.
func (c *Control) managedPolicy(ctx context.Context, arn string) (*policyRecord, error) {
	rec, _, err := c.customerPolicy(ctx, arn)
	return rec, err
}

// customerPolicy is managedPolicy with the record's KV (empty for an AWS
// managed policy, which is not stored).
func (c *Control) customerPolicy(ctx context.Context, arn string) (*policyRecord, store.KV, error) {
	if arn == "" {
		return nil, store.KV{}, missing("policyArn")
	}
	if rec := awsManagedRecord(arn); rec != nil {
		return rec, store.KV{}, nil
	}
	a, ok := awsapi.ParseARN(arn)
	typ, rest, _ := a.Typed()
	if !ok || a.Service != "iam" || typ != "policy" {
		return nil, store.KV{}, ErrInvalidInput.Newf("ARN %s is not valid.", arn)
	}
	if a.Account != c.cfg.AccountID {
		return nil, store.KV{}, policyNotFound(arn)
	}
	rec, kv, err := store.GetJSON[policyRecord](ctx, c.st, policyKey(rest[strings.LastIndexByte(rest, '/')+1:]))
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.Arn != arn {
		return nil, kv, policyNotFound(arn)
	}
	return rec, kv, err
}

type PolicyArnInput struct{ PolicyArn string }

// GetPolicy returns a managed policy with its attachment count.
func (c *Control) GetPolicy(ctx context.Context, in *PolicyArnInput) (*PolicyOutput, error) {
	rec, err := c.managedPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	counts, err := c.attachmentCounts(ctx)
	if err != nil {
		return nil, err
	}
	rec.AttachmentCount = counts[rec.Arn]
	return &PolicyOutput{Policy: &rec.Policy}, nil
}

// attachmentCounts is how many roles each managed policy is attached to.
func (c *Control) attachmentCounts(ctx context.Context) (map[string]int, error) {
	kvs, _, err := c.st.List(ctx, attachmentPrefix)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, kv := range kvs {
		if a := store.DecodeJSON[attachment](kv.Value); a != nil {
			counts[a.PolicyArn]++
		}
	}
	return counts, nil
}

// DeletePolicy deletes a customer managed policy that is attached to
// nothing and has no version besides its default.
func (c *Control) DeletePolicy(ctx context.Context, in *PolicyArnInput) (*Empty, error) {
	return &Empty{}, c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.customerPolicy(ctx, in.PolicyArn)
		if err != nil {
			return store.Txn{}, err
		}
		if kv.Key == "" {
			return store.Txn{}, ErrUnmodifiableEntity.Newf("Cannot delete an AWS managed policy.")
		}
		counts, err := c.attachmentCounts(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		if counts[rec.Arn] > 0 {
			return store.Txn{}, ErrDeleteConflict.Newf("Cannot delete a policy attached to entities.")
		}
		if len(rec.Versions) > 1 {
			return store.Txn{}, ErrDeleteConflict.Newf("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}

type ListPoliciesInput struct {
	Paging
	Scope        string
	OnlyAttached bool
	PathPrefix   string
}

type ListPoliciesOutput struct {
	Policies []*Policy
	Page
}

// ListPolicies lists managed policies: the account's (Scope Local), the
// AWS managed ones Portolan knows (AWS), or both (All, the default).
func (c *Control) ListPolicies(ctx context.Context, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	scope := in.Scope
	if scope == "" {
		scope = "All"
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, ErrValidation.Newf("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", in.Scope)
	}
	var recs []*policyRecord
	if scope != "AWS" {
		kvs, _, err := c.st.List(ctx, policyPrefix)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			if rec := store.DecodeJSON[policyRecord](kv.Value); rec != nil {
				recs = append(recs, rec)
			}
		}
	}
	if scope != "Local" {
		for name := range awsManaged {
			recs = append(recs, awsManagedRecord(awsManagedPrefix+name))
		}
	}
	counts, err := c.attachmentCounts(ctx)
	if err != nil {
		return nil, err
	}
	policies := []*Policy{}
	for _, rec := range recs {
		rec.AttachmentCount = counts[rec.Arn]
		if strings.HasPrefix(rec.Path, in.PathPrefix) && (!in.OnlyAttached || rec.AttachmentCount > 0) {
			policies = append(policies, &rec.Policy)
		}
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].Arn < policies[j].Arn })
	page, p, err := paginate(policies, func(p *Policy) string { return p.Arn }, in.Paging)
	if err != nil {
		return nil, err
	}
	return &ListPoliciesOutput{Policies: page, Page: p}, nil
}

// changePolicy rewrites a customer managed policy's record.
func (c *Control) changePolicy(ctx context.Context, arn string, change func(*policyRecord) error) error {
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.customerPolicy(ctx, arn)
		if err != nil {
			return store.Txn{}, err
		}
		if kv.Key == "" {
			return store.Txn{}, ErrUnmodifiableEntity.Newf("Policy %s is an AWS managed policy and cannot be modified.", arn)
		}
		if err := change(rec); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}}, nil
	})
}

type TagPolicyInput struct {
	PolicyArn string
	Tags      []Tag
}

// TagPolicy adds or replaces tags on a customer managed policy.
func (c *Control) TagPolicy(ctx context.Context, in *TagPolicyInput) (*Empty, error) {
	return &Empty{}, c.changePolicy(ctx, in.PolicyArn, func(rec *policyRecord) error {
		rec.Tags = awsapi.MergeTags(rec.Tags, in.Tags, tagKey)
		return checkTags(rec.Tags)
	})
}

type UntagPolicyInput struct {
	PolicyArn string
	TagKeys   []string
}

// UntagPolicy removes tags from a customer managed policy.
func (c *Control) UntagPolicy(ctx context.Context, in *UntagPolicyInput) (*Empty, error) {
	return &Empty{}, c.changePolicy(ctx, in.PolicyArn, func(rec *policyRecord) error {
		rec.Tags = awsapi.RemoveTags(rec.Tags, in.TagKeys, tagKey)
		return nil
	})
}

type ListPolicyTagsInput struct {
	PolicyArn string
	Paging
}

// ListPolicyTags lists a managed policy's tags.
func (c *Control) ListPolicyTags(ctx context.Context, in *ListPolicyTagsInput) (*ListTagsOutput, error) {
	rec, err := c.managedPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &ListTagsOutput{Tags: append([]Tag{}, rec.Tags...)}, nil
}
