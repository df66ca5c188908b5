package apigw

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/apigw/router"
	"github.com/portolan/portolan/internal/awsapi"
)

type CreateRouteInput struct {
	ApiId                            string                          `json:"-"`
	ApiKeyRequired                   *bool                           `json:"apiKeyRequired,omitempty"`
	AuthorizationScopes              []string                        `json:"authorizationScopes,omitempty"`
	AuthorizationType                *string                         `json:"authorizationType,omitempty"`
	AuthorizerId                     *string                         `json:"authorizerId,omitempty"`
	ModelSelectionExpression         *string                         `json:"modelSelectionExpression,omitempty"`
	OperationName                    *string                         `json:"operationName,omitempty"`
	RequestModels                    map[string]string               `json:"requestModels,omitempty"`
	RequestParameters                map[string]ParameterConstraints `json:"requestParameters,omitempty"`
	RouteKey                         *string                         `json:"routeKey,omitempty"`
	RouteResponseSelectionExpression *string                         `json:"routeResponseSelectionExpression,omitempty"`
	Target                           *string                         `json:"target,omitempty"`
}

// UpdateRouteInput is CreateRouteInput plus the route's id.
type UpdateRouteInput struct {
	CreateRouteInput
	RouteId string `json:"-"`
}

// RouteRef names a route.
type RouteRef struct {
	ApiId   string `json:"-"`
	RouteId string `json:"-"`
}

// CreateRoute adds a route. The route key is validated and its precedence
// decided by the router package (its doc.go lists the AWS rules).
func (s *Control) CreateRoute(ctx context.Context, in *CreateRouteInput) (*Route, error) {
	var out Route
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		r := &Route{RouteId: awsapi.RandomID(7), AuthorizationType: AuthorizationNone}
		if err := applyRoute(rec, r, in, true); err != nil {
			return err
		}
		if rec.Routes == nil {
			rec.Routes = map[string]*Route{}
		}
		if len(rec.Routes) >= maxRoutes {
			return badRequest("An HTTP API can have at most %d routes", maxRoutes)
		}
		rec.Routes[r.RouteId] = r
		out = *r
		return nil
	})
	return &out, err
}

// maxRoutes is AWS's default quota of routes per API ("Quotas for
// configuring and running an HTTP API").
const maxRoutes = 300

// applyRoute validates the members set in in and writes them to r.
func applyRoute(rec *apiRecord, r *Route, in *CreateRouteInput, create bool) error {
	if create && (in.RouteKey == nil || *in.RouteKey == "") {
		return badRequest("RouteKey is required")
	}
	if in.RouteKey != nil {
		key, err := router.ParseRouteKey(*in.RouteKey)
		if err != nil {
			return badRequest("%s", err.Error())
		}
		if err := duplicateRoute(rec, r.RouteId, key); err != nil {
			return err
		}
		r.RouteKey = key.String()
	}
	if in.Target != nil {
		if *in.Target != "" {
			id, ok := strings.CutPrefix(*in.Target, "integrations/")
			if !ok || id == "" {
				return badRequest("Invalid target %q: it must be integrations/{integrationId}", *in.Target)
			}
			if rec.Integrations[id] == nil {
				return badRequest("Invalid integration identifier specified %s in target", id)
			}
		}
		r.Target = *in.Target
	}
	if in.ApiKeyRequired != nil {
		if *in.ApiKeyRequired {
			return badRequest("API keys are not supported for HTTP APIs")
		}
		r.ApiKeyRequired = false
	}
	if in.AuthorizationType != nil {
		r.AuthorizationType = *in.AuthorizationType
	}
	if in.AuthorizerId != nil {
		r.AuthorizerId = *in.AuthorizerId
	}
	if in.AuthorizationScopes != nil {
		r.AuthorizationScopes = in.AuthorizationScopes
	}
	if in.OperationName != nil {
		r.OperationName = *in.OperationName
	}
	if in.RequestParameters != nil {
		r.RequestParameters = in.RequestParameters
	}
	if in.ModelSelectionExpression != nil || in.RequestModels != nil || in.RouteResponseSelectionExpression != nil {
		return badRequest("Models and route responses are supported only for WebSocket APIs")
	}
	switch r.AuthorizationType {
	case AuthorizationNone, "":
		r.AuthorizationType = AuthorizationNone
		if in.AuthorizationType != nil && in.AuthorizerId == nil {
			// Switching a route to NONE drops its authorizer.
			r.AuthorizerId, r.AuthorizationScopes = "", nil
		}
		if r.AuthorizerId != "" {
			return badRequest("An authorizer can only be set with authorizationType JWT or CUSTOM")
		}
	case AuthorizationJWT, "CUSTOM":
		a := rec.Authorizers[r.AuthorizerId]
		if a == nil {
			return badRequest("Invalid authorizer identifier specified %s", r.AuthorizerId)
		}
		if (r.AuthorizationType == AuthorizationJWT) != (a.AuthorizerType == AuthorizerJWT) {
			return badRequest("Authorization type %s does not match authorizer %s of type %s", r.AuthorizationType, a.AuthorizerId, a.AuthorizerType)
		}
	case "AWS_IAM":
		if r.AuthorizerId != "" {
			return badRequest("An authorizer cannot be set with authorizationType AWS_IAM")
		}
	default:
		return badRequest("Invalid authorization type %s: it must be NONE, JWT, AWS_IAM or CUSTOM", r.AuthorizationType)
	}
	if len(r.AuthorizationScopes) > 0 && r.AuthorizationType != AuthorizationJWT {
		return badRequest("Authorization scopes are supported only for JWT authorizers")
	}
	if len(r.AuthorizationScopes) > 10 {
		return badRequest("A route can have at most 10 authorization scopes")
	}
	return nil
}

