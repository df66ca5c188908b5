package registry

import "strings"

// Kinds of request, by the distribution API's routes.
const (
	routeUnknown  = iota
	routeBase     // /v2/
	routeCatalog  // /v2/_catalog
	routeManifest // /v2/<name>/manifests/<reference>
	routeBlob     // /v2/<name>/blobs/<digest>
	routeUpload   // /v2/<name>/blobs/uploads/[<uuid>]
	routeTags     // /v2/<name>/tags/list
)

// route is what a request path names.
type route struct {
	kind      int
	name      string // the repository
	reference string // a manifest's tag or digest
}

// parseRoute reads a request path as the distribution API lays it out. A
// repository name may itself contain "manifests" or "blobs" components,
// so the name ends at the last marker that leaves a valid tail.
func parseRoute(path string) route {
	switch path {
	case "/v2", "/v2/":
		return route{kind: routeBase}
	case "/v2/_catalog":
		return route{kind: routeCatalog}
	}
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return route{}
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok && name != "" {
		return route{kind: routeTags, name: name}
	}
	if i := strings.LastIndex(rest, "/blobs/uploads/"); i > 0 && !strings.Contains(rest[i+len("/blobs/uploads/"):], "/") {
		return route{kind: routeUpload, name: rest[:i]}
	}
	if i := strings.LastIndex(rest, "/manifests/"); i > 0 {
		if ref := rest[i+len("/manifests/"):]; ref != "" && !strings.Contains(ref, "/") {
			return route{kind: routeManifest, name: rest[:i], reference: ref}
		}
	}
	if i := strings.LastIndex(rest, "/blobs/"); i > 0 {
		if ref := rest[i+len("/blobs/"):]; ref != "" && !strings.Contains(ref, "/") {
			return route{kind: routeBlob, name: rest[:i], reference: ref}
		}
	}
	return route{}
}

// isDigest says whether a manifest reference is a digest rather than a tag.
func isDigest(reference string) bool { return strings.Contains(reference, ":") }
