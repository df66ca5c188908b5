package apigw

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateApiInput struct {
	ApiKeySelectionExpression *string           `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors             `json:"corsConfiguration,omitempty"`
	CredentialsArn            *string           `json:"credentialsArn,omitempty"`
	Description               *string           `json:"description,omitempty"`
	DisableExecuteApiEndpoint *bool             `json:"disableExecuteApiEndpoint,omitempty"`
	DisableSchemaValidation   *bool             `json:"disableSchemaValidation,omitempty"`
	IpAddressType             *string           `json:"ipAddressType,omitempty"`
	Name                      *string           `json:"name,omitempty"`
	ProtocolType              *string           `json:"protocolType,omitempty"`
	RouteKey                  *string           `json:"routeKey,omitempty"`
	RouteSelectionExpression  *string           `json:"routeSelectionExpression,omitempty"`
	Tags                      map[string]string `json:"tags,omitempty"`
	Target                    *string           `json:"target,omitempty"`
	Version                   *string           `json:"version,omitempty"`
}

type UpdateApiInput struct {
	ApiId                     string  `json:"-"`
	ApiKeySelectionExpression *string `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors   `json:"corsConfiguration,omitempty"`
	CredentialsArn            *string `json:"credentialsArn,omitempty"`
	Description               *string `json:"description,omitempty"`
	DisableExecuteApiEndpoint *bool   `json:"disableExecuteApiEndpoint,omitempty"`
	DisableSchemaValidation   *bool   `json:"disableSchemaValidation,omitempty"`
	IpAddressType             *string `json:"ipAddressType,omitempty"`
	Name                      *string `json:"name,omitempty"`
	RouteKey                  *string `json:"routeKey,omitempty"`
	RouteSelectionExpression  *string `json:"routeSelectionExpression,omitempty"`
	Target                    *string `json:"target,omitempty"`
	Version                   *string `json:"version,omitempty"`
}

// ApiRef names an API.
type ApiRef struct {
	ApiId string `json:"-"`
}

const (
	defaultRouteSelection  = "$request.method $request.path"
	defaultAPIKeySelection = "$request.header.x-api-key"
)

