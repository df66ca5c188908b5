package stack

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/ecr"
)

// AWS::ECR::Repository, created through ECR's own operations. Its Ref is
// the repository name; GetAtt Arn and RepositoryUri (which names
// Portolan's registry). EmptyOnDelete lets the stack delete a repository
// that still holds images, as CloudFormation does.

type ecrRepositoryProps struct {
	RepositoryName             string
	ImageTagMutability         string
	ImageScanningConfiguration *ecr.ImageScanningConfiguration
	EncryptionConfiguration    *ecr.EncryptionConfiguration
	LifecyclePolicy            *struct{ LifecyclePolicyText string }
	EmptyOnDelete              bool
	Tags                       []ecr.Tag
}

func (p ecrRepositoryProps) policy() string {
	if p.LifecyclePolicy == nil {
		return ""
	}
	return p.LifecyclePolicy.LifecyclePolicyText
}

type ecrRepository struct{ c *ecr.Control }

func (h ecrRepository) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p ecrRepositoryProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	name := p.RepositoryName
	if name == "" {
		// Generated names are lower case: repository names must be.
		name = strings.ToLower(generatedName(r, 256))
	}
	out, err := h.c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: name, ImageTagMutability: p.ImageTagMutability,
		ImageScanningConfiguration: p.ImageScanningConfiguration, EncryptionConfiguration: p.EncryptionConfiguration, Tags: p.Tags})
	if err != nil {
		return "", nil, err
	}
	attrs := map[string]any{"Arn": out.Repository.RepositoryArn, "RepositoryUri": out.Repository.RepositoryUri}
	return created(r, name, attrs, func() error { return h.setPolicy(ctx, name, p.policy(), "") })
}

func (h ecrRepository) setPolicy(ctx context.Context, name, policy, was string) error {
	switch {
	case policy == was:
		return nil
	case policy == "":
		_, err := h.c.DeleteLifecyclePolicy(ctx, &ecr.LifecyclePolicyInput{RepositoryName: name})
		return ignoreNotFound(err)
	}
	_, err := h.c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: name, LifecyclePolicyText: policy})
	return err
}

func (h ecrRepository) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was ecrRepositoryProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	name := r.PhysicalID
	mutability := p.ImageTagMutability
	if mutability == "" {
		mutability = ecr.Mutable
	}
	if _, err := h.c.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: name, ImageTagMutability: mutability}); err != nil {
		return nil, err
	}
	scan := p.ImageScanningConfiguration
	if scan == nil {
		scan = &ecr.ImageScanningConfiguration{}
	}
	if _, err := h.c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: name, ImageScanningConfiguration: scan}); err != nil {
		return nil, err
	}
	if err := h.setPolicy(ctx, name, p.policy(), was.policy()); err != nil {
		return nil, err
	}
	return r.Attrs, h.retag(ctx, r.Attrs, p.Tags, was.Tags)
}

func (h ecrRepository) retag(ctx context.Context, attrs map[string]any, tags, was []ecr.Tag) error {
	arn, _ := attrs["Arn"].(string)
	var gone []string
	for _, t := range was {
		if !slices.ContainsFunc(tags, func(n ecr.Tag) bool { return n.Key == t.Key }) {
			gone = append(gone, t.Key)
		}
	}
	if len(gone) > 0 {
		if _, err := h.c.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: arn, TagKeys: gone}); err != nil {
			return err
		}
	}
	if len(tags) == 0 {
		return nil
	}
	_, err := h.c.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: arn, Tags: tags})
	return err
}

func (h ecrRepository) Delete(ctx context.Context, r *Resource) error {
	var p ecrRepositoryProps
	decodeProps(r.Props, &p)
	_, err := h.c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: r.PhysicalID, Force: p.EmptyOnDelete})
	if errors.Is(err, ecr.ErrRepositoryNotFound) {
		return nil
	}
	return err
}
