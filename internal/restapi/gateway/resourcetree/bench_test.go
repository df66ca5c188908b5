package resourcetree

import (
	"testing"

	"github.com/portolan/portolan/internal/apigw/router"
)

// benchTree is a 50-resource API shaped like a real one: a few services
// with collection, item and nested resources, a greedy proxy per service
// and one at the root.
func benchTree(b *testing.B) *Tree[string] {
	specs := []string{"/ GET", "/v1", "/health GET", "/{proxy+} ANY", "/static", "/static/{path+} GET"}
	for _, svc := range []string{"users", "orders", "items", "carts", "payments", "reviews", "tags", "notes"} {
		specs = append(specs,
			"/v1/"+svc+" GET,POST",
			"/v1/"+svc+"/{id} GET,PUT,DELETE",
			"/v1/"+svc+"/{id}/history GET",
			"/v1/"+svc+"/{id}/{proxy+} ANY",
			"/v1/"+svc+"/search GET",
		)
	}
	specs = append(specs, "/v2", "/v2/{svc}", "/v2/{svc}/{id} GET")
	if len(specs) != 49 {
		b.Fatalf("%d resources", len(specs))
	}
	return tree(b, specs...)
}

func BenchmarkResourceMatch(b *testing.B) {
	tr := benchTree(b)
	for _, c := range []struct{ name, method, path, want string }{
		{"literal", "GET", "/v1/reviews", "GET /v1/reviews"},
		{"root", "GET", "/", "GET /"},
		{"variable", "GET", "/v1/reviews/12345", "GET /v1/reviews/{id}"},
		{"variable-nested", "GET", "/v1/reviews/12345/history", "GET /v1/reviews/{id}/history"},
		{"method-any", "PATCH", "/v1/reviews/12345/x", "ANY /v1/reviews/{id}/{proxy+}"},
		{"greedy", "GET", "/v1/orders/12345/lines/7/tax", "ANY /v1/orders/{id}/{proxy+}"},
		{"greedy-root", "POST", "/somewhere/else/entirely", "ANY /{proxy+}"},
		{"encoded", "GET", "/v1/users/a%2Fb%20c", "GET /v1/users/{id}"},
	} {
		p, err := router.ParsePath(c.path)
		if err != nil {
			b.Fatal(err)
		}
		var ps Params
		if v, _ := tr.Match(c.method, p, &ps); v != c.want {
			b.Fatalf("%s %s -> %q, want %q", c.method, c.path, v, c.want)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tr.Match(c.method, p, &ps)
			}
		})
	}
}
