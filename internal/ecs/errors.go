package ecs

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// ECS's declared errors, one kind per code (error member "message"):
// callers in other packages test for them with errors.Is
// (errors.Is(err, ecs.ErrClusterNotFound)).
var (
	ErrClusterNotFound           = awsapi.Kind("ClusterNotFoundException", http.StatusBadRequest)
	ErrClusterContainsServices   = awsapi.Kind("ClusterContainsServicesException", http.StatusBadRequest)
	ErrClusterContainsTasks      = awsapi.Kind("ClusterContainsTasksException", http.StatusBadRequest)
	ErrServiceNotFound           = awsapi.Kind("ServiceNotFoundException", http.StatusBadRequest)
	ErrServiceNotActive          = awsapi.Kind("ServiceNotActiveException", http.StatusBadRequest)
	ErrResourceNotFound          = awsapi.Kind("ResourceNotFoundException", http.StatusBadRequest)
	ErrNamespaceNotFound         = awsapi.Kind("NamespaceNotFoundException", http.StatusBadRequest)
	ErrClientException           = awsapi.Kind("ClientException", http.StatusBadRequest)
	ErrInvalidParameter          = awsapi.Kind("InvalidParameterException", http.StatusBadRequest)
	ErrServer                    = awsapi.Kind("ServerException", http.StatusInternalServerError)
	ErrResourceInUse             = awsapi.Kind("ResourceInUseException", http.StatusBadRequest)
	ErrConflict                  = awsapi.Kind("ConflictException", http.StatusBadRequest)
	ErrServiceDeploymentNotFound = awsapi.Kind("ServiceDeploymentNotFoundException", http.StatusBadRequest)
)

// Those with a fixed message are values; the rest are built where the
// message names what failed.
var (
	errClusterNotFound         = ErrClusterNotFound.Newf("Cluster not found.")
	errClusterContainsServices = ErrClusterContainsServices.Newf("The Cluster cannot be deleted while Services are active.")
	errClusterContainsTasks    = ErrClusterContainsTasks.Newf("The Cluster cannot be deleted while Tasks are active.")
	errServiceNotFound         = ErrServiceNotFound.Newf("Service not found.")
	errServiceNotActive        = ErrServiceNotActive.Newf("Service was not ACTIVE.")
	errResourceNotFound        = ErrResourceNotFound.Newf("The specified resource could not be found.")
	errNamespaceNotFound       = ErrNamespaceNotFound.Newf("Namespace not found.")
	errContended               = ErrServer.Newf("too many concurrent changes; retry")
	errCloudMapStarting        = ErrServer.Newf("Cloud Map is starting; retry")
	errBadNextToken            = ErrInvalidParameter.Newf("Invalid nextToken.")
	errTooManyTags             = ErrInvalidParameter.Newf("A resource can have at most %d tags.", awsapi.MaxTags)
	errBadTag                  = ErrInvalidParameter.Newf("Tag keys must be 1 to 128 characters and values at most 256.")
)

func clientError(format string, args ...any) *awsapi.Error {
	return ErrClientException.Newf(format, args...)
}

func invalidParameter(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameter.Newf(format, args...)
}

func notSupported(what string) error {
	return invalidParameter("%s is not supported by Portolan.", what)
}

// badMaxResults answers a maxResults outside 1..limit.
func badMaxResults(limit int) *awsapi.Error {
	return invalidParameter("maxResults must be between 1 and %d.", limit)
}
