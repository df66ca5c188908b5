package cloudmap

import "github.com/portolan/portolan/internal/awsapi"

// Cloud Map's declared errors. Every one travels with HTTP 400: the model
// declares no other code.

func invalidInput(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidInput", format, args...)
}

func namespaceNotFound(id string) *awsapi.Error {
	return awsapi.Errorf("NamespaceNotFound", "Namespace not found: %s", id)
}

// namespaceAlreadyExists names the namespace that holds name, and the
// request that created it, as AWS's error does.
func namespaceAlreadyExists(name string, ns *namespaceRecord) *awsapi.Error {
	return awsapi.Errorf("NamespaceAlreadyExists", "Namespace %s already exists", name).
		With("CreatorRequestId", ns.CreatorRequestId).With("NamespaceId", ns.Id)
}

// serviceAlreadyExists names the service that holds name in namespace
// nsID, and the request that created it, as AWS's error does.
func serviceAlreadyExists(name, nsID string, svc *serviceRecord) *awsapi.Error {
	return awsapi.Errorf("ServiceAlreadyExists", "Service %s already exists in namespace %s", name, nsID).
		With("CreatorRequestId", svc.CreatorRequestId).With("ServiceId", svc.Id).With("ServiceArn", svc.Arn)
}

func serviceNotFound(id string) *awsapi.Error {
	return awsapi.Errorf("ServiceNotFound", "Service not found: %s", id)
}

func instanceNotFound(id string) *awsapi.Error {
	return awsapi.Errorf("InstanceNotFound", "Instance not found: %s", id)
}

func operationNotFound(id string) *awsapi.Error {
	return awsapi.Errorf("OperationNotFound", "Operation not found: %s", id)
}

func resourceInUse(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceInUse", format, args...)
}

func resourceNotFound(arn string) *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", "Resource not found: %s", arn)
}

func tooManyTags(arn string) *awsapi.Error {
	return awsapi.Errorf("TooManyTagsException", "Resource %s would have more than %d tags", arn, maxTags).With("ResourceName", arn)
}

func customHealthNotFound(id string) *awsapi.Error {
	return awsapi.Errorf("CustomHealthNotFound", "Service %s has no custom health check configuration", id)
}

func limitExceeded(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ResourceLimitExceeded", format, args...)
}

// duplicateRequest answers a request id (field names which) reused for a
// different resource than the operation opID it first named.
func duplicateRequest(field, opID string) *awsapi.Error {
	return awsapi.Errorf("DuplicateRequest", "The %s was already used by operation %s for a different resource", field, opID).With("DuplicateOperationId", opID)
}

func awsErrorServiceAttributesLimit() *awsapi.Error {
	return awsapi.Errorf("ServiceAttributesLimitExceededException", "A service can have at most %d attributes", maxServiceAttributes)
}

var errBusy = awsapi.Errorf("ThrottlingException", "Too many concurrent changes to the same resource; retry")
