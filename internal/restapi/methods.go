package restapi

import (
	"context"
	"slices"
	"strings"
)

type PutMethodInput struct {
	RestApiId           string            `json:"-"`
	ResourceId          string            `json:"-"`
	HttpMethod          string            `json:"-"`
	ApiKeyRequired      *bool             `json:"apiKeyRequired,omitempty"`
	AuthorizationScopes []string          `json:"authorizationScopes,omitempty"`
	AuthorizationType   *string           `json:"authorizationType,omitempty"`
	AuthorizerId        *string           `json:"authorizerId,omitempty"`
	OperationName       *string           `json:"operationName,omitempty"`
	RequestModels       map[string]string `json:"requestModels,omitempty"`
	RequestParameters   map[string]bool   `json:"requestParameters,omitempty"`
	RequestValidatorId  *string           `json:"requestValidatorId,omitempty"`
}

// MethodRef names a method of a resource.
type MethodRef struct {
	RestApiId  string `json:"-"`
	ResourceId string `json:"-"`
	HttpMethod string `json:"-"`
}

type UpdateMethodInput struct {
	MethodRef
	PatchInput
}

type PutMethodResponseInput struct {
	MethodRef
	StatusCode         string            `json:"-"`
	ResponseModels     map[string]string `json:"responseModels,omitempty"`
	ResponseParameters map[string]bool   `json:"responseParameters,omitempty"`
}

// MethodResponseRef names a method response.
type MethodResponseRef struct {
	MethodRef
	StatusCode string `json:"-"`
}

type UpdateMethodResponseInput struct {
	MethodResponseRef
	PatchInput
}

var httpMethods = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", AnyMethod}

func validateHTTPMethod(m string) error {
	if !slices.Contains(httpMethods, m) {
		return badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
	}
	return nil
}

func validateAuthorization(m *Method) error {
	switch m.AuthorizationType {
	case AuthorizationNone, AuthorizationIAM:
	case AuthorizationCognito:
		if m.AuthorizerId == "" {
			return badRequest("Invalid authorizer ID specified. Setting the authorization type to COGNITO_USER_POOLS requires a valid authorizer.")
		}
	case AuthorizationCustom:
		return badRequest("Authorization type CUSTOM (a Lambda authorizer) is not supported by Portolan: there is no Lambda here; use NONE, AWS_IAM or COGNITO_USER_POOLS")
	case "":
		return badRequest("Invalid authorization type specified: an authorizationType is required (NONE, AWS_IAM, COGNITO_USER_POOLS)")
	default:
		return badRequest("Invalid authorization type specified: %s. Must be one of: [NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS]", m.AuthorizationType)
	}
	return nil
}

// Request parameter locations AWS maps from and to.
var parameterLocations = []string{"path", "querystring", "header", "multivaluequerystring", "multivalueheader"}

// validParameterName checks "PREFIX.LOCATION.NAME" against the locations
// allowed ("method.request" with the path, query string and header ones).
func validParameterName(name, prefix string, locations []string) bool {
	rest, ok := strings.CutPrefix(name, prefix+".")
	if !ok {
		return false
	}
	loc, param, ok := strings.Cut(rest, ".")
	return ok && param != "" && slices.Contains(locations, loc) && !strings.ContainsAny(param, " \t\r\n")
}

func validateMethodParameters(params map[string]bool) error {
	for name := range params {
		if !validParameterName(name, "method.request", parameterLocations) {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method request parameter name specified: %s]", name)
		}
	}
	return nil
}

func methodNotFound() error { return notFound("Invalid Method identifier specified") }

// findMethod locates a method in an API's record.
func findMethod(rec *apiRecord, resourceID, verb string) (*Resource, *Method, error) {
	r := rec.Resources[resourceID]
	if r == nil {
		return nil, nil, resourceNotFound()
	}
	m := r.ResourceMethods[verb]
	if m == nil {
		return r, nil, methodNotFound()
	}
	return r, m, nil
}

