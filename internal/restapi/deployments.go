package restapi

import (
	"context"
	"errors"
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateDeploymentInput struct {
	RestApiId           string            `json:"-"`
	CacheClusterEnabled *bool             `json:"cacheClusterEnabled,omitempty"`
	CacheClusterSize    *string           `json:"cacheClusterSize,omitempty"`
	CanarySettings      map[string]any    `json:"canarySettings,omitempty"`
	Description         *string           `json:"description,omitempty"`
	StageDescription    *string           `json:"stageDescription,omitempty"`
	StageName           *string           `json:"stageName,omitempty"`
	TracingEnabled      *bool             `json:"tracingEnabled,omitempty"`
	Variables           map[string]string `json:"variables,omitempty"`
}

// DeploymentRef names a deployment; Embed ("apisummary") asks for the
// summary of its methods.
type DeploymentRef struct {
	RestApiId    string   `json:"-"`
	DeploymentId string   `json:"-"`
	Embed        []string `json:"-"`
}

type GetDeploymentsInput struct {
	RestApiId string `json:"-"`
	PageInput
}

type UpdateDeploymentInput struct {
	RestApiId    string `json:"-"`
	DeploymentId string `json:"-"`
	PatchInput
}

func deploymentNotFound() error { return notFound("Invalid Deployment identifier specified") }

// freeze is what a deployment of the API serves: its resource tree, every
// method with an integration, and its resource policy.
func freeze(rec *apiRecord) (*DeploymentConfig, error) {
	cfg := &DeploymentConfig{Resources: sortedResources(rec), Policy: rec.Policy}
	methods := 0
	for _, r := range cfg.Resources {
		for _, verb := range sortedKeys(r.ResourceMethods) {
			if r.ResourceMethods[verb].MethodIntegration == nil {
				return nil, badRequest("No integration defined for method")
			}
			methods++
		}
	}
	if methods == 0 {
		return nil, badRequest("The REST API doesn't contain any methods")
	}
	return cfg, nil
}

// CreateDeployment freezes the API's current configuration. With stageName
// it also points that stage at the deployment, creating the stage (with
// stageDescription, variables, tracingEnabled) when it does not exist.
func (c *Control) CreateDeployment(ctx context.Context, in *CreateDeploymentInput) (*Deployment, error) {
	if in.CanarySettings != nil {
		return nil, badRequest("Canary deployments are not supported by Portolan")
	}
	stageName := strOr(in.StageName, "")
	if stageName != "" {
		if err := validateStageName(stageName); err != nil {
			return nil, err
		}
	}
	if err := validateVariables(in.Variables); err != nil {
		return nil, err
	}
	var out *Deployment
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.getAPI(ctx, in.RestApiId)
		if err != nil {
			return store.Txn{}, err
		}
		cfg, err := freeze(rec)
		if err != nil {
			return store.Txn{}, err
		}
		d := &Deployment{Id: awsapi.RandomID(6), CreatedDate: now(), Description: strOr(in.Description, "")}
		txn := store.Txn{
			If: []store.Cmp{store.Unchanged(kv), store.Absent(deployKey(rec.Id, d.Id))},
			Then: []store.Op{
				store.Put(deployKey(rec.Id, d.Id), store.JSON(d)),
				store.Put(deployCfgKey(rec.Id, d.Id), store.JSON(cfg)),
			},
		}
		if stageName != "" {
			st, cmp, err := c.deployStage(ctx, rec.Id, stageName, d.Id, in)
			if err != nil {
				return store.Txn{}, err
			}
			txn.If = append(txn.If, cmp)
			txn.Then = append(txn.Then, store.Put(stageKey(rec.Id, stageName), store.JSON(st)))
		}
		out = d
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deployStage is the stage CreateDeployment's stageName names, pointed at
// the new deployment, and the precondition that keeps it so.
func (c *Control) deployStage(ctx context.Context, apiID, name, deploymentID string, in *CreateDeploymentInput) (*Stage, store.Cmp, error) {
	st, kv, err := store.GetJSON[Stage](ctx, c.st, stageKey(apiID, name))
	if errors.Is(err, store.ErrNotFound) {
		t := now()
		st = &Stage{
			StageName:           name,
			CreatedDate:         t,
			LastUpdatedDate:     t,
			Description:         strOr(in.StageDescription, ""),
			Variables:           in.Variables,
			TracingEnabled:      in.TracingEnabled != nil && *in.TracingEnabled,
			CacheClusterEnabled: in.CacheClusterEnabled != nil && *in.CacheClusterEnabled,
			CacheClusterSize:    strOr(in.CacheClusterSize, ""),
		}
		st.DeploymentId = deploymentID
		return st, store.Absent(stageKey(apiID, name)), nil
	}
	if err != nil {
		return nil, store.Cmp{}, err
	}
	// An existing stage moves to the deployment; the variables given are
	// merged into its own.
	st.DeploymentId = deploymentID
	st.LastUpdatedDate = now()
	for k, v := range in.Variables {
		if st.Variables == nil {
			st.Variables = map[string]string{}
		}
		st.Variables[k] = v
	}
	return st, store.Unchanged(kv), nil
}

func (c *Control) getDeployment(ctx context.Context, apiID, id string) (*Deployment, store.KV, error) {
	if _, _, err := c.getAPI(ctx, apiID); err != nil {
		return nil, store.KV{}, err
	}
	d, kv, err := store.GetJSON[Deployment](ctx, c.st, deployKey(apiID, id))
	if errors.Is(err, store.ErrNotFound) || id == "" {
		return nil, kv, deploymentNotFound()
	}
	return d, kv, err
}

// GetDeployment returns a deployment; with embed=apisummary, the methods it
// serves and how each is authorized.
func (c *Control) GetDeployment(ctx context.Context, in *DeploymentRef) (*Deployment, error) {
	d, _, err := c.getDeployment(ctx, in.RestApiId, in.DeploymentId)
	if err != nil || !slices.Contains(in.Embed, "apisummary") {
		return d, err
	}
	cfg, _, err := store.GetJSON[DeploymentConfig](ctx, c.st, deployCfgKey(in.RestApiId, in.DeploymentId))
	if err != nil {
		return nil, err
	}
	d.ApiSummary = map[string]map[string]MethodSnapshot{}
	for _, r := range cfg.Resources {
		for verb, m := range r.ResourceMethods {
			if d.ApiSummary[r.Path] == nil {
				d.ApiSummary[r.Path] = map[string]MethodSnapshot{}
			}
			d.ApiSummary[r.Path][verb] = MethodSnapshot{ApiKeyRequired: m.ApiKeyRequired, AuthorizationType: m.AuthorizationType}
		}
	}
	return d, nil
}

// GetDeployments lists an API's deployments in id order.
func (c *Control) GetDeployments(ctx context.Context, in *GetDeploymentsInput) (*Page[*Deployment], error) {
	if _, _, err := c.getAPI(ctx, in.RestApiId); err != nil {
		return nil, err
	}
	ds, _, err := listJSON[Deployment](ctx, c.st, deployPrefix(in.RestApiId))
	if err != nil {
		return nil, err
	}
	return page(ds, func(d *Deployment) string { return d.Id }, in.PageInput)
}

var deploymentPatch = []patchRule[Deployment]{
	{"/description", "replace remove", setString(func(d *Deployment) *string { return &d.Description })},
}

// UpdateDeployment changes a deployment's description (its configuration
// is frozen).
func (c *Control) UpdateDeployment(ctx context.Context, in *UpdateDeploymentInput) (*Deployment, error) {
	var out *Deployment
	err := c.commit(ctx, func() (store.Txn, error) {
		d, kv, err := c.getDeployment(ctx, in.RestApiId, in.DeploymentId)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyPatch(d, in.PatchOperations, deploymentPatch); err != nil {
			return store.Txn{}, err
		}
		out = d
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(d))}}, nil
	})
	return out, err
}

