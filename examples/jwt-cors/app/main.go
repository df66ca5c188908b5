// Command app is the jwt-cors example's backend: it trusts the gateway to
// have checked the caller's token, and reads who the caller is from the
// X-User and X-Scope headers that the integration's parameter mapping fills
// from the token's claims. It listens where ECS tells it: $HOST and $PORT
// on Portolan's process runtime, every interface on port 8080 in a
// container.
package main

import (
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
)

func main() {
	addr := net.JoinHostPort(os.Getenv("HOST"), envOr("PORT", "8080"))
	var mu sync.Mutex
	pets := []string{"Rex", "Tom"}
	answer := func(w http.ResponseWriter, r *http.Request, v map[string]any) {
		v["user"] = r.Header.Get("X-User")
		v["scope"] = r.Header.Get("X-Scope")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	http.HandleFunc("GET /pets", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		answer(w, r, map[string]any{"pets": pets})
	})
	http.HandleFunc("POST /pets", func(w http.ResponseWriter, r *http.Request) {
		name, _ := io.ReadAll(io.LimitReader(r.Body, 100))
		mu.Lock()
		defer mu.Unlock()
		pets = append(pets, string(name))
		answer(w, r, map[string]any{"added": string(name)})
	})
	http.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
