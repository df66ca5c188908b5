package restapi

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

type PutIntegrationInput struct {
	MethodRef
	CacheKeyParameters  []string          `json:"cacheKeyParameters,omitempty"`
	CacheNamespace      *string           `json:"cacheNamespace,omitempty"`
	ConnectionId        *string           `json:"connectionId,omitempty"`
	ConnectionType      *string           `json:"connectionType,omitempty"`
	ContentHandling     *string           `json:"contentHandling,omitempty"`
	Credentials         *string           `json:"credentials,omitempty"`
	IntegrationMethod   *string           `json:"httpMethod,omitempty"` // the body's httpMethod: the backend's verb
	PassthroughBehavior *string           `json:"passthroughBehavior,omitempty"`
	RequestParameters   map[string]string `json:"requestParameters,omitempty"`
	RequestTemplates    map[string]string `json:"requestTemplates,omitempty"`
	TimeoutInMillis     *int32            `json:"timeoutInMillis,omitempty"`
	TlsConfig           *TlsConfig        `json:"tlsConfig,omitempty"`
	Type                *string           `json:"type,omitempty"`
	Uri                 *string           `json:"uri,omitempty"`
}

type UpdateIntegrationInput struct {
	MethodRef
	PatchInput
}

type PutIntegrationResponseInput struct {
	MethodResponseRef
	ContentHandling    *string           `json:"contentHandling,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	SelectionPattern   *string           `json:"selectionPattern,omitempty"`
}

type UpdateIntegrationResponseInput struct {
	MethodResponseRef
	PatchInput
}

// stageVariableRef matches a connectionId (or any other reference) taken
// from a stage variable: "${stageVariables.vpcLinkId}".
var stageVariableRef = regexp.MustCompile(`^\$\{stageVariables\.[A-Za-z0-9_]+\}$`)

// validateIntegration checks an integration on its own and against its
// method (the request parameters it maps from must be declared there).
func validateIntegration(in *Integration, m *Method) error {
	switch in.Type {
	case IntegrationHTTP, IntegrationHTTPProxy:
		if !strings.HasPrefix(in.Uri, "http://") && !strings.HasPrefix(in.Uri, "https://") || len(in.Uri) <= len("https://") {
			return badRequest("Invalid HTTP endpoint specified for URI")
		}
		if in.HttpMethod == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
		if err := validateHTTPMethod(in.HttpMethod); err != nil {
			return err
		}
	case IntegrationMock:
	case IntegrationAWS, IntegrationAWSProxy:
		return badRequest("Integration type %s (Lambda and AWS service integrations) is not supported by Portolan; use HTTP_PROXY, HTTP or MOCK", in.Type)
	case "":
		return badRequest("Invalid integration type specified: a type is required (HTTP, HTTP_PROXY, MOCK)")
	default:
		return badRequest("Invalid integration type specified: %s. Must be one of: [HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]", in.Type)
	}
	switch in.ConnectionType {
	case ConnectionInternet:
		if in.ConnectionId != "" {
			return badRequest("A connectionId is only allowed with connectionType VPC_LINK")
		}
	case ConnectionVpcLink:
		if in.Type == IntegrationMock {
			return badRequest("connectionType VPC_LINK is only allowed with HTTP and HTTP_PROXY integrations")
		}
		if in.ConnectionId == "" {
			return badRequest("Invalid connection ID specified: VPC_LINK integrations need the id of a VPC link or ${stageVariables.NAME}")
		}
	default:
		return badRequest("Invalid connection type specified: %s. Must be one of: [INTERNET, VPC_LINK]", in.ConnectionType)
	}
	if in.TimeoutInMillis < MinTimeoutMillis || in.TimeoutInMillis > DefaultTimeoutMillis {
		return badRequest("Timeout should be between %d ms and %d ms", MinTimeoutMillis, DefaultTimeoutMillis)
	}
	switch in.PassthroughBehavior {
	case PassthroughWhenNoMatch, PassthroughWhenNoTemplates, PassthroughNever:
	default:
		return badRequest("Invalid passthrough behavior specified: %s. Must be one of: [WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER]", in.PassthroughBehavior)
	}
	switch in.ContentHandling {
	case "", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT":
	default:
		return badRequest("Invalid content handling specified: %s. Must be one of: [CONVERT_TO_BINARY, CONVERT_TO_TEXT]", in.ContentHandling)
	}
	return validateIntegrationParameters(in.RequestParameters, m)
}

// validateIntegrationParameters checks requestParameters: each target is
// integration.request.{path|querystring|header|...}.NAME, each source a
// declared method request parameter, a 'static' value, a stage variable,
// a context variable or the request body.
func validateIntegrationParameters(params map[string]string, m *Method) error {
	for target, source := range params {
		if !validParameterName(target, "integration.request", parameterLocations) {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: %s]", target)
		}
		if !validMappingSource(source, "method.request", func() bool {
			_, declared := m.RequestParameters[source]
			return declared
		}) {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: %s]", source)
		}
	}
	return nil
}

// validMappingSource reports whether source is something a mapping may read:
// a 'literal', stageVariables.NAME, context.NAME, PREFIX.body[.path], or a
// PREFIX parameter that declared says exists.
func validMappingSource(source, prefix string, declared func() bool) bool {
	switch {
	case len(source) >= 2 && source[0] == '\'' && source[len(source)-1] == '\'':
		return true
	case strings.HasPrefix(source, "stageVariables.") && len(source) > len("stageVariables."):
		return true
	case strings.HasPrefix(source, "context.") && len(source) > len("context."):
		return true
	case source == prefix+".body" || strings.HasPrefix(source, prefix+".body."):
		return true
	case strings.HasPrefix(source, prefix+"."):
		return declared()
	}
	return false
}

// checkConnection verifies that a literal VPC link id names a link.
func (c *Control) checkConnection(ctx context.Context, in *Integration) error {
	if in.ConnectionType != ConnectionVpcLink || in.ConnectionId == "" || stageVariableRef.MatchString(in.ConnectionId) {
		return nil
	}
	if strings.HasPrefix(in.ConnectionId, "${") {
		return badRequest("Invalid connection ID specified: %s; a stage variable reference is written ${stageVariables.NAME}", in.ConnectionId)
	}
	if _, _, err := store.GetJSON[VpcLink](ctx, c.st, vpcLinkKey(in.ConnectionId)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return badRequest("Invalid VPC link identifier specified: %s", in.ConnectionId)
		}
		return err
	}
	return nil
}

// PutIntegration sets (or replaces) a method's integration.
func (c *Control) PutIntegration(ctx context.Context, in *PutIntegrationInput) (*Integration, error) {
	integ := &Integration{
		CacheKeyParameters:  in.CacheKeyParameters,
		CacheNamespace:      strOr(in.CacheNamespace, in.ResourceId),
		ConnectionId:        strOr(in.ConnectionId, ""),
		ConnectionType:      strOr(in.ConnectionType, ConnectionInternet),
		ContentHandling:     strOr(in.ContentHandling, ""),
		Credentials:         strOr(in.Credentials, ""),
		HttpMethod:          strOr(in.IntegrationMethod, ""),
		PassthroughBehavior: strOr(in.PassthroughBehavior, PassthroughWhenNoMatch),
		RequestParameters:   in.RequestParameters,
		RequestTemplates:    in.RequestTemplates,
		TimeoutInMillis:     DefaultTimeoutMillis,
		TlsConfig:           in.TlsConfig,
		Type:                strOr(in.Type, ""),
		Uri:                 strOr(in.Uri, ""),
	}
	if in.TimeoutInMillis != nil {
		integ.TimeoutInMillis = *in.TimeoutInMillis
	}
	if integ.Type == IntegrationMock && in.IntegrationMethod == nil {
		integ.HttpMethod = ""
	}
	if err := c.checkConnection(ctx, integ); err != nil {
		return nil, err
	}
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		_, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if err := validateIntegration(integ, m); err != nil {
			return err
		}
		m.MethodIntegration = integ
		return nil
	})
	if err != nil {
		return nil, err
	}
	return integ, nil
}

func integrationNotFound() error { return notFound("No integration defined for method") }

func findIntegration(rec *apiRecord, in *MethodRef) (*Method, *Integration, error) {
	_, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
	if err != nil {
		return nil, nil, err
	}
	if m.MethodIntegration == nil {
		return m, nil, integrationNotFound()
	}
	return m, m.MethodIntegration, nil
}

// GetIntegration returns a method's integration.
func (c *Control) GetIntegration(ctx context.Context, in *MethodRef) (*Integration, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	_, integ, err := findIntegration(rec, in)
	return integ, err
}

// DeleteIntegration removes a method's integration.
func (c *Control) DeleteIntegration(ctx context.Context, in *MethodRef) error {
	return c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		m, _, err := findIntegration(rec, in)
		if err != nil {
			return err
		}
		m.MethodIntegration = nil
		return nil
	})
}

// integrationPatch is what UpdateIntegration may change.
var integrationPatch = []patchRule[Integration]{
	{"/uri", "replace", setString(func(i *Integration) *string { return &i.Uri })},
	{"/httpMethod", "replace", setString(func(i *Integration) *string { return &i.HttpMethod })},
	{"/type", "replace", setString(func(i *Integration) *string { return &i.Type })},
	{"/connectionType", "replace", setString(func(i *Integration) *string { return &i.ConnectionType })},
	{"/connectionId", "replace remove", setString(func(i *Integration) *string { return &i.ConnectionId })},
	{"/passthroughBehavior", "replace", setString(func(i *Integration) *string { return &i.PassthroughBehavior })},
	{"/contentHandling", "replace remove", setString(func(i *Integration) *string { return &i.ContentHandling })},
	{"/credentials", "replace remove", setString(func(i *Integration) *string { return &i.Credentials })},
	{"/cacheNamespace", "replace", setString(func(i *Integration) *string { return &i.CacheNamespace })},
	{"/timeoutInMillis", "replace", func(i *Integration, op *PatchOperation, _ []string) error {
		n, err := op.intValue(MinTimeoutMillis, DefaultTimeoutMillis)
		i.TimeoutInMillis = int32(n)
		return err
	}},
	{"/requestParameters/{}", "add replace remove", setMapEntry(func(i *Integration) *map[string]string { return &i.RequestParameters }, nil)},
	{"/requestTemplates/{}", "add replace remove", setMapEntry(func(i *Integration) *map[string]string { return &i.RequestTemplates }, nil)},
	{"/cacheKeyParameters/{}", "add remove novalue", func(i *Integration, op *PatchOperation, args []string) error {
		i.CacheKeyParameters = slices.DeleteFunc(i.CacheKeyParameters, func(p string) bool { return p == args[0] })
		if op.Op == "add" {
			i.CacheKeyParameters = append(i.CacheKeyParameters, args[0])
		}
		return nil
	}},
	{"/tlsConfig/insecureSkipVerification", "replace", func(i *Integration, op *PatchOperation, _ []string) error {
		v, err := op.boolValue()
		i.TlsConfig = &TlsConfig{InsecureSkipVerification: v}
		return err
	}},
}

// UpdateIntegration applies a patch to a method's integration.
func (c *Control) UpdateIntegration(ctx context.Context, in *UpdateIntegrationInput) (*Integration, error) {
	var out *Integration
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		m, integ, err := findIntegration(rec, &in.MethodRef)
		if err != nil {
			return err
		}
		if err := applyPatch(integ, in.PatchOperations, integrationPatch); err != nil {
			return err
		}
		if err := validateIntegration(integ, m); err != nil {
			return err
		}
		if err := c.checkConnection(ctx, integ); err != nil {
			return err
		}
		out = integ
		return nil
	})
	return out, err
}

// validateIntegrationResponse checks a response's selection pattern (a
// regular expression over the backend's status code) and its header
// mappings, whose targets the method response must declare.
func validateIntegrationResponse(ir *IntegrationResponse, mr *MethodResponse) error {
	if _, err := regexp.Compile(ir.SelectionPattern); err != nil {
		return badRequest("Invalid selection pattern specified: %s", ir.SelectionPattern)
	}
	for target, source := range ir.ResponseParameters {
		if _, declared := mr.ResponseParameters[target]; !declared {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: %s]", target)
		}
		if !validMappingSource(source, "integration.response", func() bool {
			return validParameterName(source, "integration.response", []string{"header", "multivalueheader"})
		}) {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: %s]", source)
		}
	}
	switch ir.ContentHandling {
	case "", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT":
	default:
		return badRequest("Invalid content handling specified: %s. Must be one of: [CONVERT_TO_BINARY, CONVERT_TO_TEXT]", ir.ContentHandling)
	}
	return nil
}

// PutIntegrationResponse maps the integration's answers to the method
// response with the status code, which must be declared first.
func (c *Control) PutIntegrationResponse(ctx context.Context, in *PutIntegrationResponseInput) (*IntegrationResponse, error) {
	if err := validateStatusCode(in.StatusCode); err != nil {
		return nil, err
	}
	ir := &IntegrationResponse{
		ContentHandling:    strOr(in.ContentHandling, ""),
		ResponseParameters: in.ResponseParameters,
		ResponseTemplates:  in.ResponseTemplates,
		SelectionPattern:   strOr(in.SelectionPattern, ""),
		StatusCode:         in.StatusCode,
	}
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		m, integ, err := findIntegration(rec, &in.MethodRef)
		if err != nil {
			return err
		}
		mr := m.MethodResponses[in.StatusCode]
		if mr == nil {
			return responseNotFound()
		}
		if err := validateIntegrationResponse(ir, mr); err != nil {
			return err
		}
		if integ.IntegrationResponses == nil {
			integ.IntegrationResponses = map[string]*IntegrationResponse{}
		}
		integ.IntegrationResponses[in.StatusCode] = ir
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ir, nil
}

func findIntegrationResponse(rec *apiRecord, in *MethodResponseRef) (*Method, *Integration, *IntegrationResponse, error) {
	m, integ, err := findIntegration(rec, &in.MethodRef)
	if err != nil {
		return nil, nil, nil, err
	}
	ir := integ.IntegrationResponses[in.StatusCode]
	if ir == nil {
		return m, integ, nil, responseNotFound()
	}
	return m, integ, ir, nil
}

// GetIntegrationResponse returns an integration response.
func (c *Control) GetIntegrationResponse(ctx context.Context, in *MethodResponseRef) (*IntegrationResponse, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	_, _, ir, err := findIntegrationResponse(rec, in)
	return ir, err
}

// DeleteIntegrationResponse removes an integration response.
func (c *Control) DeleteIntegrationResponse(ctx context.Context, in *MethodResponseRef) error {
	return c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		_, integ, _, err := findIntegrationResponse(rec, in)
		if err != nil {
			return err
		}
		delete(integ.IntegrationResponses, in.StatusCode)
		return nil
	})
}

// integrationResponsePatch is what UpdateIntegrationResponse may change.
var integrationResponsePatch = []patchRule[IntegrationResponse]{
	{"/selectionPattern", "replace remove", setString(func(ir *IntegrationResponse) *string { return &ir.SelectionPattern })},
	{"/contentHandling", "replace remove", setString(func(ir *IntegrationResponse) *string { return &ir.ContentHandling })},
	{"/responseParameters/{}", "add replace remove", setMapEntry(func(ir *IntegrationResponse) *map[string]string { return &ir.ResponseParameters }, nil)},
	{"/responseTemplates/{}", "add replace remove", setMapEntry(func(ir *IntegrationResponse) *map[string]string { return &ir.ResponseTemplates }, nil)},
}

// UpdateIntegrationResponse applies a patch to an integration response.
func (c *Control) UpdateIntegrationResponse(ctx context.Context, in *UpdateIntegrationResponseInput) (*IntegrationResponse, error) {
	var out *IntegrationResponse
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		m, _, ir, err := findIntegrationResponse(rec, &in.MethodResponseRef)
		if err != nil {
			return err
		}
		if err := applyPatch(ir, in.PatchOperations, integrationResponsePatch); err != nil {
			return err
		}
		mr := m.MethodResponses[in.StatusCode]
		if mr == nil {
			return responseNotFound()
		}
		out = ir
		return validateIntegrationResponse(ir, mr)
	})
	return out, err
}
