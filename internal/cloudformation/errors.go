package cloudformation

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// CloudFormation's errors, one kind per code. Most problems are a
// ValidationError with a message saying which.
var (
	ErrValidation               = awsapi.ErrQueryValidation
	ErrAlreadyExists            = awsapi.Kind("AlreadyExistsException", http.StatusBadRequest)
	ErrChangeSetNotFound        = awsapi.Kind("ChangeSetNotFound", http.StatusNotFound)
	ErrInvalidChangeSetStatus   = awsapi.Kind("InvalidChangeSetStatus", http.StatusBadRequest)
	ErrInsufficientCapabilities = awsapi.Kind("InsufficientCapabilitiesException", http.StatusBadRequest)
	ErrOperationInProgress      = awsapi.Kind("OperationInProgressException", http.StatusBadRequest)
	errServerNotReady           = awsapi.StatusErrorf(http.StatusServiceUnavailable, "ServiceUnavailable", "CloudFormation is starting; retry in a moment.")
)

func validation(format string, args ...any) *awsapi.Error { return ErrValidation.Newf(format, args...) }

// stackNotFound is what every operation answers for a stack that does not
// exist, naming it as the caller did (a name or an id): the AWS CLI's
// deploy command looks for exactly this text.
func stackNotFound(nameOrID string) *awsapi.Error {
	return validation("Stack with id %s does not exist", nameOrID)
}

func changeSetNotFound(name string) *awsapi.Error {
	return ErrChangeSetNotFound.Newf("ChangeSet [%s] does not exist", name)
}
