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
	ErrInternetGatewayIDMalformed  = awsapi.Kind("InvalidInternetGatewayId.Malformed", http.StatusBadRequest)
	ErrAllocationIDMalformed       = awsapi.Kind("InvalidAllocationID.Malformed", http.StatusBadRequest)
	ErrNatGatewayIDMalformed       = awsapi.Kind("InvalidNatGatewayID.Malformed", http.StatusBadRequest)
	ErrPeeringIDMalformed          = awsapi.Kind("InvalidVpcPeeringConnectionId.Malformed", http.StatusBadRequest)
	ErrInvalidServiceName          = awsapi.Kind("InvalidServiceName", http.StatusBadRequest)
	ErrIdempotentParameterMismatch = awsapi.Kind("IdempotentParameterMismatch", http.StatusBadRequest)
	ErrInvalidNextToken            = awsapi.Kind("InvalidNextToken", http.StatusBadRequest)
	ErrInvalidFilter               = awsapi.Kind("InvalidFilter", http.StatusBadRequest)
	ErrDryRunOperation             = awsapi.Kind("DryRunOperation", http.StatusPreconditionFailed)
	ErrUnsupportedOperation        = awsapi.Kind("UnsupportedOperation", http.StatusBadRequest)
	ErrInvalidID                   = awsapi.Kind("InvalidID", http.StatusBadRequest)
	ErrDependencyViolation         = awsapi.Kind("DependencyViolation", http.StatusBadRequest)
	ErrAlreadyAssociated           = awsapi.Kind("Resource.AlreadyAssociated", http.StatusBadRequest)
	ErrInvalidStateTransition      = awsapi.Kind("InvalidStateTransition", http.StatusBadRequest)
	ErrVpcNotFound                 = awsapi.Kind("InvalidVpcID.NotFound", http.StatusBadRequest)
	ErrVPCIdNotSpecified           = awsapi.Kind("VPCIdNotSpecified", http.StatusBadRequest)
	ErrVpcRange                    = awsapi.Kind("InvalidVpc.Range", http.StatusBadRequest)
	ErrSubnetNotFound              = awsapi.Kind("InvalidSubnetID.NotFound", http.StatusBadRequest)
	ErrSubnetRange                 = awsapi.Kind("InvalidSubnet.Range", http.StatusBadRequest)
	ErrSubnetConflict              = awsapi.Kind("InvalidSubnet.Conflict", http.StatusBadRequest)
	ErrGroupNotFound               = awsapi.Kind("InvalidGroup.NotFound", http.StatusBadRequest)
	ErrGroupDuplicate              = awsapi.Kind("InvalidGroup.Duplicate", http.StatusBadRequest)
	ErrCannotDelete                = awsapi.Kind("CannotDelete", http.StatusBadRequest)
	ErrPermissionDuplicate         = awsapi.Kind("InvalidPermission.Duplicate", http.StatusBadRequest)
	ErrPermissionNotFound          = awsapi.Kind("InvalidPermission.NotFound", http.StatusBadRequest)
	ErrRuleNotFound                = awsapi.Kind("InvalidSecurityGroupRuleId.NotFound", http.StatusBadRequest)
	ErrInternetGatewayNotFound     = awsapi.Kind("InvalidInternetGatewayID.NotFound", http.StatusBadRequest)
	ErrGatewayNotAttached          = awsapi.Kind("Gateway.NotAttached", http.StatusBadRequest)
	ErrRouteTableNotFound          = awsapi.Kind("InvalidRouteTableID.NotFound", http.StatusBadRequest)
	ErrAssociationNotFound         = awsapi.Kind("InvalidAssociationID.NotFound", http.StatusBadRequest)
	ErrRouteAlreadyExists          = awsapi.Kind("RouteAlreadyExists", http.StatusBadRequest)
	ErrRouteNotFound               = awsapi.Kind("InvalidRoute.NotFound", http.StatusBadRequest)
	ErrNatGatewayNotFound          = awsapi.Kind("NatGatewayNotFound", http.StatusBadRequest)
	ErrAllocationNotFound          = awsapi.Kind("InvalidAllocationID.NotFound", http.StatusBadRequest)
	ErrAddressNotFound             = awsapi.Kind("InvalidAddress.NotFound", http.StatusBadRequest)
	ErrAddressInUse                = awsapi.Kind("InvalidIPAddress.InUse", http.StatusBadRequest)
	ErrPeeringNotFound             = awsapi.Kind("InvalidVpcPeeringConnectionID.NotFound", http.StatusBadRequest)
	ErrNetworkAclNotFound          = awsapi.Kind("InvalidNetworkAclID.NotFound", http.StatusBadRequest)
	ErrNetworkInterfaceNotFound    = awsapi.Kind("InvalidNetworkInterfaceID.NotFound", http.StatusBadRequest)
	ErrPrefixListNotFound          = awsapi.Kind("InvalidPrefixListID.NotFound", http.StatusBadRequest)

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

// malformed is the error of an id that is not of its kind's shape.
func malformed(kind *awsapi.Error, id string) error { return kind.Newf("Invalid id: \"%s\"", id) }

func invalidValue(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameterValue.Newf(format, args...)
}
