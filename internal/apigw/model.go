package apigw

import "time"

// Wire shapes of apigatewayv2 (restJson1). Member names are AWS's,
// lowerCamelCase on the wire, checked against the field names that
// aws-sdk-go-v2/service/apigatewayv2 (v1.35.2) deserializes. The same structs
// are the outputs of the Go API, so in-process callers (the CloudFormation
// deployer) see exactly what SDK clients see.

// Values AWS defines for enumerated members.
const (
	ProtocolHTTP = "HTTP"

	IntegrationHTTPProxy = "HTTP_PROXY"

	ConnectionInternet = "INTERNET"
	ConnectionVpcLink  = "VPC_LINK"

	AuthorizationNone = "NONE"
	AuthorizationJWT  = "JWT"

	AuthorizerJWT     = "JWT"
	AuthorizerRequest = "REQUEST"

	DeploymentDeployed = "DEPLOYED"

	VpcLinkAvailable = "AVAILABLE"
	VpcLinkV2        = "V2"

	// DefaultStageName is the stage served at the root of the API endpoint.
	DefaultStageName = "$default"
)

// Timestamp travels as an ISO 8601 string: apigatewayv2's model marks its
// timestamps __timestampIso8601 (the SDK parses them with ParseDateTime),
// unlike the epoch seconds of the awsJson services.
type Timestamp time.Time

func now() Timestamp { return Timestamp(time.Now().UTC().Truncate(time.Second)) }

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) < 2 || s[0] != '"' {
		return ErrBadRequest.Newf("invalid timestamp %s", s)
	}
	tt, err := time.Parse(time.RFC3339Nano, s[1:len(s)-1])
	if err != nil {
		return ErrBadRequest.Newf("invalid timestamp %s", s)
	}
	*t = Timestamp(tt)
	return nil
}

// Api is an HTTP API.
type Api struct {
	ApiEndpoint               string            `json:"apiEndpoint,omitempty"`
	ApiGatewayManaged         bool              `json:"apiGatewayManaged,omitempty"`
	ApiId                     string            `json:"apiId"`
	ApiKeySelectionExpression string            `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors             `json:"corsConfiguration,omitempty"`
	CreatedDate               Timestamp         `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteApiEndpoint bool              `json:"disableExecuteApiEndpoint"`
	DisableSchemaValidation   bool              `json:"disableSchemaValidation,omitempty"`
	IpAddressType             string            `json:"ipAddressType,omitempty"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags,omitempty"`
	Version                   string            `json:"version,omitempty"`
	Warnings                  []string          `json:"warnings,omitempty"`
}

// Cors is an API's corsConfiguration.
type Cors struct {
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int32   `json:"maxAge,omitempty"`
}

// Route is a route of an API.
type Route struct {
	ApiGatewayManaged                bool                            `json:"apiGatewayManaged,omitempty"`
	ApiKeyRequired                   bool                            `json:"apiKeyRequired"`
	AuthorizationScopes              []string                        `json:"authorizationScopes,omitempty"`
	AuthorizationType                string                          `json:"authorizationType"`
	AuthorizerId                     string                          `json:"authorizerId,omitempty"`
	ModelSelectionExpression         string                          `json:"modelSelectionExpression,omitempty"`
	OperationName                    string                          `json:"operationName,omitempty"`
	RequestModels                    map[string]string               `json:"requestModels,omitempty"`
	RequestParameters                map[string]ParameterConstraints `json:"requestParameters,omitempty"`
	RouteId                          string                          `json:"routeId"`
	RouteKey                         string                          `json:"routeKey"`
	RouteResponseSelectionExpression string                          `json:"routeResponseSelectionExpression,omitempty"`
	Target                           string                          `json:"target,omitempty"`
}

// ParameterConstraints is a route request parameter's constraints.
type ParameterConstraints struct {
	Required bool `json:"required"`
}

// Integration is where a route sends requests.
type Integration struct {
	ApiGatewayManaged                      bool                         `json:"apiGatewayManaged,omitempty"`
	ConnectionId                           string                       `json:"connectionId,omitempty"`
	ConnectionType                         string                       `json:"connectionType"`
	ContentHandlingStrategy                string                       `json:"contentHandlingStrategy,omitempty"`
	CredentialsArn                         string                       `json:"credentialsArn,omitempty"`
	Description                            string                       `json:"description,omitempty"`
	IntegrationId                          string                       `json:"integrationId"`
	IntegrationMethod                      string                       `json:"integrationMethod,omitempty"`
	IntegrationResponseSelectionExpression string                       `json:"integrationResponseSelectionExpression,omitempty"`
	IntegrationSubtype                     string                       `json:"integrationSubtype,omitempty"`
	IntegrationType                        string                       `json:"integrationType"`
	IntegrationUri                         string                       `json:"integrationUri,omitempty"`
	PassthroughBehavior                    string                       `json:"passthroughBehavior,omitempty"`
	PayloadFormatVersion                   string                       `json:"payloadFormatVersion,omitempty"`
	RequestParameters                      map[string]string            `json:"requestParameters,omitempty"`
	RequestTemplates                       map[string]string            `json:"requestTemplates,omitempty"`
	ResponseParameters                     map[string]map[string]string `json:"responseParameters,omitempty"`
	TemplateSelectionExpression            string                       `json:"templateSelectionExpression,omitempty"`
	TimeoutInMillis                        int32                        `json:"timeoutInMillis"`
	TlsConfig                              *TlsConfig                   `json:"tlsConfig,omitempty"`
}

