package restapi

import (
	"context"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

type CreateResourceInput struct {
	RestApiId string  `json:"-"`
	ParentId  string  `json:"-"`
	PathPart  *string `json:"pathPart,omitempty"`
}

// ResourceRef names a resource; Embed ("methods") asks for the methods in
// full rather than by name.
type ResourceRef struct {
	RestApiId  string   `json:"-"`
	ResourceId string   `json:"-"`
	Embed      []string `json:"-"`
}

type GetResourcesInput struct {
	RestApiId string   `json:"-"`
	Embed     []string `json:"-"`
	PageInput
}

type UpdateResourceInput struct {
	RestApiId  string `json:"-"`
	ResourceId string `json:"-"`
	PatchInput
}

// maxResources is AWS's default quota of resources per API.
const maxResources = 300

// validatePathPart checks one path part as AWS does: a literal of
// a-zA-Z0-9._:- characters, or a variable "{name}", or a greedy variable
// "{name+}".
func validatePathPart(p string) error {
	const msg = "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace."
	if p == "" || len(p) > 1024 {
		return badRequest(msg)
	}
	name := p
	if strings.HasPrefix(p, "{") {
		if !strings.HasSuffix(p, "}") {
			return badRequest(msg)
		}
		name = strings.TrimSuffix(strings.TrimSuffix(p[1:], "}"), "+")
		if name == "" {
			return badRequest(msg)
		}
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("._-:", ch) >= 0) {
			return badRequest(msg)
		}
	}
	return nil
}

// isVariable reports whether a path part is "{name}" or "{name+}".
func isVariable(part string) bool { return strings.HasPrefix(part, "{") }

// isGreedy reports whether a path part is "{name+}".
func isGreedy(part string) bool { return strings.HasSuffix(part, "+}") }

func childPath(parent, part string) string {
	if parent == "/" {
		return "/" + part
	}
	return parent + "/" + part
}

// checkSibling refuses a path part under parentID that clashes with a
// sibling (other than self): the same name, or a second variable (the
// router could not choose between two).
func checkSibling(rec *apiRecord, parentID, part, self string) error {
	for _, r := range rec.Resources {
		if r.ParentId != parentID || r.Id == self {
			continue
		}
		if r.PathPart == part {
			return conflict("Another resource with the same parent already has this name: %s", part)
		}
		if isVariable(r.PathPart) && isVariable(part) {
			return badRequest("A sibling (%s) of this resource already has a variable path part -- only one is allowed", r.PathPart)
		}
	}
	return nil
}

// CreateResource adds a resource under a parent.
func (c *Control) CreateResource(ctx context.Context, in *CreateResourceInput) (*Resource, error) {
	part := strOr(in.PathPart, "")
	if err := validatePathPart(part); err != nil {
		return nil, err
	}
	var out *Resource
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		parent := rec.Resources[in.ParentId]
		if parent == nil {
			return resourceNotFound()
		}
		if isGreedy(parent.PathPart) {
			return badRequest("Cannot create a child of a resource with a greedy path variable: %s", parent.Path)
		}
		if err := checkSibling(rec, parent.Id, part, ""); err != nil {
			return err
		}
		if len(rec.Resources) >= maxResources {
			return ErrLimitExceeded.Newf("Cannot create more than %d resources for an API", maxResources)
		}
		out = &Resource{Id: newResourceID(rec), ParentId: parent.Id, PathPart: part, Path: childPath(parent.Path, part)}
		rec.Resources[out.Id] = out
		return nil
	})
	return out, err
}

func newResourceID(rec *apiRecord) string {
	for {
		id := awsapi.RandomID(6)
		if rec.Resources[id] == nil {
			return id
		}
	}
}

func resourceNotFound() error { return notFound("Invalid Resource identifier specified") }

// resourceOut is a resource as GetResource(s) answer it: without
// embed=methods, each method is listed by name only (an empty object), as
// AWS does.
func resourceOut(r *Resource, embed []string) *Resource {
	out := *r
	if len(r.ResourceMethods) == 0 || embedsMethods(embed) {
		return &out
	}
	out.ResourceMethods = make(map[string]*Method, len(r.ResourceMethods))
	for verb := range r.ResourceMethods {
		out.ResourceMethods[verb] = &Method{}
	}
	return &out
}