// PutMethod adds a method to a resource.
func (c *Control) PutMethod(ctx context.Context, in *PutMethodInput) (*Method, error) {
	if err := validateHTTPMethod(in.HttpMethod); err != nil {
		return nil, err
	}
	m := &Method{
		ApiKeyRequired:      in.ApiKeyRequired != nil && *in.ApiKeyRequired,
		AuthorizationScopes: in.AuthorizationScopes,
		AuthorizationType:   strOr(in.AuthorizationType, ""),
		AuthorizerId:        strOr(in.AuthorizerId, ""),
		HttpMethod:          in.HttpMethod,
		OperationName:       strOr(in.OperationName, ""),
		RequestModels:       in.RequestModels,
		RequestParameters:   in.RequestParameters,
		RequestValidatorId:  strOr(in.RequestValidatorId, ""),
	}
	if err := validateAuthorization(m); err != nil {
		return nil, err
	}
	if err := validateMethodParameters(m.RequestParameters); err != nil {
		return nil, err
	}
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		r, existing, _ := findMethod(rec, in.ResourceId, in.HttpMethod)
		if r == nil {
			return resourceNotFound()
		}
		if existing != nil {
			return conflict("Method already exists for this resource")
		}
		if r.ResourceMethods == nil {
			r.ResourceMethods = map[string]*Method{}
		}
		r.ResourceMethods[in.HttpMethod] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// GetMethod returns a method with its integration and responses.
func (c *Control) GetMethod(ctx context.Context, in *MethodRef) (*Method, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	_, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
	return m, err
}

// DeleteMethod deletes a method with its integration and responses.
func (c *Control) DeleteMethod(ctx context.Context, in *MethodRef) error {
	return c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		r, _, err := findMethod(rec, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		delete(r.ResourceMethods, in.HttpMethod)
		return nil
	})
}

// methodPatch is what UpdateMethod may change.
var methodPatch = []patchRule[Method]{
	{"/authorizationType", "replace", setString(func(m *Method) *string { return &m.AuthorizationType })},
	{"/authorizerId", "replace remove", setString(func(m *Method) *string { return &m.AuthorizerId })},
	{"/operationName", "replace remove", setString(func(m *Method) *string { return &m.OperationName })},
	{"/requestValidatorId", "replace remove", setString(func(m *Method) *string { return &m.RequestValidatorId })},
	{"/apiKeyRequired", "replace", func(m *Method, op *PatchOperation, _ []string) (err error) {
		m.ApiKeyRequired, err = op.boolValue()
		return err
	}},
	{"/requestParameters/{}", "add replace remove novalue", func(m *Method, op *PatchOperation, args []string) error {
		if op.Op == "remove" {
			delete(m.RequestParameters, args[0])
			return nil
		}
		required := false
		if op.Value != nil {
			var err error
			if required, err = op.boolValue(); err != nil {
				return err
			}
		}
		if m.RequestParameters == nil {
			m.RequestParameters = map[string]bool{}
		}
		m.RequestParameters[args[0]] = required
		return nil
	}},
	{"/requestModels/{}", "add replace remove", setMapEntry(func(m *Method) *map[string]string { return &m.RequestModels }, nil)},
	{"/authorizationScopes", "add remove", func(m *Method, op *PatchOperation, _ []string) error {
		m.AuthorizationScopes = slices.DeleteFunc(m.AuthorizationScopes, func(s string) bool { return s == op.str() })
		if op.Op == "add" {
			m.AuthorizationScopes = append(m.AuthorizationScopes, op.str())
		}
		return nil
	}},
}

