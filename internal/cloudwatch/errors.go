package cloudwatch

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// CloudWatch's errors, one kind per code.
var (
	ErrInvalidParameterValue       = awsapi.Kind("InvalidParameterValue", http.StatusBadRequest)
	ErrInvalidParameterCombination = awsapi.Kind("InvalidParameterCombination", http.StatusBadRequest)
	ErrMissingParameter            = awsapi.Kind("MissingParameter", http.StatusBadRequest)
	ErrValidation                  = awsapi.Kind("ValidationError", http.StatusBadRequest)
	ErrResourceNotFound            = awsapi.Kind("ResourceNotFound", http.StatusNotFound)
	ErrLimitExceeded               = awsapi.Kind("LimitExceeded", http.StatusBadRequest)
	ErrInvalidNextToken            = awsapi.Kind("InvalidNextToken", http.StatusBadRequest)
	ErrThrottling                  = awsapi.Kind("Throttling", http.StatusBadRequest)
)

func invalidValue(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameterValue.Newf(format, args...)
}

// missing is a required parameter left out, in CloudWatch's words.
func missing(name string) *awsapi.Error {
	return ErrMissingParameter.Newf("The parameter %s is required.", name)
}

// validation is a constraint of the API model broken, in the words AWS's
// validation layer uses.
func validation(format string, args ...any) *awsapi.Error {
	return ErrValidation.Newf("1 validation error detected: "+format, args...)
}

var errBusy = ErrThrottling.Newf("Rate exceeded")
