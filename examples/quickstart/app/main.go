// Command app is the quickstart's backend: a small HTTP service that says
// which task answered, so repeated calls through the gateway show the load
// spread over the service's tasks. It listens where ECS tells it: $HOST and
// $PORT on Portolan's process runtime, every interface on port 8080 in a
// container.
package main

import (
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := net.JoinHostPort(os.Getenv("HOST"), envOr("PORT", "8080"))
	greeting := envOr("GREETING", "Hello from Portolan")
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"message": greeting,
			"path":    r.URL.Path,
			"task":    os.Getenv("ECS_TASK_ID") + addr,
			"host":    host,
			"time":    time.Now().UTC().Format(time.RFC3339),
		})
		log.Printf("%s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
	})
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