// duplicateRoute refuses a key that selects the same requests as another
// route of the API (same method and template, variable names aside): the
// router's Build is the judge, so the two can never disagree. AWS's code
// for this is disputed (router doc.go); a clash is a ConflictException
// here, as for every other "already exists" in apigatewayv2.
func duplicateRoute(rec *apiRecord, self string, key router.RouteKey) error {
	entries := []router.Entry[string]{{Key: key, Value: self}}
	for id, r := range rec.Routes {
		if id == self {
			continue
		}
		k, err := router.ParseRouteKey(r.RouteKey)
		if err != nil {
			continue // stored keys were valid when written
		}
		entries = append(entries, router.Entry[string]{Key: k, Value: id})
	}
	_, err := router.Build(entries)
	var dup *router.DuplicateRouteError
	if errors.As(err, &dup) {
		return conflict("Route with key %s already exists for this API", key.String())
	}
	return err
}

// GetRoute returns a route.
func (s *Control) GetRoute(ctx context.Context, in *RouteRef) (*Route, error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	r := rec.Routes[in.RouteId]
	if r == nil {
		return nil, s.notFound("Route", in.RouteId)
	}
	return r, nil
}

// GetRoutesInput lists an API's routes.
type GetRoutesInput struct {
	ApiId string `json:"-"`
	PageInput
}

// GetRoutes lists an API's routes in id order.
func (s *Control) GetRoutes(ctx context.Context, in *GetRoutesInput) (*Page[*Route], error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	return pageOf(rec.Routes, in.PageInput)
}

// UpdateRoute changes a route.
func (s *Control) UpdateRoute(ctx context.Context, in *UpdateRouteInput) (*Route, error) {
	var out Route
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		cur := rec.Routes[in.RouteId]
		if cur == nil {
			return s.notFound("Route", in.RouteId)
		}
		r := *cur
		if err := applyRoute(rec, &r, &in.CreateRouteInput, false); err != nil {
			return err
		}
		rec.Routes[in.RouteId] = &r
		out = r
		return nil
	})
	return &out, err
}

// DeleteRoute removes a route.
func (s *Control) DeleteRoute(ctx context.Context, in *RouteRef) error {
	return s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		if rec.Routes[in.RouteId] == nil {
			return s.notFound("Route", in.RouteId)
		}
		delete(rec.Routes, in.RouteId)
		return nil
	})
}
