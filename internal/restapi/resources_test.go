package restapi_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func paths(t *testing.T, c *apigateway.Client, api string) map[string]string {
	t.Helper()
	out := must[*apigateway.GetResourcesOutput](t)(c.GetResources(ctxT(t), &apigateway.GetResourcesInput{RestApiId: aws.String(api), Limit: aws.Int32(500)}))
	m := map[string]string{}
	for _, r := range out.Items {
		m[aws.ToString(r.Path)] = aws.ToString(r.Id)
	}
	return m
}

func TestResourceTree(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "tree")
	pets := newResource(t, c, api, root, "pets")
	pet := newResource(t, c, api, pets, "{petId}")
	toys := newResource(t, c, api, pet, "toys")
	proxy := newResource(t, c, api, root, "{proxy+}")
	newResource(t, c, api, pets, "v1.2_x-y:z")
	got := paths(t, c, api)
	for path, id := range map[string]string{"/": root, "/pets": pets, "/pets/{petId}": pet, "/pets/{petId}/toys": toys, "/{proxy+}": proxy} {
		if got[path] != id {
			t.Fatalf("resources %v, want %s at %s", got, id, path)
		}
	}
	r := must[*apigateway.GetResourceOutput](t)(c.GetResource(ctxT(t), &apigateway.GetResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(toys)}))
	if aws.ToString(r.ParentId) != pet || aws.ToString(r.PathPart) != "toys" {
		t.Fatalf("GetResource %+v", r)
	}

	create := func(parent, part string) func() error {
		return func() error {
			_, err := c.CreateResource(ctxT(t), &apigateway.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(parent), PathPart: aws.String(part)})
			return err
		}
	}
	for _, tc := range []struct {
		parent, part, code, msg string
	}{
		{pets, "{petId}", "ConflictException", "Another resource with the same parent already has this name: {petId}"},
		{root, "pets", "ConflictException", "Another resource with the same parent already has this name"},
		{pets, "{other}", "BadRequestException", "A sibling ({petId}) of this resource already has a variable path part -- only one is allowed"},
		{root, "{all+}", "BadRequestException", "only one is allowed"},
		{proxy, "below", "BadRequestException", "greedy"},
		{root, "", "BadRequestException", "path part only allow"},
		{root, "a/b", "BadRequestException", "path part only allow"},
		{root, "{x", "BadRequestException", "path part only allow"},
		{root, "{}", "BadRequestException", "path part only allow"},
		{root, "{+}", "BadRequestException", "path part only allow"},
		{root, "sp ace", "BadRequestException", "path part only allow"},
		{"nope", "x", "NotFoundException", "Invalid Resource identifier specified"},
	} {
		t.Run(tc.part, func(t *testing.T) { unchanged(t, e, tc.code, tc.msg, create(tc.parent, tc.part)) })
	}
	unchanged(t, e, "NotFoundException", "Invalid API identifier", func() error {
		_, err := c.CreateResource(ctxT(t), &apigateway.CreateResourceInput{RestApiId: aws.String("nope"), ParentId: aws.String(root), PathPart: aws.String("x")})
		return err
	})
}

