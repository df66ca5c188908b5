package restapi

import (
	"encoding/json"
	"strconv"
	"time"
)

// Wire shapes of API Gateway v1 (apigateway, restJson1). Member names are
// AWS's, lowerCamelCase on the wire, checked against the field names that
// aws-sdk-go-v2/service/apigateway (v1.40.2) deserializes. The same structs
// are the outputs of the Go API, so in-process callers (the CloudFormation
// deployer) see what SDK clients see, and the records the store keeps.

// Values AWS defines for enumerated members.
const (
	EndpointRegional = "REGIONAL"
	EndpointEdge     = "EDGE"
	EndpointPrivate  = "PRIVATE"

	APIKeySourceHeader     = "HEADER"
	APIKeySourceAuthorizer = "AUTHORIZER"

	AuthorizationNone    = "NONE"
	AuthorizationIAM     = "AWS_IAM"
	AuthorizationCognito = "COGNITO_USER_POOLS"
	AuthorizationCustom  = "CUSTOM"

	IntegrationHTTPProxy = "HTTP_PROXY"
	IntegrationHTTP      = "HTTP"
	IntegrationMock      = "MOCK"
	IntegrationAWS       = "AWS"
	IntegrationAWSProxy  = "AWS_PROXY"

	ConnectionInternet = "INTERNET"
	ConnectionVpcLink  = "VPC_LINK"

	PassthroughWhenNoMatch     = "WHEN_NO_MATCH"
	PassthroughWhenNoTemplates = "WHEN_NO_TEMPLATES"
	PassthroughNever           = "NEVER"

	VpcLinkPending   = "PENDING"
	VpcLinkAvailable = "AVAILABLE"
	VpcLinkFailed    = "FAILED"
	VpcLinkDeleting  = "DELETING"

	QuotaDay   = "DAY"
	QuotaWeek  = "WEEK"
	QuotaMonth = "MONTH"

	// UsagePlanKeyTypeAPIKey is the only usage plan key type AWS has.
	UsagePlanKeyTypeAPIKey = "API_KEY"

	// AnyMethod is the httpMethod that matches every verb.
	AnyMethod = "ANY"

	// AllMethodSettings is the methodSettings key of the stage-wide
	// settings ("*/*" in patch paths: every resource, every method).
	AllMethodSettings = "*/*"

	// DefaultTimeoutMillis is an integration's timeoutInMillis when none
	// is given, and the largest allowed (29 seconds).
	DefaultTimeoutMillis = 29000
	MinTimeoutMillis     = 50

	// Account-level throttling AWS reports (and applies) when nothing
	// narrower is set: 10,000 requests per second, burst 5,000.
	DefaultRateLimit  = 10000.0
	DefaultBurstLimit = 5000
)

// Timestamp travels as epoch seconds: apigateway's model has no
// timestampFormat, so restJson1's default applies (the SDK parses them with
// ParseEpochSeconds), unlike apigatewayv2's ISO 8601 strings.
type Timestamp time.Time

func now() Timestamp { return Timestamp(time.Now().UTC().Truncate(time.Second)) }

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

func (t Timestamp) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, time.Time(t).Unix(), 10), nil
}

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return ErrBadRequest.Newf("invalid timestamp %s", s)
	}
	sec := int64(f)
	*t = Timestamp(time.Unix(sec, int64((f-float64(sec))*1e9)).UTC())
	return nil
}

