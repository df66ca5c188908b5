package apigw

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateDeploymentInput struct {
	ApiId       string  `json:"-"`
	Description *string `json:"description,omitempty"`
	StageName   *string `json:"stageName,omitempty"`
}

type UpdateDeploymentInput struct {
	ApiId        string  `json:"-"`
	DeploymentId string  `json:"-"`
	Description  *string `json:"description,omitempty"`
}

// DeploymentRef names a deployment.
type DeploymentRef struct {
	ApiId        string `json:"-"`
	DeploymentId string `json:"-"`
}

// CreateDeployment snapshots the API's routes, integrations and authorizers.
// With stageName, the stage (which must not auto-deploy) starts serving it
// in the same transaction; otherwise a stage serves it once UpdateStage
// points the stage's deploymentId at it.
func (s *Control) CreateDeployment(ctx context.Context, in *CreateDeploymentInput) (*Deployment, error) {
	var out Deployment
	err := s.commit(ctx, func() (store.Txn, error) {
		name := strOr(in.StageName, "")
		c, err := s.readStages(ctx, in.ApiId, name)
		if err != nil {
			return store.Txn{}, err
		}
		d := newDeployment(false, strOr(in.Description, ""))
		txn := store.Txn{
			If: []store.Cmp{store.Unchanged(c.apiKV)},
			Then: []store.Op{
				store.Put(deployKey(in.ApiId, d.DeploymentId), store.JSON(deploymentRecord{Deployment: *d, HasConfig: true})),
				store.Put(deployCfgKey(in.ApiId, d.DeploymentId), store.JSON(c.rec.config())),
			},
		}
		if name != "" {
			if c.current < 0 {
				return store.Txn{}, s.notFound("Stage", name)
			}
			st := c.stages[c.current]
			if st.AutoDeploy {
				return store.Txn{}, badRequest("Stage %s has autoDeploy enabled: it is deployed automatically, and a deployment cannot target it", name)
			}
			old := st.DeploymentId
			st.DeploymentId = d.DeploymentId
			st.LastUpdatedDate = now()
			st.LastDeploymentStatusMessage = "Successfully deployed stage with deployment ID '" + d.DeploymentId + "'"
			prune, err := s.pruneAutoDeployments(ctx, in.ApiId, []string{old}, c.stages)
			if err != nil {
				return store.Txn{}, err
			}
			txn.If = append(txn.If, store.Unchanged(c.kvs[c.current]))
			txn.Then = append(txn.Then, store.Put(stageKey(in.ApiId, name), store.JSON(st)))
			txn.Then = append(txn.Then, prune...)
		}
		out = *d
		return txn, nil
	})
	return &out, err
}

func (s *Control) getDeployment(ctx context.Context, apiID, id string) (*deploymentRecord, store.KV, error) {
	if _, _, err := s.getAPI(ctx, apiID); err != nil {
		return nil, store.KV{}, err
	}
	d, kv, err := store.GetJSON[deploymentRecord](ctx, s.st, deployKey(apiID, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, s.notFound("Deployment", id)
	}
	return d, kv, err
}

// GetDeployment returns a deployment.
func (s *Control) GetDeployment(ctx context.Context, in *DeploymentRef) (*Deployment, error) {
	d, _, err := s.getDeployment(ctx, in.ApiId, in.DeploymentId)
	if err != nil {
		return nil, err
	}
	return &d.Deployment, nil
}

// GetDeploymentsInput lists an API's deployments.
type GetDeploymentsInput struct {
	ApiId string `json:"-"`
	PageInput
}

// GetDeployments lists an API's deployments in id order.
func (s *Control) GetDeployments(ctx context.Context, in *GetDeploymentsInput) (*Page[*Deployment], error) {
	if _, _, err := s.getAPI(ctx, in.ApiId); err != nil {
		return nil, err
	}
	recs, _, err := listJSON[deploymentRecord](ctx, s.st, deployPrefix(in.ApiId))
	if err != nil {
		return nil, err
	}
	items, next, err := page(recs, func(d *deploymentRecord) string { return d.DeploymentId }, in.PageInput)
	if err != nil {
		return nil, err
	}
	out := &Page[*Deployment]{Items: make([]*Deployment, 0, len(items)), NextToken: next}
	for _, d := range items {
		out.Items = append(out.Items, &d.Deployment)
	}
	return out, nil
}

// UpdateDeployment changes a deployment's description, the only mutable member.
func (s *Control) UpdateDeployment(ctx context.Context, in *UpdateDeploymentInput) (*Deployment, error) {
	var out Deployment
	err := s.commit(ctx, func() (store.Txn, error) {
		d, kv, err := s.getDeployment(ctx, in.ApiId, in.DeploymentId)
		if err != nil {
			return store.Txn{}, err
		}
		if in.Description != nil {
			d.Description = *in.Description
		}
		out = d.Deployment
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}}, nil
	})
	return &out, err
}