func TestUpdateAndDeleteResource(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "moves")
	a := newResource(t, c, api, root, "a")
	b := newResource(t, c, api, a, "b")
	newResource(t, c, api, b, "c")
	other := newResource(t, c, api, root, "other")
	upd := func(id string, ops ...string) (*apigateway.UpdateResourceOutput, error) {
		return c.UpdateResource(ctxT(t), &apigateway.UpdateResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(id), PatchOperations: patch(ops...)})
	}
	must[*apigateway.UpdateResourceOutput](t)(upd(a, "replace", "/pathPart", "alpha"))
	if p := paths(t, c, api); p["/alpha/b/c"] == "" || p["/a/b"] != "" {
		t.Fatalf("after a rename the paths are %v", p)
	}
	out := must[*apigateway.UpdateResourceOutput](t)(upd(b, "replace", "/parentId", other))
	if aws.ToString(out.Path) != "/other/b" {
		t.Fatalf("moved resource's path %q", aws.ToString(out.Path))
	}
	if p := paths(t, c, api); p["/other/b/c"] == "" {
		t.Fatalf("after a move the paths are %v", p)
	}
	for _, tc := range []struct {
		id   string
		ops  []string
		code string
		msg  string
	}{
		{b, []string{"replace", "/parentId", b}, "BadRequestException", "under itself"},
		{other, []string{"replace", "/parentId", b}, "BadRequestException", "under itself"},
		{b, []string{"replace", "/pathPart", "{b+}"}, "BadRequestException", "greedy"},
		{a, []string{"replace", "/pathPart", "other"}, "ConflictException", "same parent"},
		{a, []string{"replace", "/pathPart", "a/b"}, "BadRequestException", "path part"},
		{root, []string{"replace", "/pathPart", "x"}, "BadRequestException", "root"},
		{a, []string{"replace", "/path", "/x"}, "BadRequestException", "Invalid patch path"},
		{"nope", []string{"replace", "/pathPart", "x"}, "NotFoundException", "Invalid Resource identifier"},
	} {
		t.Run(fmt.Sprint(tc.ops), func(t *testing.T) {
			unchanged(t, e, tc.code, tc.msg, func() error { _, err := upd(tc.id, tc.ops...); return err })
		})
	}

	must[*apigateway.DeleteResourceOutput](t)(c.DeleteResource(ctxT(t), &apigateway.DeleteResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(other)}))
	if p := paths(t, c, api); len(p) != 2 || p["/alpha"] != a {
		t.Fatalf("after deleting /other the paths are %v, want / and /alpha", p)
	}
	unchanged(t, e, "BadRequestException", "root", func() error {
		_, err := c.DeleteResource(ctxT(t), &apigateway.DeleteResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(root)})
		return err
	})
	unchanged(t, e, "NotFoundException", "Invalid Resource identifier", func() error {
		_, err := c.DeleteResource(ctxT(t), &apigateway.DeleteResourceInput{RestApiId: aws.String(api), ResourceId: aws.String(b)})
		return err
	})
}

func TestGetResourcesEmbedAndPages(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, root := newAPI(t, c, "embed")
	mockMethod(t, c, api, root, "GET")
	for i := range 30 {
		newResource(t, c, api, root, fmt.Sprintf("r%02d", i))
	}
	plain := must[*apigateway.GetResourcesOutput](t)(c.GetResources(ctxT(t), &apigateway.GetResourcesInput{RestApiId: aws.String(api)}))
	if len(plain.Items) != 25 || plain.Position == nil {
		t.Fatalf("default page: %d items, position %v; want 25 and a position", len(plain.Items), plain.Position)
	}
	if m := plain.Items[0].ResourceMethods["GET"]; aws.ToString(plain.Items[0].Path) != "/" || m.HttpMethod != nil {
		t.Fatalf("without embed the root's GET is %+v, want a bare name", m)
	}
	rest := must[*apigateway.GetResourcesOutput](t)(c.GetResources(ctxT(t), &apigateway.GetResourcesInput{RestApiId: aws.String(api), Position: plain.Position}))
	if len(rest.Items) != 6 || rest.Position != nil {
		t.Fatalf("second page: %d items, position %v; want 6 and none", len(rest.Items), rest.Position)
	}
	embedded := must[*apigateway.GetResourcesOutput](t)(c.GetResources(ctxT(t), &apigateway.GetResourcesInput{RestApiId: aws.String(api), Embed: []string{"methods"}, Limit: aws.Int32(1)}))
	m := embedded.Items[0].ResourceMethods["GET"]
	if aws.ToString(m.HttpMethod) != "GET" || m.MethodIntegration == nil || m.MethodIntegration.Type != "MOCK" {
		t.Fatalf("with embed=methods the root's GET is %+v", m)
	}
}
