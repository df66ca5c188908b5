package apigw

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// apigatewayv2's declared errors, one kind per code (restJson1: the code
// travels in x-amzn-ErrorType, the text in "message"); callers in other
// packages test for them with errors.Is. NotFoundException also declares
// "resourceType".
var (
	ErrBadRequest      = awsapi.Kind("BadRequestException", http.StatusBadRequest)
	ErrNotFound        = awsapi.Kind("NotFoundException", http.StatusNotFound)
	ErrConflict        = awsapi.Kind("ConflictException", http.StatusConflict)
	ErrTooManyRequests = awsapi.Kind("TooManyRequestsException", http.StatusTooManyRequests)
)

func badRequest(format string, args ...any) *awsapi.Error {
	return ErrBadRequest.Newf(format, args...)
}

func conflict(format string, args ...any) *awsapi.Error {
	return ErrConflict.Newf(format, args...)
}

// notFound follows the text AWS uses, "Invalid API identifier specified
// 123456789012:abcdef1234"; the account prefix is AWS's too.
func (s *Control) notFound(resourceType, id string) *awsapi.Error {
	label := resourceType
	if resourceType == "Api" {
		label = "API"
	}
	return ErrNotFound.Newf("Invalid %s identifier specified %s:%s", label, s.cfg.AccountID, id).
		With("resourceType", resourceType)
}

var errBusy = ErrTooManyRequests.Newf("Too many concurrent changes to the same API; retry")
