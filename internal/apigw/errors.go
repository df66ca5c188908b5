package apigw

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// apigatewayv2's declared errors (restJson1: the code travels in
// x-amzn-ErrorType, the text in "message"): NotFoundException 404,
// BadRequestException 400, ConflictException 409, TooManyRequestsException
// 429. NotFoundException also declares "resourceType".

func badRequest(format string, args ...any) *awsapi.Error {
	return awsapi.StatusErrorf(http.StatusBadRequest, "BadRequestException", format, args...)
}

func conflict(format string, args ...any) *awsapi.Error {
	return awsapi.StatusErrorf(http.StatusConflict, "ConflictException", format, args...)
}

// notFound follows the text AWS uses, "Invalid API identifier specified
// 123456789012:abcdef1234"; the account prefix is AWS's too.
func (s *Service) notFound(resourceType, id string) *awsapi.Error {
	label := resourceType
	if resourceType == "Api" {
		label = "API"
	}
	return awsapi.StatusErrorf(http.StatusNotFound, "NotFoundException", "Invalid %s identifier specified %s:%s", label, s.cfg.AccountID, id).
		With("resourceType", resourceType)
}

var errBusy = awsapi.StatusErrorf(http.StatusTooManyRequests, "TooManyRequestsException", "Too many concurrent changes to the same API; retry")
