package ecs

import "github.com/portolan/portolan/internal/awsapi"

// The errors ECS returns, as ECS declares them (error member "message").
// Those with a fixed message are values; the rest are built where the
// message names what failed.
var (
	errClusterNotFound         = awsapi.Errorf("ClusterNotFoundException", "Cluster not found.")
	errClusterContainsServices = awsapi.Errorf("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
	errClusterContainsTasks    = awsapi.Errorf("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
	errServiceNotFound         = awsapi.Errorf("ServiceNotFoundException", "Service not found.")
	errServiceNotActive        = awsapi.Errorf("ServiceNotActiveException", "Service was not ACTIVE.")
	errResourceNotFound        = awsapi.Errorf("ResourceNotFoundException", "The specified resource could not be found.")
	errNamespaceNotFound       = awsapi.Errorf("NamespaceNotFoundException", "Namespace not found.")
	errContended               = awsapi.StatusErrorf(500, "ServerException", "too many concurrent changes; retry")
	errCloudMapStarting        = awsapi.StatusErrorf(500, "ServerException", "Cloud Map is starting; retry")
)

func clientError(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ClientException", format, args...)
}

func invalidParameter(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

func notSupported(what string) error {
	return invalidParameter("%s is not supported by Portolan.", what)
}
