package apigw

import (
	"context"
	"errors"
	"math"

	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/store"
)

type CreateStageInput struct {
	ApiId                string                   `json:"-"`
	AccessLogSettings    *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	AutoDeploy           *bool                    `json:"autoDeploy,omitempty"`
	ClientCertificateId  *string                  `json:"clientCertificateId,omitempty"`
	DefaultRouteSettings *RouteSettings           `json:"defaultRouteSettings,omitempty"`
	DeploymentId         *string                  `json:"deploymentId,omitempty"`
	Description          *string                  `json:"description,omitempty"`
	RouteSettings        map[string]RouteSettings `json:"routeSettings,omitempty"`
	StageName            *string                  `json:"stageName,omitempty"`
	StageVariables       map[string]string        `json:"stageVariables,omitempty"`
	Tags                 map[string]string        `json:"tags,omitempty"`
}

type UpdateStageInput struct {
	ApiId                string                   `json:"-"`
	StageName            string                   `json:"-"`
	AccessLogSettings    *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	AutoDeploy           *bool                    `json:"autoDeploy,omitempty"`
	ClientCertificateId  *string                  `json:"clientCertificateId,omitempty"`
	DefaultRouteSettings *RouteSettings           `json:"defaultRouteSettings,omitempty"`
	DeploymentId         *string                  `json:"deploymentId,omitempty"`
	Description          *string                  `json:"description,omitempty"`
	RouteSettings        map[string]RouteSettings `json:"routeSettings,omitempty"`
	StageVariables       map[string]string        `json:"stageVariables,omitempty"`
}

// StageRef names a stage.
type StageRef struct {
	ApiId     string `json:"-"`
	StageName string `json:"-"`
}

// RouteSettingsRef names a stage's settings for one route key.
type RouteSettingsRef struct {
	ApiId     string `json:"-"`
	StageName string `json:"-"`
	RouteKey  string `json:"-"`
}

func defaultRouteSettings() *RouteSettings {
	f := false
	return &RouteSettings{DetailedMetricsEnabled: &f}
}

// stageChange reads what a stage change needs under one snapshot: the API
// record (every stage change compares on it, which orders stage changes
// after the config changes they may deploy) and all its stages.
type stageChange struct {
	rec     *apiRecord
	apiKV   store.KV
	stages  []*Stage
	kvs     []store.KV
	current int // index of the stage being changed, or -1
}

func (s *Control) readStages(ctx context.Context, apiID, name string) (*stageChange, error) {
	rec, kv, err := s.getAPI(ctx, apiID)
	if err != nil {
		return nil, err
	}
	stages, kvs, err := listJSON[Stage](ctx, s.st, stagePrefix(apiID))
	if err != nil {
		return nil, err
	}
	c := &stageChange{rec: rec, apiKV: kv, stages: stages, kvs: kvs, current: -1}
	for i, st := range stages {
		if st.StageName == name {
			c.current = i
		}
	}
	return c, nil
}

// checkDeployment makes sure a stage can point at deployment id.
func (s *Control) checkDeployment(ctx context.Context, apiID, id string) error {
	d, _, err := store.GetJSON[deploymentRecord](ctx, s.st, deployKey(apiID, id))
	if errors.Is(err, store.ErrNotFound) {
		return s.notFound("Deployment", id)
	}
	if err != nil {
		return err
	}
	if !d.HasConfig {
		return badRequest("Deployment %s was created automatically and has been superseded; Portolan keeps only the configuration of deployments in use. Create a deployment instead", id)
	}
	return nil
}

func validateRouteSettings(def *RouteSettings, m map[string]RouteSettings) error {
	if err := validateThrottling(def); err != nil {
		return err
	}
	for key, rs := range m {
		if _, err := router.ParseRouteKey(key); err != nil {
			return badRequest("Invalid route key %q in routeSettings", key)
		}
		if err := validateThrottling(&rs); err != nil {
			return err
		}
	}
	return nil
}

// validateThrottling refuses negative limits (0 is allowed: it blocks the
// route).
func validateThrottling(rs *RouteSettings) error {
	if rs == nil {
		return nil
	}
	if r := rs.ThrottlingRateLimit; r != nil && (*r < 0 || math.IsNaN(*r)) {
		return badRequest("throttlingRateLimit must be a number of requests per second, 0 or more")
	}
	if b := rs.ThrottlingBurstLimit; b != nil && *b < 0 {
		return badRequest("throttlingBurstLimit must be 0 or more")
	}
	return nil
}

