package apigw

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type CreateIntegrationInput struct {
	ApiId                       string                       `json:"-"`
	ConnectionId                *string                      `json:"connectionId,omitempty"`
	ConnectionType              *string                      `json:"connectionType,omitempty"`
	ContentHandlingStrategy     *string                      `json:"contentHandlingStrategy,omitempty"`
	CredentialsArn              *string                      `json:"credentialsArn,omitempty"`
	Description                 *string                      `json:"description,omitempty"`
	IntegrationMethod           *string                      `json:"integrationMethod,omitempty"`
	IntegrationSubtype          *string                      `json:"integrationSubtype,omitempty"`
	IntegrationType             *string                      `json:"integrationType,omitempty"`
	IntegrationUri              *string                      `json:"integrationUri,omitempty"`
	PassthroughBehavior         *string                      `json:"passthroughBehavior,omitempty"`
	PayloadFormatVersion        *string                      `json:"payloadFormatVersion,omitempty"`
	RequestParameters           map[string]string            `json:"requestParameters,omitempty"`
	RequestTemplates            map[string]string            `json:"requestTemplates,omitempty"`
	ResponseParameters          map[string]map[string]string `json:"responseParameters,omitempty"`
	TemplateSelectionExpression *string                      `json:"templateSelectionExpression,omitempty"`
	TimeoutInMillis             *int32                       `json:"timeoutInMillis,omitempty"`
	TlsConfig                   *TlsConfig                   `json:"tlsConfig,omitempty"`
}

// UpdateIntegrationInput is CreateIntegrationInput plus the integration's id.
type UpdateIntegrationInput struct {
	CreateIntegrationInput
	IntegrationId string `json:"-"`
}

// IntegrationRef names an integration.
type IntegrationRef struct {
	ApiId         string `json:"-"`
	IntegrationId string `json:"-"`
}

// CreateIntegration adds an integration. Portolan serves HTTP_PROXY
// (payload format 1.0) to public URLs and, through a VPC link, to Cloud Map
// services and ELB listeners (the gateway sends to the listener's load
// balancer).
func (s *Control) CreateIntegration(ctx context.Context, in *CreateIntegrationInput) (*Integration, error) {
	var out Integration
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		integ := &Integration{IntegrationId: awsapi.RandomID(7)}
		applyIntegration(integ, in)
		if err := s.checkIntegration(ctx, rec, integ); err != nil {
			return err
		}
		if rec.Integrations == nil {
			rec.Integrations = map[string]*Integration{}
		}
		rec.Integrations[integ.IntegrationId] = integ
		out = *integ
		return nil
	})
	return &out, err
}

// applyIntegration writes the members set in in to integ. Maps merge, as
// UpdateIntegration does on AWS: a requestParameters key with the value ""
// is removed ("Remove configured parameter mappings" in the
// parameter-mapping guide), and a responseParameters status with an empty
// map is removed.
func applyIntegration(integ *Integration, in *CreateIntegrationInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&integ.ConnectionId, in.ConnectionId)
	set(&integ.ConnectionType, in.ConnectionType)
	set(&integ.ContentHandlingStrategy, in.ContentHandlingStrategy)
	set(&integ.CredentialsArn, in.CredentialsArn)
	set(&integ.Description, in.Description)
	set(&integ.IntegrationMethod, in.IntegrationMethod)
	set(&integ.IntegrationSubtype, in.IntegrationSubtype)
	set(&integ.IntegrationType, in.IntegrationType)
	set(&integ.IntegrationUri, in.IntegrationUri)
	set(&integ.PassthroughBehavior, in.PassthroughBehavior)
	set(&integ.PayloadFormatVersion, in.PayloadFormatVersion)
	set(&integ.TemplateSelectionExpression, in.TemplateSelectionExpression)
	if in.TimeoutInMillis != nil {
		integ.TimeoutInMillis = *in.TimeoutInMillis
	}
	if in.TlsConfig != nil {
		integ.TlsConfig = in.TlsConfig
	}
	if in.ConnectionType != nil && *in.ConnectionType == ConnectionInternet && in.ConnectionId == nil {
		integ.ConnectionId = ""
	}
	if in.RequestParameters != nil {
		merged := make(map[string]string, len(integ.RequestParameters)+len(in.RequestParameters))
		for k, v := range integ.RequestParameters {
			merged[k] = v
		}
		for k, v := range in.RequestParameters {
			if v == "" {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		integ.RequestParameters = nilIfEmpty(merged)
	}
	if in.RequestTemplates != nil {
		integ.RequestTemplates = nilIfEmpty(in.RequestTemplates)
	}
	if in.ResponseParameters != nil {
		merged := make(map[string]map[string]string, len(integ.ResponseParameters)+len(in.ResponseParameters))
		for k, v := range integ.ResponseParameters {
			merged[k] = v
		}
		for k, v := range in.ResponseParameters {
			if len(v) == 0 {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		if len(merged) == 0 {
			merged = nil
		}
		integ.ResponseParameters = merged
	}
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// checkIntegration validates integ (filling defaults) and checks that its
// VPC link exists.
func (s *Control) checkIntegration(ctx context.Context, rec *apiRecord, integ *Integration) error {
	if err := validateIntegration(integ); err != nil {
		return err
	}
	if integ.ConnectionType == ConnectionVpcLink {
		_, err := s.st.Get(ctx, vpcLinkKey(integ.ConnectionId))
		if errors.Is(err, store.ErrNotFound) {
			return s.notFound("VpcLink", integ.ConnectionId)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// GetIntegration returns an integration.
func (s *Control) GetIntegration(ctx context.Context, in *IntegrationRef) (*Integration, error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	integ := rec.Integrations[in.IntegrationId]
	if integ == nil {
		return nil, s.notFound("Integration", in.IntegrationId)
	}
	return integ, nil
}

// GetIntegrationsInput lists an API's integrations.
type GetIntegrationsInput struct {
	ApiId string `json:"-"`
	PageInput
}

// GetIntegrations lists an API's integrations in id order.
func (s *Control) GetIntegrations(ctx context.Context, in *GetIntegrationsInput) (*Page[*Integration], error) {
	rec, _, err := s.getAPI(ctx, in.ApiId)
	if err != nil {
		return nil, err
	}
	return pageOf(rec.Integrations, in.PageInput)
}

// UpdateIntegration changes an integration.
func (s *Control) UpdateIntegration(ctx context.Context, in *UpdateIntegrationInput) (*Integration, error) {
	var out Integration
	err := s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		cur := rec.Integrations[in.IntegrationId]
		if cur == nil {
			return s.notFound("Integration", in.IntegrationId)
		}
		integ := *cur
		applyIntegration(&integ, &in.CreateIntegrationInput)
		if err := s.checkIntegration(ctx, rec, &integ); err != nil {
			return err
		}
		rec.Integrations[in.IntegrationId] = &integ
		out = integ
		return nil
	})
	return &out, err
}

// DeleteIntegration removes an integration no route targets.
func (s *Control) DeleteIntegration(ctx context.Context, in *IntegrationRef) error {
	return s.changeAPI(ctx, in.ApiId, func(rec *apiRecord) error {
		if rec.Integrations[in.IntegrationId] == nil {
			return s.notFound("Integration", in.IntegrationId)
		}
		for _, r := range sortedKeys(rec.Routes) {
			if rec.Routes[r].Target == "integrations/"+in.IntegrationId {
				return conflict("Integration %s is in use by route %s (%s)", in.IntegrationId, r, rec.Routes[r].RouteKey)
			}
		}
		delete(rec.Integrations, in.IntegrationId)
		return nil
	})
}
