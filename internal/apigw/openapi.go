package apigw

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// Importing an HTTP API from an OpenAPI 3 definition, as ImportApi and
// ReimportApi do, with API Gateway's extensions ("Working with OpenAPI
// definitions for HTTP APIs"): x-amazon-apigateway-integration on each
// operation (or a $ref into components' x-amazon-apigateway-integrations),
// x-amazon-apigateway-any-method for ANY, the path $default for the
// $default route, x-amazon-apigateway-authorizer on security schemes, and
// x-amazon-apigateway-cors. The whole definition is turned into an API
// record and checked with the same rules as the single operations before
// anything is written, so a definition that fails changes nothing.

// ImportApiInput is ImportApi's request: the definition in the body, the
// options in the query.
type ImportApiInput struct {
	Body           string `json:"body"`
	Basepath       string `json:"-"` // ignore (default), prepend or split
	FailOnWarnings bool   `json:"-"`
}

// ReimportApiInput is ReimportApi's request.
type ReimportApiInput struct {
	ImportApiInput
	ApiId string `json:"-"`
}

// Extension names.
const (
	extIntegration  = "x-amazon-apigateway-integration"
	extIntegrations = "x-amazon-apigateway-integrations"
	extAnyMethod    = "x-amazon-apigateway-any-method"
	extAuthorizer   = "x-amazon-apigateway-authorizer"
	extCors         = "x-amazon-apigateway-cors"
	extVersion      = "x-amazon-apigateway-importexport-version"
)

// definition is what a parsed OpenAPI document gives an API.
type definition struct {
	name, description, version string
	cors                       *Cors
	authorizers                []*CreateAuthorizerInput
	routes                     []importedRoute
	warnings                   []string
}

type importedRoute struct {
	route       CreateRouteInput
	integration *CreateIntegrationInput // nil: a route without a target
	authorizer  string                  // a security scheme's name, or ""
}