func embedsMethods(embed []string) bool {
	for _, e := range embed {
		if slices.Contains(strings.Split(e, ","), "methods") {
			return true
		}
	}
	return false
}

// GetResource returns one resource.
func (c *Control) GetResource(ctx context.Context, in *ResourceRef) (*Resource, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	r := rec.Resources[in.ResourceId]
	if r == nil {
		return nil, resourceNotFound()
	}
	return resourceOut(r, in.Embed), nil
}

// GetResources lists an API's resources in path order.
func (c *Control) GetResources(ctx context.Context, in *GetResourcesInput) (*Page[*Resource], error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	all := sortedResources(rec)
	for i, r := range all {
		all[i] = resourceOut(r, in.Embed)
	}
	return page(all, func(r *Resource) string { return r.Path }, in.PageInput)
}

func sortedResources(rec *apiRecord) []*Resource {
	all := make([]*Resource, 0, len(rec.Resources))
	for _, r := range rec.Resources {
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b *Resource) int { return strings.Compare(a.Path, b.Path) })
	return all
}

// resourcePatch is what UpdateResource may change: the path part, or the
// parent (which moves the subtree).
var resourcePatch = []patchRule[Resource]{
	{"/pathPart", "replace", setString(func(r *Resource) *string { return &r.PathPart })},
	{"/parentId", "replace", setString(func(r *Resource) *string { return &r.ParentId })},
}

// UpdateResource renames or moves a resource; its descendants' paths follow.
func (c *Control) UpdateResource(ctx context.Context, in *UpdateResourceInput) (*Resource, error) {
	var out *Resource
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		cur := rec.Resources[in.ResourceId]
		if cur == nil {
			return resourceNotFound()
		}
		next := *cur
		if err := applyPatch(&next, in.PatchOperations, resourcePatch); err != nil {
			return err
		}
		if cur.ParentId == "" {
			return badRequest("The root resource cannot be changed")
		}
		if err := validatePathPart(next.PathPart); err != nil {
			return err
		}
		parent := rec.Resources[next.ParentId]
		if parent == nil {
			return resourceNotFound()
		}
		if parent.Id == cur.Id || isDescendant(rec, parent.Id, cur.Id) {
			return badRequest("A resource cannot be moved under itself")
		}
		if isGreedy(parent.PathPart) || isGreedy(next.PathPart) && hasChildren(rec, cur.Id) {
			return badRequest("A greedy path variable must be the last part of a path")
		}
		if err := checkSibling(rec, parent.Id, next.PathPart, cur.Id); err != nil {
			return err
		}
		rec.Resources[cur.Id] = &next
		repath(rec, &next, parent.Path)
		out = &next
		return nil
	})
	return out, err
}

// isDescendant reports whether id lies under ancestor.
func isDescendant(rec *apiRecord, id, ancestor string) bool {
	for r := rec.Resources[id]; r != nil && r.ParentId != ""; r = rec.Resources[r.ParentId] {
		if r.ParentId == ancestor {
			return true
		}
	}
	return false
}

func hasChildren(rec *apiRecord, id string) bool {
	for _, r := range rec.Resources {
		if r.ParentId == id {
			return true
		}
	}
	return false
}

// repath recomputes the path of r and of everything under it.
func repath(rec *apiRecord, r *Resource, parentPath string) {
	r.Path = childPath(parentPath, r.PathPart)
	for _, child := range rec.Resources {
		if child.ParentId == r.Id {
			repath(rec, child, r.Path)
		}
	}
}

// DeleteResource deletes a resource and everything under it.
func (c *Control) DeleteResource(ctx context.Context, in *ResourceRef) error {
	return c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		r := rec.Resources[in.ResourceId]
		if r == nil {
			return resourceNotFound()
		}
		if r.ParentId == "" {
			return badRequest("Cannot delete the root resource")
		}
		var doomed []string
		for id := range rec.Resources {
			if id == r.Id || isDescendant(rec, id, r.Id) {
				doomed = append(doomed, id)
			}
		}
		for _, id := range doomed {
			delete(rec.Resources, id)
		}
		return nil
	})
}