// CreateStage creates a stage. With autoDeploy the API's current routes and
// integrations are deployed to it at once.
func (s *Control) CreateStage(ctx context.Context, in *CreateStageInput) (*Stage, error) {
	name := strOr(in.StageName, "")
	if name == "" {
		return nil, badRequest("StageName is required")
	}
	if !validStageName(name) {
		return nil, badRequest("Stage name %q is invalid: use $default, or up to 128 letters, digits, hyphens and underscores", name)
	}
	auto := in.AutoDeploy != nil && *in.AutoDeploy
	if auto && in.DeploymentId != nil && *in.DeploymentId != "" {
		return nil, badRequest("A deploymentId cannot be set on a stage with autoDeploy enabled")
	}
	if err := validateAccessLog(in.AccessLogSettings); err != nil {
		return nil, err
	}
	if err := validateStageVariables(in.StageVariables); err != nil {
		return nil, err
	}
	if err := validateRouteSettings(in.DefaultRouteSettings, in.RouteSettings); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out Stage
	err := s.commit(ctx, func() (store.Txn, error) {
		c, err := s.readStages(ctx, in.ApiId, name)
		if err != nil {
			return store.Txn{}, err
		}
		if c.current >= 0 {
			return store.Txn{}, conflict("Stage %s already exists", name)
		}
		t := now()
		st := &Stage{
			AccessLogSettings:    emptyAccessLog(in.AccessLogSettings),
			AutoDeploy:           auto,
			ClientCertificateId:  strOr(in.ClientCertificateId, ""),
			CreatedDate:          t,
			DefaultRouteSettings: in.DefaultRouteSettings,
			DeploymentId:         strOr(in.DeploymentId, ""),
			Description:          strOr(in.Description, ""),
			LastUpdatedDate:      t,
			RouteSettings:        in.RouteSettings,
			StageName:            name,
			StageVariables:       in.StageVariables,
			Tags:                 in.Tags,
		}
		if st.DefaultRouteSettings == nil {
			st.DefaultRouteSettings = defaultRouteSettings()
		}
		if st.DeploymentId != "" {
			if err := s.checkDeployment(ctx, in.ApiId, st.DeploymentId); err != nil {
				return store.Txn{}, err
			}
		}
		txn := store.Txn{
			If:   []store.Cmp{store.Unchanged(c.apiKV), store.Absent(stageKey(in.ApiId, name))},
			Then: []store.Op{store.Put(stageKey(in.ApiId, name), store.JSON(st))},
		}
		if auto {
			ops, err := s.autoDeploy(ctx, c.rec, append(c.stages, st), []*Stage{st})
			if err != nil {
				return store.Txn{}, err
			}
			// autoDeploy wrote the stage again with its deployment.
			txn.Then = ops
		}
		out = *st
		return txn, nil
	})
	return &out, err
}

func emptyAccessLog(a *AccessLogSettings) *AccessLogSettings {
	if a == nil || (a.DestinationArn == "" && a.Format == "") {
		return nil
	}
	return a
}

