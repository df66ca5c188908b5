package apigw

import (
	"context"
	"strings"

	"github.com/portolan/portolan/internal/apigw/jwtauth"
	"github.com/portolan/portolan/internal/awsapi"
)

type CreateAuthorizerInput struct {
	ApiId                          string            `json:"-"`
	AuthorizerCredentialsArn       *string           `json:"authorizerCredentialsArn,omitempty"`
	AuthorizerPayloadFormatVersion *string           `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTtlInSeconds   *int32            `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 *string           `json:"authorizerType,omitempty"`
	AuthorizerUri                  *string           `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	IdentityValidationExpression   *string           `json:"identityValidationExpression,omitempty"`
	JwtConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           *string           `json:"name,omitempty"`
}

// UpdateAuthorizerInput is CreateAuthorizerInput plus the authorizer's id.
type UpdateAuthorizerInput struct {
	CreateAuthorizerInput
	AuthorizerId string `json:"-"`
}

// AuthorizerRef names an authorizer.
type AuthorizerRef struct {
	ApiId        string `json:"-"`
	AuthorizerId string `json:"-"`
}

// CreateAuthorizer stores an authorizer; routes may name it. Enforcing JWT
// authorizers is the gateway's authorizer work.
func (s *Control) CreateAuthorizer(ctx context.Context, in *CreateAuthorizerInput) (*Authorizer, error) {
	var out Authorizer
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		a := &Authorizer{AuthorizerId: awsapi.RandomID(6)}
		applyAuthorizer(a, in)
		if err := validateAuthorizer(a); err != nil {
			return err
		}
		if rec.Authorizers == nil {
			rec.Authorizers = map[string]*Authorizer{}
		}
		if len(rec.Authorizers) >= 10 {
			return badRequest("An HTTP API can have at most 10 authorizers")
		}
		rec.Authorizers[a.AuthorizerId] = a
		out = *a
		return nil
	})
	return &out, err
}

func applyAuthorizer(a *Authorizer, in *CreateAuthorizerInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.AuthorizerCredentialsArn, in.AuthorizerCredentialsArn)
	set(&a.AuthorizerPayloadFormatVersion, in.AuthorizerPayloadFormatVersion)
	set(&a.AuthorizerType, in.AuthorizerType)
	set(&a.AuthorizerUri, in.AuthorizerUri)
	set(&a.IdentityValidationExpression, in.IdentityValidationExpression)
	set(&a.Name, in.Name)
	if in.AuthorizerResultTtlInSeconds != nil {
		a.AuthorizerResultTtlInSeconds = in.AuthorizerResultTtlInSeconds
	}
	if in.EnableSimpleResponses != nil {
		a.EnableSimpleResponses = *in.EnableSimpleResponses
	}
	if in.IdentitySource != nil {
		a.IdentitySource = in.IdentitySource
	}
	if in.JwtConfiguration != nil {
		a.JwtConfiguration = in.JwtConfiguration
	}
}

func validateAuthorizer(a *Authorizer) error {
	if a.Name == "" || len(a.Name) > 128 {
		return badRequest("Name is required and must be at most 128 characters")
	}
	switch a.AuthorizerType {
	case AuthorizerJWT:
		if a.JwtConfiguration == nil || a.JwtConfiguration.Issuer == "" || len(a.JwtConfiguration.Audience) == 0 {
			return badRequest("A JWT authorizer needs jwtConfiguration with an issuer and at least one audience")
		}
		if err := jwtauth.CheckIssuer(a.JwtConfiguration.Issuer); err != nil {
			// AWS takes https issuers only; http is allowed on loopback so
			// identity providers on the developer's machine work.
			return badRequest("Invalid issuer %s: the issuer must be an https URL (or http on a loopback host)", a.JwtConfiguration.Issuer)
		}
		if len(a.JwtConfiguration.Audience) > 50 {
			return badRequest("A JWT authorizer can have at most 50 audiences")
		}
		if len(a.IdentitySource) == 0 {
			a.IdentitySource = []string{"$request.header.Authorization"}
		}
		if len(a.IdentitySource) != 1 {
			return badRequest("A JWT authorizer takes exactly one identity source")
		}
	case AuthorizerRequest:
		if a.AuthorizerUri == "" {
			return badRequest("A REQUEST authorizer needs an authorizerUri")
		}
		if a.AuthorizerPayloadFormatVersion == "" {
			return badRequest("AuthorizerPayloadFormatVersion is required for REQUEST authorizers")
		}
	case "":
		return badRequest("AuthorizerType is required")
	default:
		return badRequest("Invalid authorizer type %s: HTTP APIs take JWT or REQUEST", a.AuthorizerType)
	}
	for _, src := range a.IdentitySource {
		if !strings.HasPrefix(src, "$request.") && !strings.HasPrefix(src, "$context.") && !strings.HasPrefix(src, "$stageVariables.") {
			return badRequest("Invalid identity source %q", src)
		}
	}
	if t := a.AuthorizerResultTtlInSeconds; t != nil && (*t < 0 || *t > 3600) {
		return badRequest(errAuthorizerTTL)
	}
	return nil
}

// GetAuthorizer returns an authorizer.
func (s *Control) GetAuthorizer(ctx context.Context, in *AuthorizerRef) (*Authorizer, error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	a := rec.Authorizers[in.AuthorizerId]
	if a == nil {
		return nil, s.notFound("Authorizer", in.AuthorizerId)
	}
	return a, nil
}

// GetAuthorizersInput lists an API's authorizers.
type GetAuthorizersInput struct {
	ApiId string `json:"-"`
	PageInput
}

// GetAuthorizers lists an API's authorizers in id order.
func (s *Control) GetAuthorizers(ctx context.Context, in *GetAuthorizersInput) (*Page[*Authorizer], error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	return pageOf(rec.Authorizers, in.PageInput)
}

// UpdateAuthorizer changes an authorizer.
func (s *Control) UpdateAuthorizer(ctx context.Context, in *UpdateAuthorizerInput) (*Authorizer, error) {
	var out Authorizer
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		cur := rec.Authorizers[in.AuthorizerId]
		if cur == nil {
			return s.notFound("Authorizer", in.AuthorizerId)
		}
		a := *cur
		applyAuthorizer(&a, &in.CreateAuthorizerInput)
		if err := validateAuthorizer(&a); err != nil {
			return err
		}
		for _, r := range rec.Routes {
			if r.AuthorizerId == a.AuthorizerId && (r.AuthorizationType == AuthorizationJWT) != (a.AuthorizerType == AuthorizerJWT) {
				return badRequest("Authorizer %s is used by route %s with authorizationType %s", a.AuthorizerId, r.RouteKey, r.AuthorizationType)
			}
		}
		rec.Authorizers[in.AuthorizerId] = &a
		out = a
		return nil
	})
	return &out, err
}

// DeleteAuthorizer deletes an authorizer no route uses.
func (s *Control) DeleteAuthorizer(ctx context.Context, in *AuthorizerRef) error {
	return s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		if rec.Authorizers[in.AuthorizerId] == nil {
			return s.notFound("Authorizer", in.AuthorizerId)
		}
		for _, id := range sortedKeys(rec.Routes) {
			if rec.Routes[id].AuthorizerId == in.AuthorizerId {
				return conflict("Authorizer %s is in use by route %s (%s)", in.AuthorizerId, id, rec.Routes[id].RouteKey)
			}
		}
		delete(rec.Authorizers, in.AuthorizerId)
		return nil
	})
}
