package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/server"
)

// TestLoadComposeTellsUser: up lists the keys it leaves out, serves each
// published port by its API, and on the docker runtime makes the
// project's namespace the tasks' search domain.
func TestLoadComposeTellsUser(t *testing.T) {
	file := filepath.Join(t.TempDir(), "docker-compose.yml")
	os.WriteFile(file, []byte(`name: shop
services:
  web:
    image: nginx
    ports: ["127.0.0.1:9080:80"]
    volumes: ["./html:/usr/share/nginx/html"]
    restart: always
  cache:
    image: redis
    cap_add: [NET_ADMIN]
`), 0o644)
	cfg := server.Config{Runtime: "docker", DataDir: t.TempDir()}
	var out strings.Builder
	p, err := loadCompose(context.Background(), file, &cfg, pairs{}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"services.cache.cap_add", "services.web.restart", "services.web.volumes"} {
		if !strings.Contains(out.String(), "\n  "+key+"\n") {
			t.Errorf("%s not listed:\n%s", key, out.String())
		}
	}
	if p.Name != "shop" || !slices.Equal(cfg.DNSSearch, []string{"shop.local"}) ||
		!slices.Equal(cfg.BoundAPIs, []server.BoundAPI{{API: "shop-web", Addr: "127.0.0.1:9080"}}) {
		t.Fatalf("project %s, server config: search %v, bound APIs %v", p.Name, cfg.DNSSearch, cfg.BoundAPIs)
	}
}
