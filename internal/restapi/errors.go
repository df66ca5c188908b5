package restapi

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// apigateway's declared errors, one kind per code (restJson1: the code
// travels in x-amzn-ErrorType, the text in "message"); callers in other
// packages test for them with errors.Is.
var (
	ErrBadRequest      = awsapi.Kind("BadRequestException", http.StatusBadRequest)
	ErrNotFound        = awsapi.Kind("NotFoundException", http.StatusNotFound)
	ErrConflict        = awsapi.Kind("ConflictException", http.StatusConflict)
	ErrLimitExceeded   = awsapi.Kind("LimitExceededException", http.StatusTooManyRequests)
	ErrTooManyRequests = awsapi.Kind("TooManyRequestsException", http.StatusTooManyRequests)
)

func badRequest(format string, args ...any) *awsapi.Error {
	return ErrBadRequest.Newf(format, args...)
}

func conflict(format string, args ...any) *awsapi.Error {
	return ErrConflict.Newf(format, args...)
}

func notFound(format string, args ...any) *awsapi.Error {
	return ErrNotFound.Newf(format, args...)
}

var errBusy = ErrTooManyRequests.Newf("Too many concurrent changes to the same API; retry")