// RestApi is a REST API.
type RestApi struct {
	ApiKeySource              string                 `json:"apiKeySource,omitempty"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	CreatedDate               Timestamp              `json:"createdDate"`
	Description               string                 `json:"description,omitempty"`
	DisableExecuteApiEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration,omitempty"`
	Id                        string                 `json:"id"`
	MinimumCompressionSize    *int32                 `json:"minimumCompressionSize,omitempty"`
	Name                      string                 `json:"name"`
	// Policy is the resource policy, a JSON document as a string.
	Policy         string            `json:"policy,omitempty"`
	RootResourceId string            `json:"rootResourceId,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	Version        string            `json:"version,omitempty"`
	Warnings       []string          `json:"warnings,omitempty"`
}

// EndpointConfiguration says how an API is reached.
type EndpointConfiguration struct {
	IpAddressType  string   `json:"ipAddressType,omitempty"`
	Types          []string `json:"types,omitempty"`
	VpcEndpointIds []string `json:"vpcEndpointIds,omitempty"`
}

// IsPrivate reports whether the API is served only through VPC endpoints.
func (a *RestApi) IsPrivate() bool {
	if a.EndpointConfiguration == nil {
		return false
	}
	for _, t := range a.EndpointConfiguration.Types {
		if t == EndpointPrivate {
			return true
		}
	}
	return false
}

// Resource is one node of an API's resource tree.
type Resource struct {
	Id       string `json:"id"`
	ParentId string `json:"parentId,omitempty"`
	// Path is the full path ("/", "/pets/{petId}", "/{proxy+}").
	Path     string `json:"path"`
	PathPart string `json:"pathPart,omitempty"`
	// ResourceMethods by HTTP method (ANY included).
	ResourceMethods map[string]*Method `json:"resourceMethods,omitempty"`
}

// Method is what a resource answers to one HTTP method.
type Method struct {
	ApiKeyRequired      bool                       `json:"apiKeyRequired"`
	AuthorizationScopes []string                   `json:"authorizationScopes,omitempty"`
	AuthorizationType   string                     `json:"authorizationType"`
	AuthorizerId        string                     `json:"authorizerId,omitempty"`
	HttpMethod          string                     `json:"httpMethod"`
	MethodIntegration   *Integration               `json:"methodIntegration,omitempty"`
	MethodResponses     map[string]*MethodResponse `json:"methodResponses,omitempty"`
	OperationName       string                     `json:"operationName,omitempty"`
	RequestModels       map[string]string          `json:"requestModels,omitempty"`
	// RequestParameters: "method.request.{querystring|path|header}.NAME"
	// to whether it is required.
	RequestParameters  map[string]bool `json:"requestParameters,omitempty"`
	RequestValidatorId string          `json:"requestValidatorId,omitempty"`
}

// MarshalJSON encodes a bare method (GetResources without embed=methods
// lists methods by name only) as {}, as AWS does.
func (m *Method) MarshalJSON() ([]byte, error) {
	if m.HttpMethod == "" {
		return []byte("{}"), nil
	}
	type plain Method // without this method
	return json.Marshal((*plain)(m))
}

// MethodResponse declares a status a method may answer and the headers and
// models it may carry.
type MethodResponse struct {
	ResponseModels map[string]string `json:"responseModels,omitempty"`
	// ResponseParameters: "method.response.header.NAME" to required.
	ResponseParameters map[string]bool `json:"responseParameters,omitempty"`
	StatusCode         string          `json:"statusCode"`
}

// Integration is where a method sends requests.
type Integration struct {
	CacheKeyParameters []string `json:"cacheKeyParameters,omitempty"`
	CacheNamespace     string   `json:"cacheNamespace,omitempty"`
	// ConnectionId is a VPC link id or "${stageVariables.NAME}".
	ConnectionId         string                          `json:"connectionId,omitempty"`
	ConnectionType       string                          `json:"connectionType,omitempty"`
	ContentHandling      string                          `json:"contentHandling,omitempty"`
	Credentials          string                          `json:"credentials,omitempty"`
	HttpMethod           string                          `json:"httpMethod,omitempty"`
	IntegrationResponses map[string]*IntegrationResponse `json:"integrationResponses,omitempty"`
	PassthroughBehavior  string                          `json:"passthroughBehavior,omitempty"`
	// RequestParameters: "integration.request.{path|querystring|header}.NAME"
	// to a source ("method.request.path.proxy", "'static'",
	// "stageVariables.NAME", "context.NAME").
	RequestParameters map[string]string `json:"requestParameters,omitempty"`
	// RequestTemplates by content type.
	RequestTemplates map[string]string `json:"requestTemplates,omitempty"`
	TimeoutInMillis  int32             `json:"timeoutInMillis"`
	TlsConfig        *TlsConfig        `json:"tlsConfig,omitempty"`
	Type             string            `json:"type"`
	Uri              string            `json:"uri,omitempty"`
}

// TlsConfig is an integration's TLS settings.
type TlsConfig struct {
	InsecureSkipVerification bool `json:"insecureSkipVerification"`
}

// IntegrationResponse maps an integration's answer to a method response:
// the first whose selectionPattern (a regexp over the backend's status code
// for HTTP integrations) matches wins; the one without a pattern is the
// default.
type IntegrationResponse struct {
	ContentHandling string `json:"contentHandling,omitempty"`
	// ResponseParameters: "method.response.header.NAME" to a source
	// ("integration.response.header.NAME", "'static'").
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	StatusCode         string            `json:"statusCode"`
}

// Deployment is an immutable snapshot of an API's resources and methods.
type Deployment struct {
	// ApiSummary: path to method to its authorization summary.
	ApiSummary  map[string]map[string]MethodSnapshot `json:"apiSummary,omitempty"`
	CreatedDate Timestamp                            `json:"createdDate"`
	Description string                               `json:"description,omitempty"`
	Id          string                               `json:"id"`
}

// MethodSnapshot is a method as a deployment's apiSummary lists it.
type MethodSnapshot struct {
	ApiKeyRequired    bool   `json:"apiKeyRequired"`
	AuthorizationType string `json:"authorizationType"`
}

// Stage is a named reference to a deployment that clients call.
type Stage struct {
	AccessLogSettings    *AccessLogSettings `json:"accessLogSettings,omitempty"`
	CacheClusterEnabled  bool               `json:"cacheClusterEnabled"`
	CacheClusterSize     string             `json:"cacheClusterSize,omitempty"`
	CacheClusterStatus   string             `json:"cacheClusterStatus,omitempty"`
	ClientCertificateId  string             `json:"clientCertificateId,omitempty"`
	CreatedDate          Timestamp          `json:"createdDate"`
	DeploymentId         string             `json:"deploymentId,omitempty"`
	Description          string             `json:"description,omitempty"`
	DocumentationVersion string             `json:"documentationVersion,omitempty"`
	LastUpdatedDate      Timestamp          `json:"lastUpdatedDate"`
	// MethodSettings by "*/*" (the whole stage) or "RESOURCE_PATH/METHOD"
	// with the path's slashes written "~1" ("~1pets/GET"), as the patch
	// paths that set them spell them.
	MethodSettings map[string]*MethodSetting `json:"methodSettings,omitempty"`
	StageName      string                    `json:"stageName"`
	Tags           map[string]string         `json:"tags,omitempty"`
	TracingEnabled bool                      `json:"tracingEnabled"`
	Variables      map[string]string         `json:"variables,omitempty"`
	WebAclArn      string                    `json:"webAclArn,omitempty"`
}

// AccessLogSettings says where and how a stage writes access logs.
type AccessLogSettings struct {
	DestinationArn string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// MethodSetting is a stage's settings for every method ("*/*") or one.
type MethodSetting struct {
	CacheDataEncrypted                     bool    `json:"cacheDataEncrypted"`
	CacheTtlInSeconds                      int32   `json:"cacheTtlInSeconds"`
	CachingEnabled                         bool    `json:"cachingEnabled"`
	DataTraceEnabled                       bool    `json:"dataTraceEnabled"`
	LoggingLevel                           string  `json:"loggingLevel,omitempty"`
	MetricsEnabled                         bool    `json:"metricsEnabled"`
	RequireAuthorizationForCacheControl    bool    `json:"requireAuthorizationForCacheControl"`
	ThrottlingBurstLimit                   int32   `json:"throttlingBurstLimit"`
	ThrottlingRateLimit                    float64 `json:"throttlingRateLimit"`
	UnauthorizedCacheControlHeaderStrategy string  `json:"unauthorizedCacheControlHeaderStrategy,omitempty"`
}

// VpcLink (v1) connects an API to a Network Load Balancer.
type VpcLink struct {
	Description   string            `json:"description,omitempty"`
	Id            string            `json:"id"`
	Name          string            `json:"name"`
	Status        string            `json:"status"`
	StatusMessage string            `json:"statusMessage,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	// TargetArns holds exactly one NLB ARN.
	TargetArns []string `json:"targetArns"`
}

