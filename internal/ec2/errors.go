package ec2

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// EC2's errors, one kind per code. EC2 answers them all with 400, except
// DryRunOperation (412), which reports a call that would have succeeded.
var (
	ErrInvalidParameterValue       = awsapi.ErrEC2InvalidParameterValue
	ErrInvalidParameter            = awsapi.Kind("InvalidParameter", http.StatusBadRequest)
	ErrInvalidParameterCombination = awsapi.Kind("InvalidParameterCombination", http.StatusBadRequest)
	ErrMissingParameter            = awsapi.Kind("MissingParameter", http.StatusBadRequest)
	ErrVpcEndpointNotFound         = awsapi.Kind("InvalidVpcEndpointId.NotFound", http.StatusBadRequest)
	ErrVpcEndpointMalformed        = awsapi.Kind("InvalidVpcEndpointId.Malformed", http.StatusBadRequest)
	ErrVpcIDMalformed              = awsapi.Kind("InvalidVpcID.Malformed", http.StatusBadRequest)
	ErrSubnetIDMalformed           = awsapi.Kind("InvalidSubnetID.Malformed", http.StatusBadRequest)
	ErrGroupIDMalformed            = awsapi.Kind("InvalidGroupId.Malformed", http.StatusBadRequest)
	ErrRouteTableIDMalformed       = awsapi.Kind("InvalidRouteTableId.Malformed", http.StatusBadRequest)
	ErrInvalidServiceName          = awsapi.Kind("InvalidServiceName", http.StatusBadRequest)
	ErrIdempotentParameterMismatch = awsapi.Kind("IdempotentParameterMismatch", http.StatusBadRequest)
	ErrInvalidNextToken            = awsapi.Kind("InvalidNextToken", http.StatusBadRequest)
	ErrInvalidFilter               = awsapi.Kind("InvalidFilter", http.StatusBadRequest)
	ErrDryRunOperation             = awsapi.Kind("DryRunOperation", http.StatusPreconditionFailed)

	errBusy   = awsapi.Kind("RequestLimitExceeded", http.StatusServiceUnavailable).Newf("Too many concurrent changes to the same resource; retry")
	errDryRun = ErrDryRunOperation.Newf("Request would have succeeded, but DryRun flag is set.")
)

// notFoundCode is the code DeleteVpcEndpoints gives an id it cannot
// delete in its Unsuccessful items (not the Describe error's code).
const notFoundCode = "InvalidVpcEndpoint.NotFound"

func endpointNotFound(id string) *awsapi.Error {
	return ErrVpcEndpointNotFound.Newf("The Vpc Endpoint Id '%s' does not exist", id)
}

func missing(param string) *awsapi.Error {
	return ErrMissingParameter.Newf("The request must contain the parameter %s", param)
}

func invalidValue(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameterValue.Newf(format, args...)
}
