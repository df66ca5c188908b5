package elbv2

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Elastic Load Balancing's errors, one kind per code (the SDKs name them
// <Code>Exception). Every one is the caller's fault and travels with 400.
var (
	ErrValidation                  = awsapi.ErrQueryValidation
	ErrLoadBalancerNotFound        = awsapi.Kind("LoadBalancerNotFound", http.StatusBadRequest)
	ErrTargetGroupNotFound         = awsapi.Kind("TargetGroupNotFound", http.StatusBadRequest)
	ErrListenerNotFound            = awsapi.Kind("ListenerNotFound", http.StatusBadRequest)
	ErrRuleNotFound                = awsapi.Kind("RuleNotFound", http.StatusBadRequest)
	ErrDuplicateLoadBalancerName   = awsapi.Kind("DuplicateLoadBalancerName", http.StatusBadRequest)
	ErrDuplicateTargetGroupName    = awsapi.Kind("DuplicateTargetGroupName", http.StatusBadRequest)
	ErrDuplicateListener           = awsapi.Kind("DuplicateListener", http.StatusBadRequest)
	ErrPriorityInUse               = awsapi.Kind("PriorityInUse", http.StatusBadRequest)
	ErrResourceInUse               = awsapi.Kind("ResourceInUse", http.StatusBadRequest)
	ErrInvalidTarget               = awsapi.Kind("InvalidTarget", http.StatusBadRequest)
	ErrInvalidConfigurationRequest = awsapi.Kind("InvalidConfigurationRequest", http.StatusBadRequest)
	ErrIncompatibleProtocols       = awsapi.Kind("IncompatibleProtocols", http.StatusBadRequest)
	ErrUnsupportedProtocol         = awsapi.Kind("UnsupportedProtocol", http.StatusBadRequest)
	ErrInvalidLoadBalancerAction   = awsapi.Kind("InvalidLoadBalancerAction", http.StatusBadRequest)
	ErrTargetGroupAssociationLimit = awsapi.Kind("TargetGroupAssociationLimit", http.StatusBadRequest)
	ErrOperationNotPermitted       = awsapi.Kind("OperationNotPermitted", http.StatusBadRequest)
	ErrTooManyTags                 = awsapi.Kind("TooManyTags", http.StatusBadRequest)
	ErrDuplicateTagKeys            = awsapi.Kind("DuplicateTagKeys", http.StatusBadRequest)
	ErrTooManyLoadBalancers        = awsapi.Kind("TooManyLoadBalancers", http.StatusBadRequest)
	ErrTooManyTargetGroups         = awsapi.Kind("TooManyTargetGroups", http.StatusBadRequest)
	ErrTooManyListeners            = awsapi.Kind("TooManyListeners", http.StatusBadRequest)
	ErrTooManyRules                = awsapi.Kind("TooManyRules", http.StatusBadRequest)
	ErrTooManyTargets              = awsapi.Kind("TooManyTargets", http.StatusBadRequest)

	errBusy = awsapi.Kind("Throttling", http.StatusBadRequest).Newf("Too many concurrent changes to the same resource; retry")
)

func validation(format string, args ...any) *awsapi.Error { return ErrValidation.Newf(format, args...) }

func invalidConfiguration(format string, args ...any) *awsapi.Error {
	return ErrInvalidConfigurationRequest.Newf(format, args...)
}