// GetStage returns a stage.
func (s *Control) GetStage(ctx context.Context, in *StageRef) (*Stage, error) {
	if _, _, err := s.getAPI(ctx, in.ApiId); err != nil {
		return nil, err
	}
	st, _, err := store.GetJSON[Stage](ctx, s.st, stageKey(in.ApiId, in.StageName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound("Stage", in.StageName)
	}
	return st, err
}

// GetStagesInput lists an API's stages.
type GetStagesInput struct {
	ApiId string `json:"-"`
	PageInput
}

// GetStages lists an API's stages in name order.
func (s *Control) GetStages(ctx context.Context, in *GetStagesInput) (*Page[*Stage], error) {
	if _, _, err := s.getAPI(ctx, in.ApiId); err != nil {
		return nil, err
	}
	stages, _, err := listJSON[Stage](ctx, s.st, stagePrefix(in.ApiId))
	if err != nil {
		return nil, err
	}
	items, next, err := page(stages, func(st *Stage) string { return st.StageName }, in.PageInput)
	if err != nil {
		return nil, err
	}
	return &Page[*Stage]{Items: items, NextToken: next}, nil
}

// UpdateStage changes a stage. stageVariables and routeSettings merge into
// the stage's (a variable set to "" is removed); turning autoDeploy on
// deploys the current config at once; deploymentId points a stage without
// autoDeploy at an existing deployment.
func (s *Control) UpdateStage(ctx context.Context, in *UpdateStageInput) (*Stage, error) {
	if err := validateAccessLog(in.AccessLogSettings); err != nil {
		return nil, err
	}
	if err := validateStageVariables(in.StageVariables); err != nil {
		return nil, err
	}
	if err := validateRouteSettings(in.DefaultRouteSettings, in.RouteSettings); err != nil {
		return nil, err
	}
	var out Stage
	err := s.stageUpdate(ctx, in.ApiId, in.StageName, func(c *stageChange, st *Stage) ([]store.Op, error) {
		wasAuto := st.AutoDeploy
		if in.AccessLogSettings != nil {
			st.AccessLogSettings = emptyAccessLog(in.AccessLogSettings)
		}
		if in.AutoDeploy != nil {
			st.AutoDeploy = *in.AutoDeploy
		}
		if in.ClientCertificateId != nil {
			st.ClientCertificateId = *in.ClientCertificateId
		}
		if in.DefaultRouteSettings != nil {
			st.DefaultRouteSettings = in.DefaultRouteSettings
		}
		if in.Description != nil {
			st.Description = *in.Description
		}
		if in.StageVariables != nil {
			merged := make(map[string]string, len(st.StageVariables)+len(in.StageVariables))
			for k, v := range st.StageVariables {
				merged[k] = v
			}
			for k, v := range in.StageVariables {
				if v == "" {
					delete(merged, k)
				} else {
					merged[k] = v
				}
			}
			st.StageVariables = nilIfEmpty(merged)
		}
		if in.RouteSettings != nil {
			if st.RouteSettings == nil {
				st.RouteSettings = map[string]RouteSettings{}
			}
			for k, v := range in.RouteSettings {
				st.RouteSettings[k] = v
			}
		}
		var ops []store.Op
		old := st.DeploymentId
		if in.DeploymentId != nil && *in.DeploymentId != st.DeploymentId {
			if st.AutoDeploy {
				return nil, badRequest("A deploymentId cannot be set on a stage with autoDeploy enabled")
			}
			if err := s.checkDeployment(ctx, in.ApiId, *in.DeploymentId); err != nil {
				return nil, err
			}
			st.DeploymentId = *in.DeploymentId
			p, err := s.pruneAutoDeployments(ctx, in.ApiId, []string{old}, c.stages)
			if err != nil {
				return nil, err
			}
			ops = append(ops, p...)
		}
		if st.AutoDeploy && !wasAuto {
			d, err := s.autoDeploy(ctx, c.rec, c.stages, []*Stage{st})
			if err != nil {
				return nil, err
			}
			ops = append(ops, d...)
		}
		out = *st
		return ops, nil
	})
	return &out, err
}

// stageUpdate reads a stage with everything a change needs, lets edit
// change it in place, and writes it back with any ops edit returns (which
// may rewrite the stage themselves; the later write wins in a txn only if
// it comes later, so the stage is written first).
func (s *Control) stageUpdate(ctx context.Context, apiID, name string, edit func(c *stageChange, st *Stage) ([]store.Op, error)) error {
	return s.commit(ctx, func() (store.Txn, error) {
		c, err := s.readStages(ctx, apiID, name)
		if err != nil {
			return store.Txn{}, err
		}
		if c.current < 0 {
			return store.Txn{}, s.notFound("Stage", name)
		}
		st := c.stages[c.current]
		ops, err := edit(c, st)
		if err != nil {
			return store.Txn{}, err
		}
		st.LastUpdatedDate = now()
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(c.apiKV), store.Unchanged(c.kvs[c.current])},
			Then: append([]store.Op{store.Put(stageKey(apiID, name), store.JSON(st))}, ops...),
		}, nil
	})
}

// DeleteStage deletes a stage.
func (s *Control) DeleteStage(ctx context.Context, in *StageRef) error {
	return s.commit(ctx, func() (store.Txn, error) {
		c, err := s.readStages(ctx, in.ApiId, in.StageName)
		if err != nil {
			return store.Txn{}, err
		}
		if c.current < 0 {
			return store.Txn{}, s.notFound("Stage", in.StageName)
		}
		st := c.stages[c.current]
		rest := append(append([]*Stage(nil), c.stages[:c.current]...), c.stages[c.current+1:]...)
		ops, err := s.pruneAutoDeployments(ctx, in.ApiId, []string{st.DeploymentId}, rest)
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{
			If:   []store.Cmp{store.Unchanged(c.apiKV), store.Unchanged(c.kvs[c.current])},
			Then: append([]store.Op{store.Delete(stageKey(in.ApiId, in.StageName))}, ops...),
		}, nil
	})
}

// DeleteAccessLogSettings turns a stage's access logging off.
func (s *Control) DeleteAccessLogSettings(ctx context.Context, in *StageRef) error {
	return s.stageUpdate(ctx, in.ApiId, in.StageName, func(_ *stageChange, st *Stage) ([]store.Op, error) {
		st.AccessLogSettings = nil
		return nil, nil
	})
}

// DeleteRouteSettings removes a stage's settings for one route key.
func (s *Control) DeleteRouteSettings(ctx context.Context, in *RouteSettingsRef) error {
	return s.stageUpdate(ctx, in.ApiId, in.StageName, func(_ *stageChange, st *Stage) ([]store.Op, error) {
		if _, ok := st.RouteSettings[in.RouteKey]; !ok {
			return nil, s.notFound("RouteSettings", in.RouteKey)
		}
		delete(st.RouteSettings, in.RouteKey)
		if len(st.RouteSettings) == 0 {
			st.RouteSettings = nil
		}
		return nil, nil
	})
}
