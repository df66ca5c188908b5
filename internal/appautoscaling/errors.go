package appautoscaling

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Application Auto Scaling's errors, one kind per code; every one travels
// with HTTP 400.
var (
	ErrValidation           = awsapi.Kind("ValidationException", http.StatusBadRequest)
	ErrObjectNotFound       = awsapi.Kind("ObjectNotFoundException", http.StatusBadRequest)
	ErrConcurrentUpdate     = awsapi.Kind("ConcurrentUpdateException", http.StatusBadRequest)
	ErrLimitExceeded        = awsapi.Kind("LimitExceededException", http.StatusBadRequest)
	ErrInvalidNextToken     = awsapi.Kind("InvalidNextTokenException", http.StatusBadRequest)
	ErrFailedResourceAccess = awsapi.Kind("FailedResourceAccessException", http.StatusBadRequest)
)

func validation(format string, args ...any) *awsapi.Error {
	return ErrValidation.Newf(format, args...)
}

// required is a missing member, in the words of AWS's validation.
func required(member string) *awsapi.Error {
	return ErrValidation.Newf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func targetNotFound(t targetRef) *awsapi.Error {
	return ErrObjectNotFound.Newf("No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s",
		t.ServiceNamespace, t.ResourceId, t.ScalableDimension)
}

var errBusy = ErrConcurrentUpdate.Newf("You already have a pending update to an Auto Scaling resource.")
