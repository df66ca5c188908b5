package ecr

import (
	"context"
	"slices"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
)

// A lifecycle policy preview is computed when it is started (the images
// as they are then) and kept with the repository until the next one.

// lifecyclePreview is what the store keeps of the last preview.
type lifecyclePreview struct {
	PolicyText string
	Results    []LifecyclePolicyPreviewResult
}

type LifecyclePolicyPreviewResult struct {
	ImageTags     []string         `json:"imageTags,omitempty"`
	ImageDigest   string           `json:"imageDigest"`
	ImagePushedAt awsapi.Timestamp `json:"imagePushedAt"`
	Action        struct {
		Type string `json:"type"`
	} `json:"action"`
	AppliedRulePriority int `json:"appliedRulePriority"`
}

type StartLifecyclePolicyPreviewInput struct {
	RegistryId          string
	RepositoryName      string
	LifecyclePolicyText string
}

type StartLifecyclePolicyPreviewOutput struct {
	RegistryId          string `json:"registryId"`
	RepositoryName      string `json:"repositoryName"`
	LifecyclePolicyText string `json:"lifecyclePolicyText"`
	Status              string `json:"status"`
}

// StartLifecyclePolicyPreview evaluates a policy (the one given, else the
// repository's) against the repository's images without expiring any.
func (c *Control) StartLifecyclePolicyPreview(ctx context.Context, in *StartLifecyclePolicyPreviewInput) (*StartLifecyclePolicyPreviewOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	text := in.LifecyclePolicyText
	if text == "" {
		if text = r.LifecyclePolicyText; text == "" {
			return nil, c.lifecycleNotFound(in.RepositoryName)
		}
	}
	if _, err := parsePolicy(text); err != nil {
		return nil, err
	}
	_, err = c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		p, _ := parsePolicy(text)
		expired, _ := p.evaluate(r.Images, time.Now())
		pv := &lifecyclePreview{PolicyText: text, Results: []LifecyclePolicyPreviewResult{}}
		for _, e := range expired {
			img := r.image(e.Digest)
			res := LifecyclePolicyPreviewResult{ImageTags: slices.Clone(img.Tags), ImageDigest: img.Digest, ImagePushedAt: img.PushedAt, AppliedRulePriority: e.RulePriority}
			res.Action.Type = "EXPIRE"
			pv.Results = append(pv.Results, res)
		}
		r.Preview = pv
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &StartLifecyclePolicyPreviewOutput{RegistryId: c.cfg.AccountID, RepositoryName: in.RepositoryName, LifecyclePolicyText: text, Status: "IN_PROGRESS"}, nil
}

type GetLifecyclePolicyPreviewInput struct {
	RegistryId     string
	RepositoryName string
	ImageIds       []ImageIdentifier
	Filter         *DescribeImagesFilter
	NextToken      string
	MaxResults     *int
}

type GetLifecyclePolicyPreviewOutput struct {
	RegistryId          string                         `json:"registryId"`
	RepositoryName      string                         `json:"repositoryName"`
	LifecyclePolicyText string                         `json:"lifecyclePolicyText"`
	Status              string                         `json:"status"`
	NextToken           *string                        `json:"nextToken,omitempty"`
	PreviewResults      []LifecyclePolicyPreviewResult `json:"previewResults"`
	Summary             struct {
		ExpiringImageTotalCount int `json:"expiringImageTotalCount"`
	} `json:"summary"`
}

func (c *Control) GetLifecyclePolicyPreview(ctx context.Context, in *GetLifecyclePolicyPreviewInput) (*GetLifecyclePolicyPreviewOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if r.Preview == nil {
		return nil, ErrLifecyclePreviewNotFound.Newf("There is no preview for the repository with name '%s' in the registry with id '%s'", in.RepositoryName, c.cfg.AccountID)
	}
	if err := in.Filter.check(); err != nil {
		return nil, err
	}
	var results []LifecyclePolicyPreviewResult
	for _, res := range r.Preview.Results {
		img := imageRecord{Digest: res.ImageDigest, Tags: res.ImageTags}
		if in.Filter.keeps(&img) && (len(in.ImageIds) == 0 || slices.ContainsFunc(in.ImageIds, func(id ImageIdentifier) bool {
			return id.ImageDigest == res.ImageDigest || id.ImageDigest == "" && slices.Contains(res.ImageTags, id.ImageTag)
		})) {
			results = append(results, res)
		}
	}
	page, next, err := awsapi.PaginateByPosition(pager, results, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &GetLifecyclePolicyPreviewOutput{RegistryId: c.cfg.AccountID, RepositoryName: in.RepositoryName, LifecyclePolicyText: r.Preview.PolicyText,
		Status: "COMPLETE", NextToken: awsapi.StringPtr(next), PreviewResults: append([]LifecyclePolicyPreviewResult{}, page...)}
	out.Summary.ExpiringImageTotalCount = len(r.Preview.Results)
	return out, nil
}
