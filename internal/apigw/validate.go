package apigw

import (
	"maps"
	"net/url"
	"regexp"
	"strings"

	"github.com/portolan/portolan/internal/apigw/mapping"
	"github.com/portolan/portolan/internal/awsapi"
)

var (
	// Stage names: "$default", or letters, digits, '-' and '_' (the
	// CreateStage reference gives no pattern; this is the REST API rule,
	// and it keeps a stage name one clean path segment).
	stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// Stage variable names: alphanumerics and underscores (REST API rule).
	stageVarNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	cloudMapARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:servicediscovery:[a-z0-9-]+:[0-9]{12}:service/(srv-[a-z0-9]+)$`)
	elbListenerRE  = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener/(app|net)/[A-Za-z0-9-]+/[a-f0-9]+/[a-f0-9]+$`)
	logGroupARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:([\.\-_/#A-Za-z0-9]{1,512})(:\*)?$`)
	uriPlaceholder = regexp.MustCompile(`\$\{[^}]*\}|\{[^}]*\}`)
)

func validStageName(name string) bool {
	return name == DefaultStageName || stageNameRE.MatchString(name)
}

// CloudMapService parses a private integration's Cloud Map service ARN,
// with the optional query of attribute filters that API Gateway passes to
// DiscoverInstances as QueryParameters
// ("arn:aws:servicediscovery:us-east-2:123456789012:service/srv-id?stage=prod&deployment=green_deployment",
// from "Create a private integration using AWS Cloud Map service
// discovery", doc_source/http-api-develop-integrations-private.md).
func CloudMapService(uri string) (serviceID string, filters map[string]string, ok bool) {
	arn, query, _ := strings.Cut(uri, "?")
	m := cloudMapARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", nil, false
	}
	if query != "" {
		values, err := url.ParseQuery(query)
		if err != nil {
			return "", nil, false
		}
		filters = make(map[string]string, len(values))
		for k, v := range values {
			filters[k] = v[len(v)-1]
		}
	}
	return m[1], filters, true
}

// IsELBListener reports whether uri is a load balancer listener ARN.
func IsELBListener(uri string) bool { return elbListenerRE.MatchString(uri) }

