package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// ExportApiInput is ExportApi's request, all in its path and query.
type ExportApiInput struct {
	ApiId             string
	Specification     string // OAS30, the only one
	OutputType        string // JSON or YAML
	StageName         string // the stage's deployment; "" the latest configuration
	IncludeExtensions bool   // default true
	ExportVersion     string // 1.0, the only one
}

// ExportApi writes an HTTP API as an OpenAPI 3.0 definition (AWS
// ExportApi): the latest configuration, or with a stage name what that
// stage serves. With extensions, importing the result creates the same
// API; without, it is plain OpenAPI.
func (s *Control) ExportApi(ctx context.Context, in *ExportApiInput) (*awsapi.RawBody, error) {
	if in.Specification != "OAS30" {
		return nil, badRequest("Invalid specification %s: it must be OAS30", in.Specification)
	}
	if in.OutputType != "JSON" && in.OutputType != "YAML" {
		return nil, badRequest("Invalid outputType %s: it must be JSON or YAML", in.OutputType)
	}
	if in.ExportVersion != "" && in.ExportVersion != "1.0" {
		return nil, badRequest("Invalid exportVersion %s: it must be 1.0", in.ExportVersion)
	}
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	cfg := rec.config()
	if in.StageName != "" {
		if cfg, err = s.stageConfig(ctx, in.ApiId, in.StageName); err != nil {
			return nil, err
		}
	}
	doc := s.openAPIDocument(rec, cfg, in.StageName, in.IncludeExtensions)
	if in.OutputType == "JSON" {
		b, err := json.MarshalIndent(doc, "", "  ")
		return &awsapi.RawBody{ContentType: "application/json", Data: b}, err
	}
	b, err := yaml.Marshal(doc)
	return &awsapi.RawBody{ContentType: "application/yaml", Data: b}, err
}

