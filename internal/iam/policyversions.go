package iam

import (
	"context"
	"strconv"
	"time"

	"github.com/portolan/portolan/internal/restapi/policy"
)

type CreatePolicyVersionInput struct {
	PolicyArn      string
	PolicyDocument string
	SetAsDefault   bool
}

type PolicyVersionOutput struct{ PolicyVersion *PolicyVersion }

// CreatePolicyVersion adds a version to a customer managed policy (at most
// five), optionally making it the default.
func (c *Control) CreatePolicyVersion(ctx context.Context, in *CreatePolicyVersionInput) (*PolicyVersionOutput, error) {
	if err := checkDocument("policyDocument", in.PolicyDocument, policy.IdentityPolicy); err != nil {
		return nil, err
	}
	if err := checkQuota(in.PolicyDocument, "PolicySize", maxManagedPolicy); err != nil {
		return nil, err
	}
	var made PolicyVersion
	err := c.changePolicy(ctx, in.PolicyArn, func(rec *policyRecord) error {
		if len(rec.Versions) >= maxPolicyVersions {
			return ErrLimitExceeded.Newf("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		now := time.Now().UTC().Truncate(time.Second)
		made = PolicyVersion{Document: in.PolicyDocument, VersionId: "v" + strconv.Itoa(rec.NextVersion), CreateDate: now}
		rec.NextVersion++
		rec.Versions = append(rec.Versions, made)
		rec.UpdateDate = now
		if in.SetAsDefault {
			rec.setDefault(made.VersionId)
			made.IsDefaultVersion = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	made.Document = ""
	return &PolicyVersionOutput{PolicyVersion: &made}, nil
}

// setDefault makes the version named id the default one.
func (rec *policyRecord) setDefault(id string) {
	rec.DefaultVersionId = id
	for i := range rec.Versions {
		rec.Versions[i].IsDefaultVersion = rec.Versions[i].VersionId == id
	}
}

// version is the index of the version named id, or a NoSuchEntity error.
func (rec *policyRecord) version(id string) (int, error) {
	if id == "" {
		return 0, missing("versionId")
	}
	for i, v := range rec.Versions {
		if v.VersionId == id {
			return i, nil
		}
	}
	return 0, ErrNoSuchEntity.Newf("Policy %s version %s does not exist or is not attachable.", rec.Arn, id)
}

type PolicyVersionInput struct {
	PolicyArn string
	VersionId string
}

// GetPolicyVersion returns one version, its document URL-encoded.
func (c *Control) GetPolicyVersion(ctx context.Context, in *PolicyVersionInput) (*PolicyVersionOutput, error) {
	rec, err := c.managedPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	i, err := rec.version(in.VersionId)
	if err != nil {
		return nil, err
	}
	v := rec.Versions[i]
	v.Document = encodeDocument(v.Document)
	return &PolicyVersionOutput{PolicyVersion: &v}, nil
}

type ListPolicyVersionsInput struct {
	PolicyArn string
	Paging
}

type ListPolicyVersionsOutput struct {
	Versions []PolicyVersion
	Page
}

// ListPolicyVersions lists a policy's versions, newest first, without
// their documents (as IAM lists them).
func (c *Control) ListPolicyVersions(ctx context.Context, in *ListPolicyVersionsInput) (*ListPolicyVersionsOutput, error) {
	rec, err := c.managedPolicy(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyVersion, 0, len(rec.Versions))
	for i := len(rec.Versions) - 1; i >= 0; i-- {
		v := rec.Versions[i]
		v.Document = ""
		out = append(out, v)
	}
	return &ListPolicyVersionsOutput{Versions: out}, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (c *Control) DeletePolicyVersion(ctx context.Context, in *PolicyVersionInput) (*Empty, error) {
	return &Empty{}, c.changePolicy(ctx, in.PolicyArn, func(rec *policyRecord) error {
		i, err := rec.version(in.VersionId)
		if err != nil {
			return err
		}
		if rec.Versions[i].IsDefaultVersion {
			return ErrDeleteConflict.Newf("Cannot delete the default version of a policy.")
		}
		rec.Versions = append(rec.Versions[:i], rec.Versions[i+1:]...)
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the default.
func (c *Control) SetDefaultPolicyVersion(ctx context.Context, in *PolicyVersionInput) (*Empty, error) {
	return &Empty{}, c.changePolicy(ctx, in.PolicyArn, func(rec *policyRecord) error {
		if _, err := rec.version(in.VersionId); err != nil {
			return err
		}
		rec.setDefault(in.VersionId)
		rec.UpdateDate = time.Now().UTC().Truncate(time.Second)
		return nil
	})
}