// LogGroupName returns the log group of a CloudWatch Logs group ARN (with or
// without the ":*" suffix the console adds).
func LogGroupName(arn string) (string, bool) {
	m := logGroupARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// validPublicURI accepts an http or https URL, allowing {pathVariable} and
// ${stageVariables.name} placeholders anywhere, as HTTP APIs do.
func validPublicURI(uri string) bool {
	u, err := url.Parse(uriPlaceholder.ReplaceAllString(uri, "x"))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

var integrationMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

func validateIntegration(in *Integration) error {
	if in.IntegrationType == "" {
		return badRequest("IntegrationType is required")
	}
	if in.IntegrationType != IntegrationHTTPProxy {
		return badRequest("Integration type %s is not supported by Portolan yet; HTTP APIs here support HTTP_PROXY integrations (public URLs and VPC link private integrations)", in.IntegrationType)
	}
	if in.IntegrationSubtype != "" {
		return badRequest("IntegrationSubtype is only valid for AWS_PROXY integrations")
	}
	// HTTP_PROXY takes payload format 1.0 only (the CDK's private
	// integration: "1.0 is required and is the only supported format").
	if in.PayloadFormatVersion == "" {
		in.PayloadFormatVersion = "1.0"
	}
	if in.PayloadFormatVersion != "1.0" {
		return badRequest("Payload format version %s is not supported for HTTP_PROXY integrations; use 1.0", in.PayloadFormatVersion)
	}
	if in.IntegrationMethod == "" {
		in.IntegrationMethod = "ANY"
	}
	if !containsString(integrationMethods, in.IntegrationMethod) {
		return badRequest("Invalid integration method %s: it must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY", in.IntegrationMethod)
	}
	if in.ConnectionType == "" {
		in.ConnectionType = ConnectionInternet
	}
	if in.IntegrationUri == "" {
		return badRequest("IntegrationUri is required for HTTP_PROXY integrations")
	}
	switch in.ConnectionType {
	case ConnectionInternet:
		if in.ConnectionId != "" {
			return badRequest("ConnectionId is only valid with connectionType VPC_LINK")
		}
		if !validPublicURI(in.IntegrationUri) {
			return badRequest("Invalid HTTP endpoint specified for URI")
		}
	case ConnectionVpcLink:
		if in.ConnectionId == "" {
			return badRequest("ConnectionId is required with connectionType VPC_LINK")
		}
		if _, _, ok := CloudMapService(in.IntegrationUri); !ok && !IsELBListener(in.IntegrationUri) {
			// AWS's own text (quoted in github.com/anomalyco/sst issue 5510).
			return badRequest("For VpcLink VPC_LINK, integration uri should be a valid ELB listener ARN or a valid Cloud Map service ARN.")
		}
	default:
		return badRequest("Invalid connection type %s: it must be INTERNET or VPC_LINK", in.ConnectionType)
	}
	if in.TimeoutInMillis == 0 {
		in.TimeoutInMillis = 30000
	}
	if in.TimeoutInMillis < 50 || in.TimeoutInMillis > 30000 {
		return badRequest(errTimeout)
	}
	if _, err := mapping.ParseRequestParameters(in.RequestParameters); err != nil {
		return err
	}
	if len(in.RequestTemplates) > 0 || in.TemplateSelectionExpression != "" || in.PassthroughBehavior != "" || in.ContentHandlingStrategy != "" {
		return badRequest("Request templates, passthrough behavior and content handling are supported only for WebSocket APIs")
	}
	for status, params := range in.ResponseParameters {
		if len(status) != 3 || status[0] < '2' || status[0] > '5' {
			return badRequest("Invalid response parameters status code %s", status)
		}
		for k := range params {
			if !strings.HasPrefix(k, "append:header.") && !strings.HasPrefix(k, "overwrite:header.") &&
				!strings.HasPrefix(k, "remove:header.") && k != "overwrite:statuscode" {
				return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping key %q]", k)
			}
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func validateStageVariables(vars map[string]string) error {
	for k, v := range vars {
		if !stageVarNameRE.MatchString(k) {
			return badRequest("Stage variable name %q is invalid: use letters, digits and underscores", k)
		}
		if len(v) > 2048 {
			return badRequest("Stage variable %s is longer than 2048 characters", k)
		}
	}
	return nil
}

func validateAccessLog(a *AccessLogSettings) error {
	if a == nil || (a.DestinationArn == "" && a.Format == "") {
		return nil
	}
	if _, ok := LogGroupName(a.DestinationArn); !ok {
		return badRequest("Invalid CloudWatch Logs log group ARN specified for access log destination: %s", a.DestinationArn)
	}
	if a.Format == "" {
		return badRequest("Access log format must be specified along with the destination ARN")
	}
	if !strings.Contains(a.Format, "$context.requestId") && !strings.Contains(a.Format, "$context.extendedRequestId") {
		// AWS requires the request id in every access log format.
		return badRequest("Access log format must contain $context.requestId or $context.extendedRequestId")
	}
	return nil
}

func validateTags(tags map[string]string) error {
	fault, key := awsapi.CheckTags(len(tags), maps.All(tags))
	if fault == awsapi.TooManyTags {
		return badRequest("A resource can have at most %d tags", awsapi.MaxTags)
	}
	// apigatewayv2 also reserves the "aws:" prefix; a tag's key is judged
	// before its value.
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			fault, key = awsapi.BadTagKey, k
			break
		}
	}
	switch fault {
	case awsapi.BadTagKey:
		return badRequest("Invalid tag key %q", key)
	case awsapi.BadTagValue:
		return badRequest("Tag value for %q is longer than 256 characters", key)
	}
	return nil
}
