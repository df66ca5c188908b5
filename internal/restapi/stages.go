package restapi

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

type CreateStageInput struct {
	RestApiId            string            `json:"-"`
	CacheClusterEnabled  *bool             `json:"cacheClusterEnabled,omitempty"`
	CacheClusterSize     *string           `json:"cacheClusterSize,omitempty"`
	CanarySettings       map[string]any    `json:"canarySettings,omitempty"`
	DeploymentId         *string           `json:"deploymentId,omitempty"`
	Description          *string           `json:"description,omitempty"`
	DocumentationVersion *string           `json:"documentationVersion,omitempty"`
	StageName            *string           `json:"stageName,omitempty"`
	Tags                 map[string]string `json:"tags,omitempty"`
	TracingEnabled       *bool             `json:"tracingEnabled,omitempty"`
	Variables            map[string]string `json:"variables,omitempty"`
}

// StageRef names a stage.
type StageRef struct {
	RestApiId string `json:"-"`
	StageName string `json:"-"`
}

type GetStagesInput struct {
	RestApiId    string `json:"-"`
	DeploymentId string `json:"-"`
}

// GetStagesOutput is GetStages' answer: every stage, unpaged.
type GetStagesOutput struct {
	Item []*Stage `json:"item"`
}

type UpdateStageInput struct {
	StageRef
	PatchInput
}

var (
	stageNamePattern     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	variableNamePattern  = regexp.MustCompile(`^[a-zA-Z0-9_]{1,64}$`)
	variableValuePattern = regexp.MustCompile(`^[a-zA-Z0-9\-._~:/?#&=,]{1,512}$`)
)

func validateStageName(name string) error {
	if !stageNamePattern.MatchString(name) {
		return badRequest("Stage name only allows a-zA-Z0-9_- and must be 1 to 128 characters long")
	}
	return nil
}

func validateVariables(vars map[string]string) error {
	for k, v := range vars {
		if err := validateVariable(k, v); err != nil {
			return err
		}
	}
	return nil
}

func validateVariable(name, value string) error {
	if !variableNamePattern.MatchString(name) {
		return badRequest("Stage variable name %s must be alphanumeric or underscore, at most 64 characters", name)
	}
	if !variableValuePattern.MatchString(value) {
		return badRequest("Stage variable value %s for %s may only contain a-zA-Z0-9-._~:/?#&=, and must be 1 to 512 characters long", value, name)
	}
	return nil
}

func stageNotFound() error { return notFound("Invalid Stage identifier specified") }

// CreateStage creates a stage pointing at a deployment.
func (c *Control) CreateStage(ctx context.Context, in *CreateStageInput) (*Stage, error) {
	if in.CanarySettings != nil {
		return nil, badRequest("Canary deployments are not supported by Portolan")
	}
	name := strOr(in.StageName, "")
	if err := validateStageName(name); err != nil {
		return nil, err
	}
	if err := validateVariables(in.Variables); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	t := now()
	st := &Stage{
		StageName:            name,
		DeploymentId:         strOr(in.DeploymentId, ""),
		CreatedDate:          t,
		LastUpdatedDate:      t,
		Description:          strOr(in.Description, ""),
		DocumentationVersion: strOr(in.DocumentationVersion, ""),
		CacheClusterEnabled:  in.CacheClusterEnabled != nil && *in.CacheClusterEnabled,
		CacheClusterSize:     strOr(in.CacheClusterSize, ""),
		Tags:                 in.Tags,
		TracingEnabled:       in.TracingEnabled != nil && *in.TracingEnabled,
		Variables:            in.Variables,
	}
	err := c.commit(ctx, func() (store.Txn, error) {
		if st.DeploymentId == "" {
			return store.Txn{}, badRequest("Invalid Deployment identifier specified: a deploymentId is required")
		}
		cmps, ops, err := c.pinDeployment(ctx, in.RestApiId, st.DeploymentId)
		if err != nil {
			return store.Txn{}, err
		}
		key := stageKey(in.RestApiId, name)
		if _, err := c.st.Get(ctx, key); err == nil {
			return store.Txn{}, conflict("Stage already exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, err
		}
		return store.Txn{If: append(cmps, store.Absent(key)), Then: append(ops, store.Put(key, store.JSON(st)))}, nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (c *Control) getStage(ctx context.Context, apiID, name string) (*Stage, store.KV, error) {
	if _, _, err := c.getAPI(ctx, apiID); err != nil {
		return nil, store.KV{}, err
	}
	if name == "" {
		return nil, store.KV{}, stageNotFound()
	}
	st, kv, err := store.GetJSON[Stage](ctx, c.st, stageKey(apiID, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, stageNotFound()
	}
	return st, kv, err
}

// GetStage returns a stage.
func (c *Control) GetStage(ctx context.Context, in *StageRef) (*Stage, error) {
	st, _, err := c.getStage(ctx, in.RestApiId, in.StageName)
	return st, err
}

// GetStages lists an API's stages, those of one deployment when
// deploymentId is given.
func (c *Control) GetStages(ctx context.Context, in *GetStagesInput) (*GetStagesOutput, error) {
	if _, _, err := c.getAPI(ctx, in.RestApiId); err != nil {
		return nil, err
	}
	stages, _, err := listJSON[Stage](ctx, c.st, stagePrefix(in.RestApiId))
	if err != nil {
		return nil, err
	}
	out := &GetStagesOutput{Item: []*Stage{}}
	for _, st := range stages {
		if in.DeploymentId == "" || st.DeploymentId == in.DeploymentId {
			out.Item = append(out.Item, st)
		}
	}
	return out, nil
}

// UpdateStage applies a patch to a stage: its deployment, variables,
// method settings, access logging and the rest.
func (c *Control) UpdateStage(ctx context.Context, in *UpdateStageInput) (*Stage, error) {
	var out *Stage
	err := c.commit(ctx, func() (store.Txn, error) {
		st, kv, err := c.getStage(ctx, in.RestApiId, in.StageName)
		if err != nil {
			return store.Txn{}, err
		}
		before := st.DeploymentId
		if err := applyPatch(st, in.PatchOperations, stagePatch); err != nil {
			return store.Txn{}, err
		}
		if err := validateAccessLogSettings(st.AccessLogSettings); err != nil {
			return store.Txn{}, err
		}
		st.LastUpdatedDate = now()
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(st))}}
		if st.DeploymentId != before {
			cmps, ops, err := c.pinDeployment(ctx, in.RestApiId, st.DeploymentId)
			if err != nil {
				return store.Txn{}, err
			}
			txn.If, txn.Then = append(txn.If, cmps...), append(txn.Then, ops...)
		}
		out = st
		return txn, nil
	})
	return out, err
}

// DeleteStage deletes a stage and takes it out of the usage plans that
// cover it.
func (c *Control) DeleteStage(ctx context.Context, in *StageRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.getStage(ctx, in.RestApiId, in.StageName)
		if err != nil {
			return store.Txn{}, err
		}
		ops, cmps, err := c.dropPlanStages(ctx, func(s ApiStage) bool { return s.ApiId == in.RestApiId && s.Stage == in.StageName })
		if err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: append(cmps, store.Unchanged(kv)), Then: append(ops, store.Delete(kv.Key))}, nil
	})
}

