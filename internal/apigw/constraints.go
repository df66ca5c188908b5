package apigw

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// A rule is one member's constraint from the apigatewayv2 model with API
// Gateway's own message for breaking it: API Gateway answers in its words
// ("Timeout must be between 50 ms and 30000 ms"), not in the framework's
// clauses the JSON services use. A %s in message is the value sent (of a
// top-level member).
type rule struct {
	awsapi.Constraint
	message string
}

func enumRule(member, what string, values ...string) rule {
	return rule{awsapi.Enum(member, values...), "Invalid " + what + " %s: it must be one of " + strings.Join(values, ", ")}
}

// The rules of the members of an update that the operation would
// otherwise check only after finding the resource and merging the update
// into it: a bad value must be refused before the ids in the path are
// looked up, as AWS does. The create operations check the same members
// on the whole new resource, with the same messages.
var (
	updateRouteRules = []rule{
		enumRule("authorizationType", "authorization type", AuthorizationNone, "AWS_IAM", "CUSTOM", AuthorizationJWT),
	}
	updateIntegrationRules = []rule{
		{awsapi.Enum("connectionType", ConnectionInternet, ConnectionVpcLink), "Invalid connection type %s: it must be INTERNET or VPC_LINK"},
		enumRule("contentHandlingStrategy", "content handling strategy", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"),
		enumRule("integrationType", "integration type", "AWS", "HTTP", "MOCK", IntegrationHTTPProxy, "AWS_PROXY"),
		enumRule("passthroughBehavior", "passthrough behavior", "WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES"),
		{awsapi.Range("timeoutInMillis", 50, 30000), errTimeout},
	}
	// A stage's default route settings and a domain name's
	// configurations, on create and on update alike.
	stageRules = []rule{
		{awsapi.Enum("defaultRouteSettings.loggingLevel", "ERROR", "INFO", "OFF"), "Invalid logging level in defaultRouteSettings: it must be one of ERROR, INFO, OFF"},
	}
	domainNameRules = []rule{
		{awsapi.Enum("domainNameConfigurations[].domainNameStatus", "AVAILABLE", "UPDATING", "PENDING_CERTIFICATE_REIMPORT", "PENDING_OWNERSHIP_VERIFICATION"),
			"Invalid domain name status in domainNameConfigurations: it must be one of AVAILABLE, UPDATING, PENDING_CERTIFICATE_REIMPORT, PENDING_OWNERSHIP_VERIFICATION"},
	}
	updateAuthorizerRules = []rule{
		{awsapi.Range("authorizerResultTtlInSeconds", 0, 3600), errAuthorizerTTL},
		{awsapi.Enum("authorizerType", "REQUEST", AuthorizerJWT), "Invalid authorizer type %s: HTTP APIs take JWT or REQUEST"},
	}
)

// The range messages, shared with the checks of a whole resource.
const (
	errTimeout       = "Timeout must be between 50 ms and 30000 ms for HTTP APIs"
	errAuthorizerTTL = "AuthorizerResultTtlInSeconds must be between 0 and 3600"
)

// checked is h behind rules: a request whose body breaks one is refused
// with BadRequestException, the first broken rule named, before h runs.
func checked(rules []rule, h awsapi.RESTHandler) awsapi.RESTHandler {
	return func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		var members map[string]json.RawMessage
		if json.Unmarshal(r.Body, &members) == nil {
			for _, rule := range rules {
				if len(awsapi.Violations(members, []awsapi.Constraint{rule.Constraint})) > 0 {
					return 0, nil, badRequest("%s", rule.format(members[rule.Member]))
				}
			}
		}
		return h(ctx, r)
	}
}

func (r rule) format(raw json.RawMessage) string {
	if !strings.Contains(r.message, "%s") {
		return r.message
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return fmt.Sprintf(r.message, s)
}
