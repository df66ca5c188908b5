package ecr

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type PutLifecyclePolicyInput struct {
	RegistryId          string
	RepositoryName      string
	LifecyclePolicyText string
}

type LifecyclePolicyOutput struct {
	RegistryId          string            `json:"registryId"`
	RepositoryName      string            `json:"repositoryName"`
	LifecyclePolicyText string            `json:"lifecyclePolicyText"`
	LastEvaluatedAt     *awsapi.Timestamp `json:"lastEvaluatedAt,omitempty"`
}

// PutLifecyclePolicy sets the repository's policy; Run applies it.
func (c *Control) PutLifecyclePolicy(ctx context.Context, in *PutLifecyclePolicyInput) (*LifecyclePolicyOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	if len(in.LifecyclePolicyText) < 100 || len(in.LifecyclePolicyText) > 30720 {
		return nil, constraint("lifecyclePolicyText", "Member must have length less than or equal to 30720 and greater than or equal to 100")
	}
	if _, err := parsePolicy(in.LifecyclePolicyText); err != nil {
		return nil, err
	}
	_, err := c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		r.LifecyclePolicyText = in.LifecyclePolicyText
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &LifecyclePolicyOutput{RegistryId: c.cfg.AccountID, RepositoryName: in.RepositoryName, LifecyclePolicyText: in.LifecyclePolicyText}, nil
}

type LifecyclePolicyInput struct {
	RegistryId     string
	RepositoryName string
}

func (c *Control) lifecycleNotFound(name string) error {
	return ErrLifecyclePolicyNotFound.Newf("Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", name, c.cfg.AccountID)
}

func (c *Control) GetLifecyclePolicy(ctx context.Context, in *LifecyclePolicyInput) (*LifecyclePolicyOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if r.LifecyclePolicyText == "" {
		return nil, c.lifecycleNotFound(in.RepositoryName)
	}
	return &LifecyclePolicyOutput{RegistryId: c.cfg.AccountID, RepositoryName: r.RepositoryName, LifecyclePolicyText: r.LifecyclePolicyText, LastEvaluatedAt: r.LifecycleEvaluatedAt}, nil
}

func (c *Control) DeleteLifecyclePolicy(ctx context.Context, in *LifecyclePolicyInput) (*LifecyclePolicyOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	var out *LifecyclePolicyOutput
	_, err := c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		if r.LifecyclePolicyText == "" {
			return c.lifecycleNotFound(in.RepositoryName)
		}
		out = &LifecyclePolicyOutput{RegistryId: c.cfg.AccountID, RepositoryName: r.RepositoryName, LifecyclePolicyText: r.LifecyclePolicyText, LastEvaluatedAt: r.LifecycleEvaluatedAt}
		r.LifecyclePolicyText, r.LifecycleEvaluatedAt = "", nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// enforceLifecycle applies every repository's policy after each change to
// the repositories, and when a sinceImagePushed rule next expires an image.
// Each pass reads the store itself (not the view, which may not have
// caught up, or not be running yet when the server starts).
func (c *Control) enforceLifecycle(ctx context.Context) error {
	return store.Follow(ctx, c.st, repoPrefix, time.Minute, c.log, func(ctx context.Context, _ store.Update) time.Time {
		kvs, _, err := c.st.List(ctx, repoPrefix)
		if err != nil {
			c.log.Warn("lifecycle policies not applied", "err", err)
			return time.Now().Add(time.Minute)
		}
		var wake time.Time
		for _, kv := range kvs {
			r := store.DecodeJSON[repoRecord](kv.Value)
			if r == nil || r.LifecyclePolicyText == "" {
				continue
			}
			next, err := c.applyLifecycle(ctx, r)
			if errors.Is(err, ErrRepositoryNotFound) {
				continue // deleted since the listing
			}
			if err != nil {
				c.log.Warn("lifecycle policy not applied", "repositoryName", r.RepositoryName, "err", err)
				next = time.Now().Add(time.Minute)
			}
			if !next.IsZero() && (wake.IsZero() || next.Before(wake)) {
				wake = next
			}
		}
		return wake
	})
}

// applyLifecycle expires what the repository's policy expires now, in one
// transaction, and says when it next may.
func (c *Control) applyLifecycle(ctx context.Context, r *repoRecord) (time.Time, error) {
	name := r.RepositoryName
	p, err := parsePolicy(r.LifecyclePolicyText)
	if err != nil {
		return time.Time{}, err
	}
	expired, next := p.evaluate(r.Images, time.Now())
	if len(expired) == 0 {
		return next, nil
	}
	_, err = c.update(ctx, name, func(r *repoRecord) error {
		p, err := parsePolicy(r.LifecyclePolicyText)
		if err != nil {
			return err
		}
		now := time.Now()
		expired, next = p.evaluate(r.Images, now)
		r.Images = slices.DeleteFunc(r.Images, func(img imageRecord) bool {
			return slices.ContainsFunc(expired, func(e expiry) bool { return e.Digest == img.Digest })
		})
		at := awsapi.Timestamp(now.Truncate(time.Millisecond))
		r.LifecycleEvaluatedAt = &at
		return nil
	})
	if err == nil {
		c.log.Info("lifecycle policy expired images", "repositoryName", name, "images", len(expired))
	}
	return next, err
}