// DeleteDeployment deletes a deployment no stage points at.
func (c *Control) DeleteDeployment(ctx context.Context, in *DeploymentRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.getDeployment(ctx, in.RestApiId, in.DeploymentId)
		if err != nil {
			return store.Txn{}, err
		}
		stages, stageKVs, err := listJSON[Stage](ctx, c.st, stagePrefix(in.RestApiId))
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}}
		for i, st := range stages {
			if st.DeploymentId == in.DeploymentId {
				return store.Txn{}, badRequest("Active stages pointing to this deployment must be moved or deleted")
			}
			txn.If = append(txn.If, store.Unchanged(stageKVs[i]))
		}
		// A stage pointed at this deployment meanwhile rewrote the
		// deployment's record (pinDeployment), failing the compare on kv.
		txn.Then = []store.Op{store.Delete(kv.Key), store.Delete(deployCfgKey(in.RestApiId, in.DeploymentId))}
		return txn, nil
	})
}

// pinDeployment is the part of a stage write that points the stage at a
// deployment: the deployment must exist, and its record is rewritten as it
// is so that a DeleteDeployment racing with the write fails its compare
// and, on its retry, sees the stage.
func (c *Control) pinDeployment(ctx context.Context, apiID, id string) ([]store.Cmp, []store.Op, error) {
	_, kv, err := c.getDeployment(ctx, apiID, id)
	if err != nil {
		return nil, nil, err
	}
	return []store.Cmp{store.Unchanged(kv)}, []store.Op{store.Put(kv.Key, kv.Value)}, nil
}