// stageConfig is the configuration a stage's deployment froze.
func (s *Control) stageConfig(ctx context.Context, apiID, stageName string) (*DeploymentConfig, error) {
	st, _, err := store.GetJSON[Stage](ctx, s.st, stageKey(apiID, stageName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound("Stage", stageName)
	} else if err != nil {
		return nil, err
	}
	if st.DeploymentId == "" {
		return nil, badRequest("Stage %s has no deployment to export", stageName)
	}
	cfg, _, err := store.GetJSON[DeploymentConfig](ctx, s.st, deployCfgKey(apiID, st.DeploymentId))
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// openAPIDocument builds the definition as generic values (maps keep the
// JSON and YAML encoders' key order stable: sorted).
func (s *Control) openAPIDocument(rec *apiRecord, cfg *DeploymentConfig, stage string, extensions bool) map[string]any {
	info := map[string]any{"title": rec.Name, "version": rec.Version}
	if rec.Version == "" {
		info["version"] = rec.CreatedDate.Time().UTC().Format("2006-01-02 15:04:05UTC")
	}
	if rec.Description != "" {
		info["description"] = rec.Description
	}
	doc := map[string]any{"openapi": "3.0.1", "info": info, "paths": map[string]any{}}
	if stage != "" {
		server := map[string]any{"url": s.endpoint(rec.ApiId) + "/{basePath}", "variables": map[string]any{"basePath": map[string]any{"default": ""}}}
		if stage != DefaultStageName {
			server["variables"] = map[string]any{"basePath": map[string]any{"default": stage}}
		}
		doc["servers"] = []any{server}
	}
	integrations := map[string]Integration{}
	for _, i := range cfg.Integrations {
		integrations[i.IntegrationId] = i
	}
	authorizers := map[string]Authorizer{}
	for _, a := range cfg.Authorizers {
		authorizers[a.AuthorizerId] = a
	}
	paths := doc["paths"].(map[string]any)
	for _, r := range cfg.Routes {
		path, method := router.DefaultRouteKey, extAnyMethod
		if r.RouteKey != router.DefaultRouteKey {
			m, p, _ := strings.Cut(r.RouteKey, " ")
			path, method = p, strings.ToLower(m)
			if m == "ANY" {
				method = extAnyMethod
			}
		}
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
			if params := pathParameters(path); len(params) > 0 {
				item["parameters"] = params
			}
		}
		op := map[string]any{"responses": map[string]any{"default": map[string]any{"description": "Default response for " + r.RouteKey}}}
		if r.OperationName != "" {
			op["operationId"] = r.OperationName
		}
		if a, ok := authorizers[r.AuthorizerId]; ok {
			scopes := r.AuthorizationScopes
			if scopes == nil {
				scopes = []string{}
			}
			op["security"] = []any{map[string]any{a.Name: scopes}}
		}
		if integ, ok := integrations[strings.TrimPrefix(r.Target, "integrations/")]; ok && extensions {
			op[extIntegration] = integrationExtension(integ)
		}
		if method == extAnyMethod && !extensions {
			continue
		}
		item[method] = op
	}
	if len(authorizers) > 0 {
		schemes := map[string]any{}
		for _, a := range authorizers {
			scheme := map[string]any{"type": "oauth2", "flows": map[string]any{}}
			if a.AuthorizerType == AuthorizerRequest {
				scheme = map[string]any{"type": "apiKey", "name": "Unused", "in": "header"}
			}
			if extensions {
				scheme[extAuthorizer] = authorizerExtension(a)
			}
			schemes[a.Name] = scheme
		}
		doc["components"] = map[string]any{"securitySchemes": schemes}
	}
	if extensions {
		doc[extVersion] = "1.0"
		if rec.CorsConfiguration != nil {
			doc[extCors] = jsonValue(rec.CorsConfiguration)
		}
	}
	return doc
}

// pathParameters declares a route path's variables, as OpenAPI requires.
func pathParameters(path string) []any {
	key, err := router.ParseRouteKey("GET " + path)
	if err != nil {
		return nil
	}
	var out []any
	for _, name := range key.ParamNames() {
		if key.Greedy() && strings.Contains(path, "{"+name+"+}") {
			name += "+"
		}
		out = append(out, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	return out
}

func integrationExtension(i Integration) map[string]any {
	x := map[string]any{"type": strings.ToLower(i.IntegrationType), "httpMethod": i.IntegrationMethod, "uri": i.IntegrationUri,
		"connectionType": i.ConnectionType, "payloadFormatVersion": i.PayloadFormatVersion, "timeoutInMillis": i.TimeoutInMillis}
	if i.ConnectionId != "" {
		x["connectionId"] = i.ConnectionId
	}
	if i.Description != "" {
		x["description"] = i.Description
	}
	if len(i.RequestParameters) > 0 {
		x["requestParameters"] = i.RequestParameters
	}
	if len(i.ResponseParameters) > 0 {
		x["responseParameters"] = i.ResponseParameters
	}
	if i.TlsConfig != nil {
		x["tlsConfig"] = jsonValue(i.TlsConfig)
	}
	return x
}

func authorizerExtension(a Authorizer) map[string]any {
	x := map[string]any{"type": strings.ToLower(a.AuthorizerType), "identitySource": strings.Join(a.IdentitySource, ", ")}
	if a.JwtConfiguration != nil {
		x["jwtConfiguration"] = jsonValue(a.JwtConfiguration)
	}
	if a.AuthorizerUri != "" {
		x["authorizerUri"] = a.AuthorizerUri
	}
	if a.AuthorizerPayloadFormatVersion != "" {
		x["authorizerPayloadFormatVersion"] = a.AuthorizerPayloadFormatVersion
	}
	if a.AuthorizerResultTtlInSeconds != nil {
		x["authorizerResultTtlInSeconds"] = *a.AuthorizerResultTtlInSeconds
	}
	if a.EnableSimpleResponses {
		x["enableSimpleResponses"] = true
	}
	return x
}

// jsonValue is v as generic values under its JSON names, which the YAML
// encoder (reading yaml tags) would not use.
func jsonValue(v any) any {
	var out any
	remarshal(v, &out)
	return out
}