// validateAccessLogSettings applies AWS's rules: a destination ARN (a log
// group or a Firehose stream) and a format naming the request id.
func validateAccessLogSettings(a *AccessLogSettings) error {
	if a == nil {
		return nil
	}
	if a.DestinationArn != "" && !strings.HasPrefix(a.DestinationArn, "arn:aws:logs:") && !strings.HasPrefix(a.DestinationArn, "arn:aws:firehose:") {
		return badRequest("Invalid ARN specified in the request: %s", a.DestinationArn)
	}
	if a.Format != "" && !strings.Contains(a.Format, "$context.requestId") && !strings.Contains(a.Format, "$context.extendedRequestId") {
		return badRequest("Access Log format must contain either $context.requestId or $context.extendedRequestId")
	}
	return nil
}

// stagePatch is what UpdateStage may change. Method settings are addressed
// as /{resource path, "~1" for "/"}/{method}/{setting}, or /*/*/{setting}
// for the whole stage.
var stagePatch = []patchRule[Stage]{
	{"/deploymentId", "replace", setString(func(s *Stage) *string { return &s.DeploymentId })},
	{"/description", "replace remove", setString(func(s *Stage) *string { return &s.Description })},
	{"/documentationVersion", "replace remove", setString(func(s *Stage) *string { return &s.DocumentationVersion })},
	{"/clientCertificateId", "replace remove", setString(func(s *Stage) *string { return &s.ClientCertificateId })},
	{"/cacheClusterSize", "replace", setString(func(s *Stage) *string { return &s.CacheClusterSize })},
	{"/cacheClusterEnabled", "replace", func(s *Stage, op *PatchOperation, _ []string) (err error) {
		s.CacheClusterEnabled, err = op.boolValue()
		return err
	}},
	{"/tracingEnabled", "replace", func(s *Stage, op *PatchOperation, _ []string) (err error) {
		s.TracingEnabled, err = op.boolValue()
		return err
	}},
	{"/variables/{}", "add replace remove", setMapEntry(func(s *Stage) *map[string]string { return &s.Variables }, validateVariable)},
	{"/accessLogSettings/destinationArn", "replace", func(s *Stage, op *PatchOperation, _ []string) error {
		if s.AccessLogSettings == nil {
			s.AccessLogSettings = &AccessLogSettings{}
		}
		s.AccessLogSettings.DestinationArn = op.str()
		return nil
	}},
	{"/accessLogSettings/format", "replace", func(s *Stage, op *PatchOperation, _ []string) error {
		if s.AccessLogSettings == nil {
			s.AccessLogSettings = &AccessLogSettings{}
		}
		s.AccessLogSettings.Format = op.str()
		return nil
	}},
	{"/accessLogSettings", "remove", func(s *Stage, _ *PatchOperation, _ []string) error {
		s.AccessLogSettings = nil
		return nil
	}},
	{"/{}/{}", "remove", func(s *Stage, op *PatchOperation, args []string) error {
		key, err := methodSettingKeyOf(op, args)
		if err != nil {
			return err
		}
		delete(s.MethodSettings, key)
		return nil
	}},
	{"/{}/{}/throttling/rateLimit", "replace", methodSetting(func(ms *MethodSetting, op *PatchOperation) (err error) {
		ms.ThrottlingRateLimit, err = op.floatValue(0, 1e9)
		return err
	})},
	{"/{}/{}/throttling/burstLimit", "replace", methodSetting(func(ms *MethodSetting, op *PatchOperation) error {
		n, err := op.intValue(0, 1<<31-1)
		ms.ThrottlingBurstLimit = int32(n)
		return err
	})},
	{"/{}/{}/logging/loglevel", "replace", methodSetting(func(ms *MethodSetting, op *PatchOperation) error {
		switch op.str() {
		case "OFF", "ERROR", "INFO":
			ms.LoggingLevel = op.str()
			return nil
		}
		return badRequest("Invalid logging level specified: %s. Must be one of: [OFF, ERROR, INFO]", op.str())
	})},
	{"/{}/{}/logging/dataTrace", "replace", methodSettingBool(func(ms *MethodSetting) *bool { return &ms.DataTraceEnabled })},
	{"/{}/{}/metrics/enabled", "replace", methodSettingBool(func(ms *MethodSetting) *bool { return &ms.MetricsEnabled })},
	{"/{}/{}/caching/enabled", "replace", methodSettingBool(func(ms *MethodSetting) *bool { return &ms.CachingEnabled })},
	{"/{}/{}/caching/dataEncrypted", "replace", methodSettingBool(func(ms *MethodSetting) *bool { return &ms.CacheDataEncrypted })},
	{"/{}/{}/caching/requireAuthorizationForCacheControl", "replace", methodSettingBool(func(ms *MethodSetting) *bool { return &ms.RequireAuthorizationForCacheControl })},
	{"/{}/{}/caching/ttlInSeconds", "replace", methodSetting(func(ms *MethodSetting, op *PatchOperation) error {
		n, err := op.intValue(0, 3600)
		ms.CacheTtlInSeconds = int32(n)
		return err
	})},
	{"/{}/{}/caching/unauthorizedCacheControlHeaderStrategy", "replace", methodSetting(func(ms *MethodSetting, op *PatchOperation) error {
		switch op.str() {
		case "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER":
			ms.UnauthorizedCacheControlHeaderStrategy = op.str()
			return nil
		}
		return badRequest("Invalid unauthorized cache control header strategy specified: %s", op.str())
	})},
}