// TlsConfig is an integration's TLS settings.
type TlsConfig struct {
	ServerNameToVerify string `json:"serverNameToVerify,omitempty"`
}

// Stage is a named snapshot of an API that clients call.
type Stage struct {
	AccessLogSettings           *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	ApiGatewayManaged           bool                     `json:"apiGatewayManaged,omitempty"`
	AutoDeploy                  bool                     `json:"autoDeploy"`
	ClientCertificateId         string                   `json:"clientCertificateId,omitempty"`
	CreatedDate                 Timestamp                `json:"createdDate"`
	DefaultRouteSettings        *RouteSettings           `json:"defaultRouteSettings,omitempty"`
	DeploymentId                string                   `json:"deploymentId,omitempty"`
	Description                 string                   `json:"description,omitempty"`
	LastDeploymentStatusMessage string                   `json:"lastDeploymentStatusMessage,omitempty"`
	LastUpdatedDate             Timestamp                `json:"lastUpdatedDate"`
	RouteSettings               map[string]RouteSettings `json:"routeSettings,omitempty"`
	StageName                   string                   `json:"stageName"`
	StageVariables              map[string]string        `json:"stageVariables,omitempty"`
	Tags                        map[string]string        `json:"tags,omitempty"`
}

// AccessLogSettings says where and how a stage writes access logs.
type AccessLogSettings struct {
	DestinationArn string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// RouteSettings are a stage's per-route (or default) settings. Throttling is
// stored here for the throttling work to enforce.
type RouteSettings struct {
	DataTraceEnabled       *bool    `json:"dataTraceEnabled,omitempty"`
	DetailedMetricsEnabled *bool    `json:"detailedMetricsEnabled,omitempty"`
	LoggingLevel           string   `json:"loggingLevel,omitempty"`
	ThrottlingBurstLimit   *int32   `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit    *float64 `json:"throttlingRateLimit,omitempty"`
}

// Deployment is an immutable snapshot of an API's routes and integrations.
type Deployment struct {
	AutoDeployed            bool      `json:"autoDeployed"`
	CreatedDate             Timestamp `json:"createdDate"`
	DeploymentId            string    `json:"deploymentId"`
	DeploymentStatus        string    `json:"deploymentStatus"`
	DeploymentStatusMessage string    `json:"deploymentStatusMessage,omitempty"`
	Description             string    `json:"description,omitempty"`
}

// VpcLink lets private integrations reach resources in a VPC.
type VpcLink struct {
	CreatedDate          Timestamp         `json:"createdDate"`
	Name                 string            `json:"name"`
	SecurityGroupIds     []string          `json:"securityGroupIds"`
	SubnetIds            []string          `json:"subnetIds"`
	Tags                 map[string]string `json:"tags,omitempty"`
	VpcLinkId            string            `json:"vpcLinkId"`
	VpcLinkStatus        string            `json:"vpcLinkStatus"`
	VpcLinkStatusMessage string            `json:"vpcLinkStatusMessage,omitempty"`
	VpcLinkVersion       string            `json:"vpcLinkVersion"`
}

// Authorizer is a JWT or Lambda (REQUEST) authorizer. Portolan stores them;
// enforcement belongs to the gateway's authorizer work.
type Authorizer struct {
	AuthorizerCredentialsArn       string            `json:"authorizerCredentialsArn,omitempty"`
	AuthorizerId                   string            `json:"authorizerId"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTtlInSeconds   *int32            `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerUri                  string            `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          bool              `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	IdentityValidationExpression   string            `json:"identityValidationExpression,omitempty"`
	JwtConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           string            `json:"name"`
}

// JWTConfiguration is a JWT authorizer's issuer and audiences.
type JWTConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
}

// DeploymentConfig is what a deployment freezes: the routes, integrations
// and authorizers of the API when it was created. The gateway serves a
// stage from its deployment's config only.
type DeploymentConfig struct {
	Routes       []Route       `json:",omitempty"`
	Integrations []Integration `json:",omitempty"`
	Authorizers  []Authorizer  `json:",omitempty"`
}