// DeleteDeployment deletes a deployment no stage uses.
func (s *Control) DeleteDeployment(ctx context.Context, in *DeploymentRef) error {
	return s.commit(ctx, func() (store.Txn, error) {
		_, kv, err := s.getDeployment(ctx, in.ApiId, in.DeploymentId)
		if err != nil {
			return store.Txn{}, err
		}
		c, err := s.readStages(ctx, in.ApiId, "")
		if err != nil {
			return store.Txn{}, err
		}
		for _, st := range c.stages {
			if st.DeploymentId == in.DeploymentId {
				return store.Txn{}, badRequest("Active stages pointing to this deployment must be moved or deleted: stage %s uses deployment %s", st.StageName, in.DeploymentId)
			}
		}
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(c.apiKV), store.Unchanged(kv)},
			Then: []store.Op{store.Delete(kv.Key), store.Delete(deployCfgKey(in.ApiId, in.DeploymentId))},
		}, nil
	})
}

// deploymentRecord is a deployment's metadata; HasConfig says whether its
// config is still kept (see pruneAutoDeployments).
type deploymentRecord struct {
	Deployment
	HasConfig bool
}

// autoDeploy returns the ops that deploy rec's config to the auto-deploying
// stages (one deployment shared by all of them) and prune what that
// supersedes. all is every stage of the API, auto the ones to move; the
// stages in auto are updated in place.
func (s *Control) autoDeploy(ctx context.Context, rec *apiRecord, all, auto []*Stage) ([]store.Op, error) {
	d := newDeployment(true, "")
	ops := []store.Op{
		store.Put(deployKey(rec.ApiId, d.DeploymentId), store.JSON(deploymentRecord{Deployment: *d, HasConfig: true})),
		store.Put(deployCfgKey(rec.ApiId, d.DeploymentId), store.JSON(rec.config())),
	}
	var old []string
	t := now()
	for _, st := range auto {
		if st.DeploymentId != "" {
			old = append(old, st.DeploymentId)
		}
		st.DeploymentId = d.DeploymentId
		st.LastUpdatedDate = t
		st.LastDeploymentStatusMessage = "Successfully deployed stage with deployment ID '" + d.DeploymentId + "'"
		ops = append(ops, store.Put(stageKey(rec.ApiId, st.StageName), store.JSON(st)))
	}
	prune, err := s.pruneAutoDeployments(ctx, rec.ApiId, old, all)
	return append(ops, prune...), err
}

// pruneAutoDeployments drops the config of automatic deployments that no
// stage uses any more. AWS keeps every deployment; keeping every automatic
// one's config would grow the store with the square of the number of
// changes (each snapshot holds the whole API), so only their metadata
// stays listed (docs/compat.md). stages is every stage after the change.
func (s *Control) pruneAutoDeployments(ctx context.Context, apiID string, candidates []string, stages []*Stage) ([]store.Op, error) {
	var ops []store.Op
	seen := map[string]bool{}
next:
	for _, id := range candidates {
		if seen[id] {
			continue
		}
		seen[id] = true
		for _, st := range stages {
			if st.DeploymentId == id {
				continue next
			}
		}
		d, _, err := store.GetJSON[deploymentRecord](ctx, s.st, deployKey(apiID, id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !d.AutoDeployed || !d.HasConfig {
			continue
		}
		d.HasConfig = false
		ops = append(ops, store.Put(deployKey(apiID, id), store.JSON(d)), store.Delete(deployCfgKey(apiID, id)))
	}
	return ops, nil
}

func newDeployment(auto bool, description string) *Deployment {
	return &Deployment{
		AutoDeployed:     auto,
		CreatedDate:      now(),
		DeploymentId:     awsapi.RandomID(6),
		DeploymentStatus: DeploymentDeployed,
		Description:      description,
	}
}