// ImportApi creates an HTTP API from an OpenAPI 3 definition (AWS
// ImportApi). It creates no stage, as AWS does not.
func (s *Control) ImportApi(ctx context.Context, in *ImportApiInput) (*Api, error) {
	def, err := parseDefinition(in.Body, in.Basepath)
	if err != nil {
		return nil, err
	}
	if in.FailOnWarnings && len(def.warnings) > 0 {
		return nil, badRequest("Warnings found during import:\n\t%s", strings.Join(def.warnings, "\n\t"))
	}
	rec, err := newAPIRecord(&CreateApiInput{Name: &def.name, ProtocolType: awsapi.StringPtr(ProtocolHTTP), Description: &def.description,
		Version: &def.version, CorsConfiguration: def.cors})
	if err != nil {
		return nil, err
	}
	if err := s.applyDefinition(ctx, rec, def); err != nil {
		return nil, err
	}
	err = s.commit(ctx, func() (store.Txn, error) {
		return store.Txn{If: []store.Cmp{store.Absent(apiKey(rec.ApiId))}, Then: []store.Op{store.Put(apiKey(rec.ApiId), store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	out := s.apiOut(rec)
	out.Warnings = def.warnings
	return out, nil
}

// ReimportApi replaces an API's routes, integrations and authorizers, and
// its name, description, version and CORS, by a definition's (AWS
// ReimportApi); its stages stay, and those that auto-deploy deploy it.
func (s *Control) ReimportApi(ctx context.Context, in *ReimportApiInput) (*Api, error) {
	def, err := parseDefinition(in.Body, in.Basepath)
	if err != nil {
		return nil, err
	}
	if in.FailOnWarnings && len(def.warnings) > 0 {
		return nil, badRequest("Warnings found during import:\n\t%s", strings.Join(def.warnings, "\n\t"))
	}
	var out *Api
	err = s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		rec.Name, rec.Description, rec.Version, rec.CorsConfiguration = def.name, def.description, def.version, def.cors
		rec.Routes, rec.Integrations, rec.Authorizers = nil, nil, nil
		if err := s.applyDefinition(ctx, rec, def); err != nil {
			return err
		}
		out = s.apiOut(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Warnings = def.warnings
	return out, nil
}

// applyDefinition adds a definition's authorizers, integrations and routes
// to rec through the rules CreateAuthorizer, CreateIntegration and
// CreateRoute apply.
func (s *Control) applyDefinition(ctx context.Context, rec *apiRecord, def *definition) error {
	rec.Routes, rec.Integrations, rec.Authorizers = map[string]*Route{}, map[string]*Integration{}, map[string]*Authorizer{}
	authorizers := map[string]*Authorizer{} // by security scheme name
	for _, in := range def.authorizers {
		a := &Authorizer{AuthorizerId: awsapi.RandomID(6)}
		applyAuthorizer(a, in)
		if err := validateAuthorizer(a); err != nil {
			return err
		}
		rec.Authorizers[a.AuthorizerId], authorizers[a.Name] = a, a
	}
	if len(def.routes) > maxRoutes {
		return badRequest("An HTTP API can have at most %d routes", maxRoutes)
	}
	for _, ir := range def.routes {
		route := ir.route
		if ir.integration != nil {
			integ := &Integration{IntegrationId: awsapi.RandomID(7)}
			applyIntegration(integ, ir.integration)
			if err := s.checkIntegration(ctx, rec, integ); err != nil {
				return badRequest("Route %s: %s", *route.RouteKey, awsapi.AsError(err).Message)
			}
			rec.Integrations[integ.IntegrationId] = integ
			route.Target = awsapi.StringPtr("integrations/" + integ.IntegrationId)
		}
		if ir.authorizer != "" {
			a, ok := authorizers[ir.authorizer]
			if !ok {
				return badRequest("Route %s: security scheme %s is not an x-amazon-apigateway-authorizer", *route.RouteKey, ir.authorizer)
			}
			typ := AuthorizationJWT
			if a.AuthorizerType == AuthorizerRequest {
				typ = "CUSTOM"
			}
			route.AuthorizationType, route.AuthorizerId = &typ, &a.AuthorizerId
		}
		r := &Route{RouteId: awsapi.RandomID(7), AuthorizationType: AuthorizationNone}
		if err := applyRoute(rec, r, &route, true); err != nil {
			return err
		}
		rec.Routes[r.RouteId] = r
	}
	return nil
}

// parseDefinition reads an OpenAPI 3 document (JSON or YAML).
func parseDefinition(body, basepath string) (*definition, error) {
	if strings.TrimSpace(body) == "" {
		return nil, badRequest("Body is required: the OpenAPI definition to import")
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if err != nil {
		return nil, badRequest("Unable to parse the OpenAPI definition: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, badRequest("Portolan imports OpenAPI 3 definitions; convert a Swagger 2.0 document first")
	}
	if doc.Info == nil || doc.Info.Title == "" {
		return nil, badRequest("The definition needs info.title: the API's name")
	}
	def := &definition{name: doc.Info.Title, description: doc.Info.Description, version: doc.Info.Version}
	if err := decodeExtension(doc.Extensions, extCors, &def.cors); err != nil {
		return nil, err
	}
	prefix, err := basePath(doc, basepath)
	if err != nil {
		return nil, err
	}
	if err := def.readAuthorizers(doc); err != nil {
		return nil, err
	}
	named := map[string]any{}
	if doc.Components != nil {
		if m, ok := doc.Components.Extensions[extIntegrations].(map[string]any); ok {
			named = m
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		if any, ok := item.Extensions[extAnyMethod]; ok {
			op := &openapi3.Operation{}
			if err := remarshal(any, op); err != nil {
				return nil, badRequest("Path %s: %s: %v", path, extAnyMethod, err)
			}
			ops["ANY"] = op
		}
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			r, err := def.readRoute(doc, named, prefix, path, method, ops[method])
			if err != nil {
				return nil, err
			}
			def.routes = append(def.routes, r)
		}
	}
	sort.SliceStable(def.routes, func(i, j int) bool { return *def.routes[i].route.RouteKey < *def.routes[j].route.RouteKey })
	return def, nil
}

// readRoute turns one operation into a route and its integration.
func (def *definition) readRoute(doc *openapi3.T, named map[string]any, prefix, path, method string, op *openapi3.Operation) (importedRoute, error) {
	key := method + " " + prefix + path
	if path == router.DefaultRouteKey || path == "/"+router.DefaultRouteKey {
		key = router.DefaultRouteKey
	}
	r := importedRoute{route: CreateRouteInput{RouteKey: &key}}
	if op.OperationID != "" {
		r.route.OperationName = &op.OperationID
	}
	if raw, ok := op.Extensions[extIntegration]; ok {
		integ, err := readIntegration(raw, named)
		if err != nil {
			return r, badRequest("Route %s: %s", key, err.Error())
		}
		r.integration = integ
	} else {
		def.warnings = append(def.warnings, fmt.Sprintf("Route %s has no %s: it is created without a target", key, extIntegration))
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		for name, scopes := range req {
			r.authorizer = name
			if len(scopes) > 0 {
				r.route.AuthorizationScopes = scopes
			}
		}
	}
	return r, nil
}

// integrationExt is x-amazon-apigateway-integration as HTTP APIs write it.
type integrationExt struct {
	Ref                  string                       `json:"$ref"`
	Type                 string                       `json:"type"`
	HttpMethod           string                       `json:"httpMethod"`
	Uri                  string                       `json:"uri"`
	ConnectionType       string                       `json:"connectionType"`
	ConnectionId         string                       `json:"connectionId"`
	PayloadFormatVersion string                       `json:"payloadFormatVersion"`
	TimeoutInMillis      int32                        `json:"timeoutInMillis"`
	Description          string                       `json:"description"`
	RequestParameters    map[string]string            `json:"requestParameters"`
	ResponseParameters   map[string]map[string]string `json:"responseParameters"`
	TlsConfig            *TlsConfig                   `json:"tlsConfig"`
}

func readIntegration(raw any, named map[string]any) (*CreateIntegrationInput, error) {
	var x integrationExt
	if err := remarshal(raw, &x); err != nil {
		return nil, fmt.Errorf("%s: %v", extIntegration, err)
	}
	if x.Ref != "" {
		name, ok := strings.CutPrefix(x.Ref, "#/components/"+extIntegrations+"/")
		target, found := named[name]
		if !ok || !found {
			return nil, fmt.Errorf("%s $ref %s names no integration of components' %s", extIntegration, x.Ref, extIntegrations)
		}
		x = integrationExt{}
		if err := remarshal(target, &x); err != nil {
			return nil, fmt.Errorf("%s %s: %v", extIntegrations, name, err)
		}
	}
	in := &CreateIntegrationInput{IntegrationType: awsapi.StringPtr(strings.ToUpper(x.Type)), IntegrationUri: &x.Uri,
		RequestParameters: x.RequestParameters, ResponseParameters: x.ResponseParameters, TlsConfig: x.TlsConfig}
	for dst, v := range map[**string]string{&in.IntegrationMethod: x.HttpMethod, &in.ConnectionType: x.ConnectionType, &in.ConnectionId: x.ConnectionId,
		&in.PayloadFormatVersion: x.PayloadFormatVersion, &in.Description: x.Description} {
		if v != "" {
			*dst = awsapi.StringPtr(v)
		}
	}
	if x.TimeoutInMillis != 0 {
		in.TimeoutInMillis = &x.TimeoutInMillis
	}
	return in, nil
}

// authorizerExt is x-amazon-apigateway-authorizer as HTTP APIs write it.
type authorizerExt struct {
	Type                           string            `json:"type"`
	IdentitySource                 string            `json:"identitySource"`
	JwtConfiguration               *JWTConfiguration `json:"jwtConfiguration"`
	AuthorizerUri                  string            `json:"authorizerUri"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTtlInSeconds   *int32            `json:"authorizerResultTtlInSeconds"`
	EnableSimpleResponses          bool              `json:"enableSimpleResponses"`
}

func (def *definition) readAuthorizers(doc *openapi3.T) error {
	if doc.Components == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.SecuritySchemes)) {
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		raw, ok := ref.Value.Extensions[extAuthorizer]
		if !ok {
			def.warnings = append(def.warnings, fmt.Sprintf("Security scheme %s has no %s and is ignored", name, extAuthorizer))
			continue
		}
		var x authorizerExt
		if err := remarshal(raw, &x); err != nil {
			return badRequest("Security scheme %s: %s: %v", name, extAuthorizer, err)
		}
		in := &CreateAuthorizerInput{Name: awsapi.StringPtr(name), AuthorizerType: awsapi.StringPtr(strings.ToUpper(x.Type)),
			JwtConfiguration: x.JwtConfiguration, AuthorizerResultTtlInSeconds: x.AuthorizerResultTtlInSeconds}
		if x.IdentitySource != "" {
			for _, s := range strings.Split(x.IdentitySource, ",") {
				in.IdentitySource = append(in.IdentitySource, strings.TrimSpace(s))
			}
		}
		if x.AuthorizerUri != "" {
			in.AuthorizerUri = &x.AuthorizerUri
		}
		if x.AuthorizerPayloadFormatVersion != "" {
			in.AuthorizerPayloadFormatVersion = &x.AuthorizerPayloadFormatVersion
		}
		if x.EnableSimpleResponses {
			in.EnableSimpleResponses = &x.EnableSimpleResponses
		}
		def.authorizers = append(def.authorizers, in)
	}
	return nil
}

// basePath is what basepath makes of the first server's path: ignore
// drops it, prepend puts it before every route's path, split drops its
// first segment and prepends the rest.
func basePath(doc *openapi3.T, mode string) (string, error) {
	base := ""
	if len(doc.Servers) > 0 {
		raw := doc.Servers[0].URL
		if v, ok := doc.Servers[0].Variables["basePath"]; ok && v != nil {
			raw = strings.ReplaceAll(raw, "{basePath}", v.Default)
		}
		if u, err := url.Parse(raw); err == nil {
			base = strings.TrimSuffix(u.Path, "/")
		}
	}
	switch mode {
	case "", "ignore":
		return "", nil
	case "prepend":
		return base, nil
	case "split":
		if i := strings.IndexByte(strings.TrimPrefix(base, "/"), '/'); i >= 0 {
			return base[i+1:], nil
		}
		return "", nil
	}
	return "", badRequest("Invalid basepath %s: it must be ignore, prepend or split", mode)
}

func decodeExtension(ext map[string]any, name string, into any) error {
	raw, ok := ext[name]
	if !ok {
		return nil
	}
	if err := remarshal(raw, into); err != nil {
		return badRequest("%s: %v", name, err)
	}
	return nil
}

// remarshal decodes a decoded JSON value into a typed one.
func remarshal(v, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}
