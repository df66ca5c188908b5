package apigw

import (
	"context"

	"github.com/portolan/portolan/internal/awsapi"
)

// The apigatewayv2 model's rules (awsapi.Constraint) for the members of an
// update that the operation would otherwise check only after finding the
// resource and merging the update into it: a bad value must be refused
// before the ids in the path are looked up, as AWS's framework does. The
// create operations check the same members on the whole new resource.
var (
	updateRouteRules = []awsapi.Constraint{
		awsapi.Enum("authorizationType", AuthorizationNone, "AWS_IAM", "CUSTOM", AuthorizationJWT),
	}
	updateIntegrationRules = []awsapi.Constraint{
		awsapi.Enum("connectionType", ConnectionInternet, ConnectionVpcLink),
		awsapi.Enum("contentHandlingStrategy", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"),
		awsapi.Enum("integrationType", "AWS", "HTTP", "MOCK", IntegrationHTTPProxy, "AWS_PROXY"),
		awsapi.Enum("passthroughBehavior", "WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES"),
		awsapi.Range("timeoutInMillis", 50, 30000),
	}
	updateAuthorizerRules = []awsapi.Constraint{
		awsapi.Range("authorizerResultTtlInSeconds", 0, 3600),
		awsapi.Enum("authorizerType", "REQUEST", AuthorizerJWT),
	}
)

// checked is h behind rules: a request whose body breaks any is refused
// with BadRequestException, every broken rule named, before h runs.
func checked(rules []awsapi.Constraint, h awsapi.RESTHandler) awsapi.RESTHandler {
	return func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		if clauses := awsapi.JSONViolations(r.Body, rules); len(clauses) > 0 {
			return 0, nil, badRequest("%s", awsapi.ValidationMessage(clauses))
		}
		return h(ctx, r)
	}
}
