package registry

import "testing"

func TestParseRoute(t *testing.T) {
	cases := []struct {
		path string
		want route
	}{
		{"/v2/", route{kind: routeBase}},
		{"/v2/_catalog", route{kind: routeCatalog}},
		{"/v2/web/manifests/latest", route{routeManifest, "web", "latest"}},
		{"/v2/team/web/manifests/sha256:abc", route{routeManifest, "team/web", "sha256:abc"}},
		{"/v2/a/manifests/b/manifests/v1", route{routeManifest, "a/manifests/b", "v1"}},
		{"/v2/a/blobs/sha256:abc", route{routeBlob, "a", "sha256:abc"}},
		{"/v2/a/blobs/uploads/", route{routeUpload, "a", ""}},
		{"/v2/a/blobs/uploads/0a1b", route{routeUpload, "a", ""}},
		{"/v2/a/tags/list", route{routeTags, "a", ""}},
		{"/v2/a/manifests/", route{}},
		{"/v2/manifests/x", route{}},
		{"/v1/a/manifests/x", route{}},
	}
	for _, tc := range cases {
		if got := parseRoute(tc.path); got != tc.want {
			t.Errorf("parseRoute(%q) = %+v, want %+v", tc.path, got, tc.want)
		}
	}
}

// FuzzParseRoute: whatever the path, a route it finds rebuilds the path.
func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/v2/", "/v2/a/manifests/v1", "/v2/a/b/blobs/sha256:00", "/v2/a/blobs/uploads/x", "/v2/a/tags/list", "/v2/a/manifests/b/blobs/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r := parseRoute(path)
		var rebuilt string
		switch r.kind {
		case routeManifest:
			rebuilt = "/v2/" + r.name + "/manifests/" + r.reference
		case routeBlob:
			rebuilt = "/v2/" + r.name + "/blobs/" + r.reference
		case routeTags:
			rebuilt = "/v2/" + r.name + "/tags/list"
		default:
			return
		}
		if r.name == "" || rebuilt != path {
			t.Fatalf("parseRoute(%q) = %+v", path, r)
		}
	})
}