// CreateApi creates an HTTP API. With target (quick create) it also creates
// an HTTP_PROXY integration to that URL, a route (routeKey, default
// $default) and an auto-deploying $default stage, as AWS does.
func (s *Control) CreateApi(ctx context.Context, in *CreateApiInput) (*Api, error) {
	rec, err := newAPIRecord(in)
	if err != nil {
		return nil, err
	}
	var stage *Stage
	if in.Target != nil || in.RouteKey != nil || in.CredentialsArn != nil {
		if stage, err = s.quickCreate(rec, in); err != nil {
			return nil, err
		}
	}
	err = s.commit(ctx, func() (store.Txn, error) {
		txn := store.Txn{
			If:   []store.Cmp{store.Absent(apiKey(rec.ApiId))},
			Then: []store.Op{store.Put(apiKey(rec.ApiId), store.JSON(rec))},
		}
		if stage != nil {
			ops, err := s.autoDeploy(ctx, rec, []*Stage{stage}, []*Stage{stage})
			if err != nil {
				return store.Txn{}, err
			}
			txn.Then = append(txn.Then, ops...)
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return s.apiOut(rec), nil
}

// newAPIRecord checks CreateApi's members and makes the API they describe,
// with a new id and no routes.
func newAPIRecord(in *CreateApiInput) (*apiRecord, error) {
	name := strOr(in.Name, "")
	if name == "" {
		return nil, badRequest("Name is required")
	}
	if len(name) > 128 {
		return nil, badRequest("Name must be at most 128 characters")
	}
	switch p := strOr(in.ProtocolType, ""); p {
	case ProtocolHTTP:
	case "":
		return nil, badRequest("ProtocolType is required")
	case "WEBSOCKET":
		return nil, badRequest("WebSocket APIs are not supported by Portolan; use protocolType HTTP")
	default:
		return nil, badRequest("Invalid protocol type %s", p)
	}
	if in.RouteSelectionExpression != nil && *in.RouteSelectionExpression != defaultRouteSelection {
		return nil, badRequest("Route selection expression for an HTTP API must be %s", defaultRouteSelection)
	}
	if err := validateCors(in.CorsConfiguration); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	ip := strOr(in.IpAddressType, "ipv4")
	if ip != "ipv4" && ip != "dualstack" {
		return nil, badRequest("Invalid ipAddressType %s", ip)
	}
	rec := &apiRecord{Api: Api{
		ApiId:                     awsapi.RandomID(10),
		ApiKeySelectionExpression: strOr(in.ApiKeySelectionExpression, defaultAPIKeySelection),
		CorsConfiguration:         in.CorsConfiguration,
		CreatedDate:               now(),
		Description:               strOr(in.Description, ""),
		DisableExecuteApiEndpoint: in.DisableExecuteApiEndpoint != nil && *in.DisableExecuteApiEndpoint,
		DisableSchemaValidation:   in.DisableSchemaValidation != nil && *in.DisableSchemaValidation,
		IpAddressType:             ip,
		Name:                      name,
		ProtocolType:              ProtocolHTTP,
		RouteSelectionExpression:  defaultRouteSelection,
		Tags:                      in.Tags,
		Version:                   strOr(in.Version, ""),
	}}
	return rec, nil
}

// quickCreate fills rec with quick create's integration and route and
// returns its $default stage.
func (s *Control) quickCreate(rec *apiRecord, in *CreateApiInput) (*Stage, error) {
	target := strOr(in.Target, "")
	if target == "" {
		return nil, badRequest("RouteKey and CredentialsArn are only valid with Target (quick create)")
	}
	if in.CredentialsArn != nil {
		return nil, badRequest("CredentialsArn is not supported by Portolan: quick create targets are HTTP URLs")
	}
	if awsapi.IsARN(target) {
		return nil, badRequest("Quick create with a Lambda function target is not supported by Portolan; use an HTTP URL")
	}
	integ := &Integration{IntegrationId: awsapi.RandomID(7), IntegrationType: IntegrationHTTPProxy, IntegrationUri: target, IntegrationMethod: "ANY"}
	if err := validateIntegration(integ); err != nil {
		return nil, err
	}
	key := strOr(in.RouteKey, router.DefaultRouteKey)
	if _, err := router.ParseRouteKey(key); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	route := &Route{RouteId: awsapi.RandomID(7), RouteKey: key, AuthorizationType: AuthorizationNone, Target: "integrations/" + integ.IntegrationId}
	rec.Integrations = map[string]*Integration{integ.IntegrationId: integ}
	rec.Routes = map[string]*Route{route.RouteId: route}
	t := now()
	return &Stage{StageName: DefaultStageName, AutoDeploy: true, CreatedDate: t, LastUpdatedDate: t, DefaultRouteSettings: defaultRouteSettings()}, nil
}

func validateCors(c *Cors) error {
	if c == nil {
		return nil
	}
	if c.AllowCredentials != nil && *c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		// The CORS guide: allowCredentials can't be combined with a wildcard origin.
		return badRequest("allow-credentials cannot be used with allow-origins '*'")
	}
	if c.MaxAge != nil && (*c.MaxAge < -1 || *c.MaxAge > 86400) {
		return badRequest("maxAge must be between -1 and 86400 seconds")
	}
	return nil
}

func (s *Control) apiOut(rec *apiRecord) *Api {
	a := rec.Api
	a.ApiEndpoint = s.endpoint(a.ApiId)
	return &a
}

// GetApi returns an API.
func (s *Control) GetApi(ctx context.Context, in *ApiRef) (*Api, error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	return s.apiOut(rec), nil
}

// GetApis lists APIs in id order.
func (s *Control) GetApis(ctx context.Context, in *PageInput) (*Page[*Api], error) {
	recs, _, err := listJSON[apiRecord](ctx, s.st, apiPrefix)
	if err != nil {
		return nil, err
	}
	items, next, err := page(recs, func(r *apiRecord) string { return r.ApiId }, *in)
	if err != nil {
		return nil, err
	}
	out := &Page[*Api]{Items: make([]*Api, 0, len(items)), NextToken: next}
	for _, r := range items {
		out.Items = append(out.Items, s.apiOut(r))
	}
	return out, nil
}

// UpdateApi changes an API's settings. Quick-create members (target,
// routeKey) update the quick-created integration and route.
func (s *Control) UpdateApi(ctx context.Context, in *UpdateApiInput) (*Api, error) {
	if err := validateCors(in.CorsConfiguration); err != nil {
		return nil, err
	}
	if in.RouteSelectionExpression != nil && *in.RouteSelectionExpression != defaultRouteSelection {
		return nil, badRequest("Route selection expression for an HTTP API must be %s", defaultRouteSelection)
	}
	if in.CredentialsArn != nil {
		return nil, badRequest("CredentialsArn is not supported by Portolan")
	}
	var out *Api
	edit := func(rec *apiRecord) error {
		if in.Name != nil {
			if *in.Name == "" || len(*in.Name) > 128 {
				return badRequest("Name must be 1 to 128 characters")
			}
			rec.Name = *in.Name
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.ApiKeySelectionExpression != nil {
			rec.ApiKeySelectionExpression = *in.ApiKeySelectionExpression
		}
		if in.CorsConfiguration != nil {
			rec.CorsConfiguration = in.CorsConfiguration
		}
		if in.DisableExecuteApiEndpoint != nil {
			rec.DisableExecuteApiEndpoint = *in.DisableExecuteApiEndpoint
		}
		if in.DisableSchemaValidation != nil {
			rec.DisableSchemaValidation = *in.DisableSchemaValidation
		}
		if in.IpAddressType != nil {
			if *in.IpAddressType != "ipv4" && *in.IpAddressType != "dualstack" {
				return badRequest("Invalid ipAddressType %s", *in.IpAddressType)
			}
			rec.IpAddressType = *in.IpAddressType
		}
		if in.Version != nil {
			rec.Version = *in.Version
		}
		if in.Target != nil || in.RouteKey != nil {
			if err := s.updateQuickCreate(rec, in); err != nil {
				return err
			}
		}
		out = s.apiOut(rec)
		return nil
	}
	if err := s.changeAPI(ctx, in.ApiId, edit); err != nil {
		return nil, err
	}
	return out, nil
}

// updateQuickCreate applies target/routeKey to an API made by quick create:
// its single integration and single route.
func (s *Control) updateQuickCreate(rec *apiRecord, in *UpdateApiInput) error {
	if len(rec.Routes) != 1 || len(rec.Integrations) != 1 {
		return badRequest("Target and RouteKey can only be updated on an API created with quick create")
	}
	for _, integ := range rec.Integrations {
		if in.Target != nil {
			c := *integ
			c.IntegrationUri = *in.Target
			if err := validateIntegration(&c); err != nil {
				return err
			}
			*integ = c
		}
	}
	for _, r := range rec.Routes {
		if in.RouteKey != nil {
			if _, err := router.ParseRouteKey(*in.RouteKey); err != nil {
				return badRequest("%s", err.Error())
			}
			r.RouteKey = *in.RouteKey
		}
	}
	return nil
}

// DeleteCorsConfiguration removes an API's CORS configuration.
func (s *Control) DeleteCorsConfiguration(ctx context.Context, in *ApiRef) error {
	return s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		rec.CorsConfiguration = nil
		return nil
	})
}

// DeleteApi deletes an API with its stages and deployments.
func (s *Control) DeleteApi(ctx context.Context, in *ApiRef) error {
	return s.commit(ctx, func() (store.Txn, error) {
		_, kv, err := s.getAPI(ctx, in.ApiId)
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}
		for _, prefix := range []string{stagePrefix(in.ApiId), deployPrefix(in.ApiId), deployCfgPrefix(in.ApiId)} {
			kvs, _, err := s.st.List(ctx, prefix)
			if err != nil {
				return store.Txn{}, err
			}
			for _, kv := range kvs {
				txn.Then = append(txn.Then, store.Delete(kv.Key))
			}
		}
		return txn, nil
	})
}

