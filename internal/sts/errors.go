package sts

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// STS's errors, one kind per code.
var (
	ErrAccessDenied = awsapi.Kind("AccessDenied", http.StatusForbidden)
	ErrValidation   = awsapi.ErrQueryValidation
)

func missing(member string) *awsapi.Error {
	return ErrValidation.Newf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}