// ApiKey identifies a caller of methods with apiKeyRequired.
type ApiKey struct {
	CreatedDate     Timestamp         `json:"createdDate"`
	CustomerId      string            `json:"customerId,omitempty"`
	Description     string            `json:"description,omitempty"`
	Enabled         bool              `json:"enabled"`
	Id              string            `json:"id"`
	LastUpdatedDate Timestamp         `json:"lastUpdatedDate"`
	Name            string            `json:"name,omitempty"`
	StageKeys       []string          `json:"stageKeys,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	// Value is answered only by creates and includeValue=true reads.
	Value string `json:"value,omitempty"`
}

// UsagePlan throttles and meters the API keys it holds on its API stages.
type UsagePlan struct {
	ApiStages   []ApiStage        `json:"apiStages,omitempty"`
	Description string            `json:"description,omitempty"`
	Id          string            `json:"id"`
	Name        string            `json:"name"`
	ProductCode string            `json:"productCode,omitempty"`
	Quota       *QuotaSettings    `json:"quota,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Throttle    *ThrottleSettings `json:"throttle,omitempty"`
}

// ApiStage is a stage a usage plan covers, with per-method throttles keyed
// "RESOURCE_PATH/METHOD" ("/pets/GET").
type ApiStage struct {
	ApiId    string                       `json:"apiId"`
	Stage    string                       `json:"stage"`
	Throttle map[string]*ThrottleSettings `json:"throttle,omitempty"`
}