// methodSettingKeyOf turns the first two segments of a method-settings
// path into the methodSettings key: "*" "*" → "*/*", "/pets" "GET" →
// "~1pets/GET".
func methodSettingKeyOf(op *PatchOperation, args []string) (string, error) {
	path, verb := args[0], args[1]
	if path == "*" && verb == "*" {
		return AllMethodSettings, nil
	}
	if !strings.HasPrefix(path, "/") || validateHTTPMethod(verb) != nil {
		return "", badRequest("Invalid method setting path specified: %s; use /*/*/... for the stage or /{resource path with ~1 for /}/{method}/...", op.Path)
	}
	return MethodSettingKey(path, verb), nil
}

// defaultMethodSetting is a new methodSettings entry as AWS fills it: the
// stage's own settings when it has them, else the account's throttle and
// AWS's defaults.
func defaultMethodSetting(s *Stage) MethodSetting {
	if all := s.MethodSettings[AllMethodSettings]; all != nil {
		return *all
	}
	return MethodSetting{
		CacheTtlInSeconds:                      300,
		LoggingLevel:                           "OFF",
		RequireAuthorizationForCacheControl:    true,
		ThrottlingBurstLimit:                   DefaultBurstLimit,
		ThrottlingRateLimit:                    DefaultRateLimit,
		UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER",
	}
}

func methodSetting(set func(*MethodSetting, *PatchOperation) error) func(*Stage, *PatchOperation, []string) error {
	return func(s *Stage, op *PatchOperation, args []string) error {
		key, err := methodSettingKeyOf(op, args)
		if err != nil {
			return err
		}
		ms := s.MethodSettings[key]
		if ms == nil {
			d := defaultMethodSetting(s)
			ms = &d
		}
		if err := set(ms, op); err != nil {
			return err
		}
		if s.MethodSettings == nil {
			s.MethodSettings = map[string]*MethodSetting{}
		}
		s.MethodSettings[key] = ms
		return nil
	}
}

func methodSettingBool(field func(*MethodSetting) *bool) func(*Stage, *PatchOperation, []string) error {
	return methodSetting(func(ms *MethodSetting, op *PatchOperation) (err error) {
		*field(ms), err = op.boolValue()
		return err
	})
}
