package mapping

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// ErrBadRequest is the kind of every error a bad mapping gets. The control
// plane returns it as is: apigatewayv2 (and apigateway v1) refuse a bad
// mapping with BadRequestException. The package declares its own kind
// rather than importing apigw's, which imports it; the gateway puts the
// error's text into $context.integrationErrorMessage, so it must not
// change.
var ErrBadRequest = awsapi.Kind("BadRequestException", http.StatusBadRequest)

func badRequest(format string, args ...any) *awsapi.Error {
	return ErrBadRequest.Newf(format, args...)
}