// UpdateMethod applies a patch to a method.
func (c *Control) UpdateMethod(ctx context.Context, in *UpdateMethodInput) (*Method, error) {
	var out *Method
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		r, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if err := applyPatch(m, in.PatchOperations, methodPatch); err != nil {
			return err
		}
		if err := validateAuthorization(m); err != nil {
			return err
		}
		if err := validateMethodParameters(m.RequestParameters); err != nil {
			return err
		}
		r.ResourceMethods[in.HttpMethod] = m
		out = m
		return nil
	})
	return out, err
}

func validateStatusCode(code string) error {
	if len(code) != 3 || code[0] < '1' || code[0] > '5' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
		return badRequest("Invalid status code specified: '%s'. Must be a three-digit HTTP status code between 100 and 599", code)
	}
	return nil
}

func validateResponseParameterNames(params map[string]bool) error {
	for name := range params {
		if !validParameterName(name, "method.response", []string{"header"}) {
			return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method response parameter name specified: %s]", name)
		}
	}
	return nil
}

func responseNotFound() error { return notFound("Invalid Response status code specified") }

// PutMethodResponse declares (or redeclares) a status a method may answer.
func (c *Control) PutMethodResponse(ctx context.Context, in *PutMethodResponseInput) (*MethodResponse, error) {
	if err := validateStatusCode(in.StatusCode); err != nil {
		return nil, err
	}
	if err := validateResponseParameterNames(in.ResponseParameters); err != nil {
		return nil, err
	}
	mr := &MethodResponse{StatusCode: in.StatusCode, ResponseModels: in.ResponseModels, ResponseParameters: in.ResponseParameters}
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		_, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]*MethodResponse{}
		}
		m.MethodResponses[in.StatusCode] = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	return mr, nil
}

func findMethodResponse(rec *apiRecord, in *MethodResponseRef) (*Method, *MethodResponse, error) {
	_, m, err := findMethod(rec, in.ResourceId, in.HttpMethod)
	if err != nil {
		return nil, nil, err
	}
	mr := m.MethodResponses[in.StatusCode]
	if mr == nil {
		return m, nil, responseNotFound()
	}
	return m, mr, nil
}

// GetMethodResponse returns a method response.
func (c *Control) GetMethodResponse(ctx context.Context, in *MethodResponseRef) (*MethodResponse, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	_, mr, err := findMethodResponse(rec, in)
	return mr, err
}

// DeleteMethodResponse removes a method response.
func (c *Control) DeleteMethodResponse(ctx context.Context, in *MethodResponseRef) error {
	return c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		m, _, err := findMethodResponse(rec, in)
		if err != nil {
			return err
		}
		delete(m.MethodResponses, in.StatusCode)
		return nil
	})
}

// methodResponsePatch is what UpdateMethodResponse may change.
var methodResponsePatch = []patchRule[MethodResponse]{
	{"/responseParameters/{}", "add replace remove novalue", func(mr *MethodResponse, op *PatchOperation, args []string) error {
		if op.Op == "remove" {
			delete(mr.ResponseParameters, args[0])
			return nil
		}
		required := false
		if op.Value != nil {
			var err error
			if required, err = op.boolValue(); err != nil {
				return err
			}
		}
		if mr.ResponseParameters == nil {
			mr.ResponseParameters = map[string]bool{}
		}
		mr.ResponseParameters[args[0]] = required
		return nil
	}},
	{"/responseModels/{}", "add replace remove", setMapEntry(func(mr *MethodResponse) *map[string]string { return &mr.ResponseModels }, nil)},
}

// UpdateMethodResponse applies a patch to a method response.
func (c *Control) UpdateMethodResponse(ctx context.Context, in *UpdateMethodResponseInput) (*MethodResponse, error) {
	var out *MethodResponse
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		_, mr, err := findMethodResponse(rec, &in.MethodResponseRef)
		if err != nil {
			return err
		}
		if err := applyPatch(mr, in.PatchOperations, methodResponsePatch); err != nil {
			return err
		}
		out = mr
		return validateResponseParameterNames(mr.ResponseParameters)
	})
	return out, err
}
