package route53

import (
	"net/http"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Route 53's errors, one kind per code: other packages test for them
// with errors.Is.
var (
	ErrNoSuchHostedZone         = awsapi.Kind("NoSuchHostedZone", http.StatusNotFound)
	ErrNoSuchChange             = awsapi.Kind("NoSuchChange", http.StatusNotFound)
	ErrHostedZoneAlreadyExists  = awsapi.Kind("HostedZoneAlreadyExists", http.StatusConflict)
	ErrHostedZoneNotEmpty       = awsapi.Kind("HostedZoneNotEmpty", http.StatusBadRequest)
	ErrInvalidChangeBatch       = awsapi.Kind("InvalidChangeBatch", http.StatusBadRequest)
	ErrInvalidInput             = awsapi.Kind("InvalidInput", http.StatusBadRequest)
	ErrInvalidDomainName        = awsapi.Kind("InvalidDomainName", http.StatusBadRequest)
	ErrInvalidVPCId             = awsapi.Kind("InvalidVPCId", http.StatusBadRequest)
	ErrConflictingDomainExists  = awsapi.Kind("ConflictingDomainExists", http.StatusBadRequest)
	ErrPublicZoneVPCAssociation = awsapi.Kind("PublicZoneVPCAssociation", http.StatusBadRequest)
	ErrLastVPCAssociation       = awsapi.Kind("LastVPCAssociation", http.StatusBadRequest)
	ErrVPCAssociationNotFound   = awsapi.Kind("VPCAssociationNotFound", http.StatusNotFound)
	ErrAccessDenied             = awsapi.Kind("AccessDenied", http.StatusForbidden)
	ErrPriorRequestNotComplete  = awsapi.Kind("PriorRequestNotComplete", http.StatusBadRequest)
	ErrNoSuchHealthCheck        = awsapi.Kind("NoSuchHealthCheck", http.StatusNotFound)
)

func invalidInput(format string, args ...any) *awsapi.Error {
	return ErrInvalidInput.Newf(format, args...)
}

func noSuchHostedZone(id string) *awsapi.Error {
	return ErrNoSuchHostedZone.Newf("No hosted zone found with ID: %s", id)
}

// invalidChangeBatch carries every problem of a batch, as Route 53 lists
// them: "[first, second]".
func invalidChangeBatch(problems []string) *awsapi.Error {
	return ErrInvalidChangeBatch.Newf("[%s]", strings.Join(problems, ", "))
}

// managedByCloudMap refuses a change to a zone another service manages, in the
// words AWS answers a Cloud Map namespace's zone with.
func managedByCloudMap(zoneID, namespaceARN string) *awsapi.Error {
	return ErrAccessDenied.Newf("The resource hostedzone/%s can only be managed through %s (%s)", zoneID, CloudMapPrincipal, namespaceARN)
}

var errBusy = ErrPriorRequestNotComplete.Newf("The request was rejected because Route 53 was still processing a prior request.")
