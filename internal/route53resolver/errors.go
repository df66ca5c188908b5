package route53resolver

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Route 53 Resolver's errors, one kind per code; every one travels with
// HTTP 400.
var (
	ErrInvalidParameter = awsapi.Kind("InvalidParameterException", http.StatusBadRequest)
	ErrInvalidRequest   = awsapi.Kind("InvalidRequestException", http.StatusBadRequest)
	ErrResourceNotFound = awsapi.Kind("ResourceNotFoundException", http.StatusBadRequest)
	ErrResourceExists   = awsapi.Kind("ResourceExistsException", http.StatusBadRequest)
	ErrResourceInUse    = awsapi.Kind("ResourceInUseException", http.StatusBadRequest)
	ErrLimitExceeded    = awsapi.Kind("LimitExceededException", http.StatusBadRequest)
	ErrInvalidNextToken = awsapi.Kind("InvalidNextTokenException", http.StatusBadRequest)
	ErrThrottling       = awsapi.Kind("ThrottlingException", http.StatusBadRequest)
	ErrValidation       = awsapi.Kind("ValidationException", http.StatusBadRequest)
)

func invalidParameter(field, format string, args ...any) *awsapi.Error {
	return ErrInvalidParameter.Newf(format, args...).With("FieldName", field)
}

func invalidRequest(format string, args ...any) *awsapi.Error {
	return ErrInvalidRequest.Newf(format, args...)
}

func notFound(resourceType, format string, args ...any) *awsapi.Error {
	return ErrResourceNotFound.Newf(format, args...).With("ResourceType", resourceType)
}

// required is a missing member, in the words of AWS's validation.
func required(member string) *awsapi.Error {
	return ErrValidation.Newf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

var errBusy = ErrThrottling.Newf("Too many concurrent changes; retry")
