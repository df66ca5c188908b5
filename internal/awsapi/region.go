package awsapi

import (
	"net/http"
	"regexp"
	"strings"
)

// SigningRegion is the region in r's SigV4 credential scope (the
// Authorization header's, or a presigned URL's X-Amz-Credential), or ""
// for an unsigned request. It is read, not verified: the endpoint the
// region selects verifies the signature as it would anyway.
func SigningRegion(r *http.Request) string {
	parts := strings.SplitN(credentialOf(r), "/", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// credentialOf is r's SigV4 credential, "key/date/region/service/aws4_request",
// or "".
func credentialOf(r *http.Request) string {
	var cred string
	if h := r.Header.Get("Authorization"); h != "" {
		_, after, ok := strings.Cut(h, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Credential") {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	return strings.TrimSpace(cred)
}

// regionName is the shape of the aws partition's region names
// (us-east-1, ap-northeast-1, eu-central-2): a geography, a direction, a
// number. Other partitions (aws-cn, aws-us-gov) have ARNs of their own
// and are not served.
var regionName = regexp.MustCompile(`^(af|ap|ca|eu|il|me|mx|sa|us)-[a-z]+-[1-9][0-9]?$`)

// ValidRegion reports whether region is one a request may be scoped to.
func ValidRegion(region string) bool { return regionName.MatchString(region) }

// CheckSigningRegion refuses a request whose credential scope names a
// region that is not one, as AWS does before anything else.
func CheckSigningRegion(r *http.Request) error {
	if region := SigningRegion(r); region != "" && !ValidRegion(region) {
		return Errorf("InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'. ", region)
	}
	return nil
}