func apiEndpoint(tmpl, apiID string) string  { return strings.ReplaceAll(tmpl, "{apiId}", apiID) }
func (s *Control) endpoint(id string) string { return apiEndpoint(s.cfg.Endpoint, id) }

// apiRecord is what the store holds for an API.
type apiRecord struct {
	Api
	Routes       map[string]*Route       `json:",omitempty"`
	Integrations map[string]*Integration `json:",omitempty"`
	Authorizers  map[string]*Authorizer  `json:",omitempty"`
}

// config is the record's deployable part, in id order so that two
// deployments of the same config are byte-identical.
func (r *apiRecord) config() *DeploymentConfig {
	c := &DeploymentConfig{}
	for _, id := range sortedKeys(r.Routes) {
		c.Routes = append(c.Routes, *r.Routes[id])
	}
	for _, id := range sortedKeys(r.Integrations) {
		c.Integrations = append(c.Integrations, *r.Integrations[id])
	}
	for _, id := range sortedKeys(r.Authorizers) {
		c.Authorizers = append(c.Authorizers, *r.Authorizers[id])
	}
	return c
}

// getAPI reads an API's record, or NotFoundException.
func (s *Control) getAPI(ctx context.Context, id string) (*apiRecord, store.KV, error) {
	if id == "" {
		return nil, store.KV{}, badRequest("ApiId is required")
	}
	rec, kv, err := store.GetJSON[apiRecord](ctx, s.st, apiKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, s.notFound("Api", id)
	}
	return rec, kv, err
}

// changeAPI is the one way an API's routes, integrations and authorizers
// change: edit gets the current record and returns what it produced (the
// operation's output, for the caller); the record is written back with a
// compare on its revision, and every stage with autoDeploy gets a new
// deployment of the result in the same transaction, as AWS redeploys such
// stages on every change.
func (s *Control) changeAPI(ctx context.Context, apiID string, edit func(rec *apiRecord) error) error {
	return s.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := s.getAPI(ctx, apiID)
		if err != nil {
			return store.Txn{}, err
		}
		before := store.JSON(rec.config())
		if err := edit(rec); err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(rec))}}
		if bytes.Equal(before, store.JSON(rec.config())) {
			// Nothing deployable changed (a rename, CORS): no new deployment.
			return txn, nil
		}
		stages, stageKVs, err := listJSON[Stage](ctx, s.st, stagePrefix(apiID))
		if err != nil {
			return store.Txn{}, err
		}
		var auto []*Stage
		for i, st := range stages {
			if st.AutoDeploy {
				auto = append(auto, st)
				txn.If = append(txn.If, store.Unchanged(stageKVs[i]))
			}
		}
		if len(auto) > 0 {
			ops, err := s.autoDeploy(ctx, rec, stages, auto)
			if err != nil {
				return store.Txn{}, err
			}
			txn.Then = append(txn.Then, ops...)
		}
		return txn, nil
	})
}
