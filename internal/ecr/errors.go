package ecr

import (
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// ECR's errors, one kind per code; all travel with HTTP 400.
var (
	ErrInvalidParameter         = awsapi.Kind("InvalidParameterException", http.StatusBadRequest)
	ErrRepositoryNotFound       = awsapi.Kind("RepositoryNotFoundException", http.StatusBadRequest)
	ErrRepositoryAlreadyExists  = awsapi.Kind("RepositoryAlreadyExistsException", http.StatusBadRequest)
	ErrRepositoryNotEmpty       = awsapi.Kind("RepositoryNotEmptyException", http.StatusBadRequest)
	ErrImageNotFound            = awsapi.Kind("ImageNotFoundException", http.StatusBadRequest)
	ErrImageTagAlreadyExists    = awsapi.Kind("ImageTagAlreadyExistsException", http.StatusBadRequest)
	ErrImageAlreadyExists       = awsapi.Kind("ImageAlreadyExistsException", http.StatusBadRequest)
	ErrLifecyclePolicyNotFound  = awsapi.Kind("LifecyclePolicyNotFoundException", http.StatusBadRequest)
	ErrLifecyclePreviewNotFound = awsapi.Kind("LifecyclePolicyPreviewNotFoundException", http.StatusBadRequest)
	ErrInvalidTagParameter      = awsapi.Kind("InvalidTagParameterException", http.StatusBadRequest)
	ErrTooManyTags              = awsapi.Kind("TooManyTagsException", http.StatusBadRequest)
	ErrLimitExceeded            = awsapi.Kind("LimitExceededException", http.StatusBadRequest)
	ErrValidation               = awsapi.Kind("ValidationException", http.StatusBadRequest)
	ErrServer                   = awsapi.Kind("ServerException", http.StatusInternalServerError)
)

func invalidParameter(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameter.Newf(format, args...)
}

// constraint is an invalid member in the words of ECR's validation.
func constraint(member, rule string) *awsapi.Error {
	return ErrInvalidParameter.Newf("Invalid parameter at '%s' failed to satisfy constraint: '%s'", member, rule)
}

func (c *Control) repositoryNotFound(name string) *awsapi.Error {
	return ErrRepositoryNotFound.Newf("The repository with name '%s' does not exist in the registry with id '%s'", name, c.cfg.AccountID)
}

func (c *Control) imageNotFound(repo string, id ImageIdentifier) *awsapi.Error {
	return ErrImageNotFound.Newf("The image with imageId {imageDigest:'%s', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'",
		orNull(id.ImageDigest), orNull(id.ImageTag), repo, c.cfg.AccountID)
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

var errBusy = ErrServer.Newf("Too many concurrent changes to the repository; retry")