// ThrottleSettings is a token bucket: rateLimit per second, burstLimit deep.
type ThrottleSettings struct {
	BurstLimit int32   `json:"burstLimit"`
	RateLimit  float64 `json:"rateLimit"`
}

// QuotaSettings caps requests per period; offset shifts the period start
// (days into a WEEK or MONTH).
type QuotaSettings struct {
	Limit  int32  `json:"limit"`
	Offset int32  `json:"offset"`
	Period string `json:"period"`
}

// UsagePlanKey is an API key as a usage plan holds it.
type UsagePlanKey struct {
	Id    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
}

// Account is the region's API Gateway settings.
type Account struct {
	ApiKeyVersion     string            `json:"apiKeyVersion,omitempty"`
	CloudwatchRoleArn string            `json:"cloudwatchRoleArn,omitempty"`
	Features          []string          `json:"features,omitempty"`
	ThrottleSettings  *ThrottleSettings `json:"throttleSettings,omitempty"`
}

// DeploymentConfig is what a deployment freezes: the API's resource tree
// with its methods and integrations, and its resource policy (a policy
// change takes effect on the next deployment, as on AWS). The gateway
// serves a stage from its deployment's config only.
type DeploymentConfig struct {
	// Resources in path order, the root ("/") first.
	Resources []*Resource `json:",omitempty"`
	// Policy is the resource policy document (JSON), "" for none.
	Policy string `json:",omitempty"`
}

// apiRecord is what the store keeps of an API: the API and its resource
// tree (with methods and integrations) by resource id.
type apiRecord struct {
	RestApi
	Resources map[string]*Resource
}

// planKeyRecord is one API key held by a usage plan.
type planKeyRecord struct {
	UsagePlanId string
	KeyId       string
}
