package cognito

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Cognito's errors, one kind per code: 400, but 429 for a throttle.
var (
	ErrInvalidParameter     = awsapi.Kind("InvalidParameterException", http.StatusBadRequest)
	ErrResourceNotFound     = awsapi.Kind("ResourceNotFoundException", http.StatusBadRequest)
	ErrNotAuthorized        = awsapi.Kind("NotAuthorizedException", http.StatusBadRequest)
	ErrUserNotFound         = awsapi.Kind("UserNotFoundException", http.StatusBadRequest)
	ErrUsernameExists       = awsapi.Kind("UsernameExistsException", http.StatusBadRequest)
	ErrAliasExists          = awsapi.Kind("AliasExistsException", http.StatusBadRequest)
	ErrInvalidPassword      = awsapi.Kind("InvalidPasswordException", http.StatusBadRequest)
	ErrUserNotConfirmed     = awsapi.Kind("UserNotConfirmedException", http.StatusBadRequest)
	ErrCodeMismatch         = awsapi.Kind("CodeMismatchException", http.StatusBadRequest)
	ErrExpiredCode          = awsapi.Kind("ExpiredCodeException", http.StatusBadRequest)
	ErrGroupExists          = awsapi.Kind("GroupExistsException", http.StatusBadRequest)
	ErrScopeDoesNotExist    = awsapi.Kind("ScopeDoesNotExistException", http.StatusBadRequest)
	ErrInvalidOAuthFlow     = awsapi.Kind("InvalidOAuthFlowException", http.StatusBadRequest)
	ErrLimitExceeded        = awsapi.Kind("LimitExceededException", http.StatusBadRequest)
	ErrUnsupportedTokenType = awsapi.Kind("UnsupportedTokenTypeException", http.StatusBadRequest)
	ErrUnauthorized         = awsapi.Kind("UnauthorizedException", http.StatusBadRequest)
	ErrTooManyRequests      = awsapi.Kind("TooManyRequestsException", http.StatusTooManyRequests)
	ErrUnsupportedOperation = awsapi.Kind("UnsupportedOperationException", http.StatusBadRequest)
)

func invalidParameter(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameter.Newf(format, args...)
}

func poolNotFound(id string) *awsapi.Error {
	return ErrResourceNotFound.Newf("User pool %s does not exist.", id)
}

func clientNotFound(id string) *awsapi.Error {
	return ErrResourceNotFound.Newf("User pool client %s does not exist.", id)
}

func userNotFound() *awsapi.Error { return ErrUserNotFound.Newf("User does not exist.") }

// required is a missing member, in the words of AWS's validation.
func required(member string) *awsapi.Error {
	return ErrInvalidParameter.Newf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// errBadCredentials is every wrong user name or password: sign-in never
// tells a missing user from a wrong password (PreventUserExistenceErrors).
var errBadCredentials = ErrNotAuthorized.Newf("Incorrect username or password.")

// errLockedOut answers attempts during a lockout (password.go).
var errLockedOut = ErrNotAuthorized.Newf("Password attempts exceeded")

var errBusy = ErrTooManyRequests.Newf("Too many concurrent changes to the same resource; retry")
