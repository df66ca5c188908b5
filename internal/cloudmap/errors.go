package cloudmap

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Cloud Map's declared errors, one kind per code: callers in other packages
// test for them with errors.Is (errors.Is(err, cloudmap.ErrServiceNotFound)).
// Every one travels with HTTP 400: the model declares no other code.
var (
	ErrInvalidInput                   = awsapi.Kind("InvalidInput", http.StatusBadRequest)
	ErrNamespaceNotFound              = awsapi.Kind("NamespaceNotFound", http.StatusBadRequest)
	ErrNamespaceAlreadyExists         = awsapi.Kind("NamespaceAlreadyExists", http.StatusBadRequest)
	ErrServiceNotFound                = awsapi.Kind("ServiceNotFound", http.StatusBadRequest)
	ErrServiceAlreadyExists           = awsapi.Kind("ServiceAlreadyExists", http.StatusBadRequest)
	ErrInstanceNotFound               = awsapi.Kind("InstanceNotFound", http.StatusBadRequest)
	ErrOperationNotFound              = awsapi.Kind("OperationNotFound", http.StatusBadRequest)
	ErrResourceInUse                  = awsapi.Kind("ResourceInUse", http.StatusBadRequest)
	ErrResourceNotFound               = awsapi.Kind("ResourceNotFoundException", http.StatusBadRequest)
	ErrTooManyTags                    = awsapi.Kind("TooManyTagsException", http.StatusBadRequest)
	ErrCustomHealthNotFound           = awsapi.Kind("CustomHealthNotFound", http.StatusBadRequest)
	ErrResourceLimitExceeded          = awsapi.Kind("ResourceLimitExceeded", http.StatusBadRequest)
	ErrDuplicateRequest               = awsapi.Kind("DuplicateRequest", http.StatusBadRequest)
	ErrServiceAttributesLimitExceeded = awsapi.Kind("ServiceAttributesLimitExceededException", http.StatusBadRequest)
	ErrThrottling                     = awsapi.Kind("ThrottlingException", http.StatusBadRequest)
)

func invalidInput(format string, args ...any) *awsapi.Error {
	return ErrInvalidInput.Newf(format, args...)
}

func namespaceNotFound(id string) *awsapi.Error {
	return ErrNamespaceNotFound.Newf("Namespace not found: %s", id)
}

// namespaceAlreadyExists names the namespace that holds name, and the
// request that created it, as AWS's error does.
func namespaceAlreadyExists(name string, ns *namespaceRecord) *awsapi.Error {
	return ErrNamespaceAlreadyExists.Newf("Namespace %s already exists", name).
		With("CreatorRequestId", ns.CreatorRequestId).With("NamespaceId", ns.Id)
}

// serviceAlreadyExists names the service that holds name in namespace
// nsID, and the request that created it, as AWS's error does.
func serviceAlreadyExists(name, nsID string, svc *serviceRecord) *awsapi.Error {
	return ErrServiceAlreadyExists.Newf("Service %s already exists in namespace %s", name, nsID).
		With("CreatorRequestId", svc.CreatorRequestId).With("ServiceId", svc.Id).With("ServiceArn", svc.Arn)
}

func serviceNotFound(id string) *awsapi.Error {
	return ErrServiceNotFound.Newf("Service not found: %s", id)
}

func instanceNotFound(id string) *awsapi.Error {
	return ErrInstanceNotFound.Newf("Instance not found: %s", id)
}

func operationNotFound(id string) *awsapi.Error {
	return ErrOperationNotFound.Newf("Operation not found: %s", id)
}

func resourceInUse(format string, args ...any) *awsapi.Error {
	return ErrResourceInUse.Newf(format, args...)
}

func resourceNotFound(arn string) *awsapi.Error {
	return ErrResourceNotFound.Newf("Resource not found: %s", arn)
}

func tooManyTags(arn string) *awsapi.Error {
	return ErrTooManyTags.Newf("Resource %s would have more than %d tags", arn, maxTags).With("ResourceName", arn)
}

func customHealthNotFound(id string) *awsapi.Error {
	return ErrCustomHealthNotFound.Newf("Service %s has no custom health check configuration", id)
}

func limitExceeded(format string, args ...any) *awsapi.Error {
	return ErrResourceLimitExceeded.Newf(format, args...)
}

// duplicateRequest answers a request id (field names which) reused for a
// different resource than the operation opID it first named.
func duplicateRequest(field, opID string) *awsapi.Error {
	return ErrDuplicateRequest.Newf("The %s was already used by operation %s for a different resource", field, opID).With("DuplicateOperationId", opID)
}

func serviceAttributesLimit() *awsapi.Error {
	return ErrServiceAttributesLimitExceeded.Newf("A service can have at most %d attributes", maxServiceAttributes)
}

var errBusy = ErrThrottling.Newf("Too many concurrent changes to the same resource; retry")
