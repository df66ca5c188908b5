package iam

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// IAM's errors, one kind per code, with the statuses IAM answers them with.
var (
	ErrNoSuchEntity            = awsapi.Kind("NoSuchEntity", http.StatusNotFound)
	ErrEntityAlreadyExists     = awsapi.Kind("EntityAlreadyExists", http.StatusConflict)
	ErrDeleteConflict          = awsapi.Kind("DeleteConflict", http.StatusConflict)
	ErrLimitExceeded           = awsapi.Kind("LimitExceeded", http.StatusConflict)
	ErrMalformedPolicyDocument = awsapi.Kind("MalformedPolicyDocument", http.StatusBadRequest)
	ErrInvalidInput            = awsapi.Kind("InvalidInput", http.StatusBadRequest)
	ErrValidation              = awsapi.ErrQueryValidation
	ErrUnmodifiableEntity      = awsapi.Kind("UnmodifiableEntity", http.StatusBadRequest)

	errBusy = awsapi.Kind("ServiceFailure", http.StatusServiceUnavailable).Newf("Too many concurrent changes to the same entity; retry")
)

func roleNotFound(name string) *awsapi.Error {
	return ErrNoSuchEntity.Newf("The role with name %s cannot be found.", name)
}

func rolePolicyNotFound(role, policy string) *awsapi.Error {
	return ErrNoSuchEntity.Newf("The role policy with name %s cannot be found.", policy)
}

func policyNotFound(arn string) *awsapi.Error {
	return ErrNoSuchEntity.Newf("Policy %s does not exist or is not attachable.", arn)
}

func instanceProfileNotFound(name string) *awsapi.Error {
	return ErrNoSuchEntity.Newf("Instance Profile %s cannot be found.", name)
}

// missing is how IAM words a required member left out.
func missing(member string) *awsapi.Error {
	return ErrValidation.Newf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func malformed(detail string) *awsapi.Error {
	return ErrMalformedPolicyDocument.Newf("%s", detail)
}
