package router

import (
	"fmt"
	"testing"
)

// benchRoutes is a 50-route table shaped like a real HTTP API: a few
// services with collection, item and nested routes, a greedy proxy per
// service, a catch-all and $default.
func benchRoutes() []string {
	var keys []string
	for _, svc := range []string{"users", "orders", "items", "carts", "payments", "reviews"} {
		keys = append(keys,
			"GET /v1/"+svc,
			"POST /v1/"+svc,
			"GET /v1/"+svc+"/{id}",
			"PUT /v1/"+svc+"/{id}",
			"DELETE /v1/"+svc+"/{id}",
			"GET /v1/"+svc+"/{id}/history",
			"ANY /v1/"+svc+"/{proxy+}",
		)
	}
	keys = append(keys, "GET /health", "GET /", "ANY /{proxy+}", "GET /static/{path+}", "OPTIONS /{proxy+}", "GET /v2/{svc}/{id}/{sub}",
		"GET /v1/users/{id}/orders/{orderId}", "$default")
	return keys
}

func BenchmarkMatch(b *testing.B) {
	keys := benchRoutes()
	if len(keys) != 50 {
		b.Fatalf("%d routes", len(keys))
	}
	tb := table(b, keys...)
	for _, c := range []struct {
		name, method, path, want string
	}{
		{"literal", "GET", "/v1/reviews", "GET /v1/reviews"},
		{"literal-root", "GET", "/", "GET /"},
		{"variable", "GET", "/v1/reviews/12345", "GET /v1/reviews/{id}"},
		{"variable-nested", "GET", "/v1/reviews/12345/history", "GET /v1/reviews/{id}/history"},
		{"variable-3", "GET", "/v2/orders/7/lines", "GET /v2/{svc}/{id}/{sub}"},
		{"method-fallback", "PATCH", "/v1/reviews/12345", "ANY /v1/reviews/{proxy+}"},
		{"greedy", "GET", "/v1/orders/12345/lines/7/tax", "ANY /v1/orders/{proxy+}"},
		{"greedy-root", "POST", "/somewhere/else/entirely", "ANY /{proxy+}"},
		{"encoded-param", "GET", "/v1/users/a%2Fb%20c", "GET /v1/users/{id}"},
	} {
		p, err := ParsePath(c.path)
		if err != nil {
			b.Fatal(err)
		}
		var ps Params
		if v, _ := tb.Match(c.method, p, &ps); v != c.want {
			b.Fatalf("%s %s -> %s, want %s", c.method, c.path, v, c.want)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tb.Match(c.method, p, &ps)
			}
		})
	}
}

// BenchmarkParseAndMatch is what the gateway pays per request.
func BenchmarkParseAndMatch(b *testing.B) {
	tb := table(b, benchRoutes()...)
	for _, c := range []struct{ name, method, path string }{
		{"literal", "GET", "/v1/reviews"},
		{"variable", "GET", "/v1/reviews/12345/"},
		{"greedy", "GET", "/v1/orders/12345/lines/7/tax"},
		{"escaped", "GET", "/v1/users/caf%C3%A9"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var ps Params
			for b.Loop() {
				p, err := ParsePath(c.path)
				if err != nil {
					b.Fatal(err)
				}
				tb.Match(c.method, p, &ps)
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	keys := benchRoutes()
	entries := make([]Entry[int], len(keys))
	for i, k := range keys {
		entries[i] = Entry[int]{Key: mustKey(b, k), Value: i}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(entries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchWide: many literal siblings at one level (map lookup).
func BenchmarkMatchWide(b *testing.B) {
	var keys []string
	for i := range 300 {
		keys = append(keys, fmt.Sprintf("GET /svc%03d/{id}", i))
	}
	tb := table(b, keys...)
	p, _ := ParsePath("/svc299/42")
	var ps Params
	b.ReportAllocs()
	for b.Loop() {
		tb.Match("GET", p, &ps)
	}
}
