// Command web is the rest-api-nlb example's backend: a small HTTP service
// that says which task answered and which path it was asked for, so calls
// through the REST API show the VPC link and the NLB spreading them over
// the service's tasks. /health is what the target group probes. It listens
// where ECS tells it: $HOST and $PORT on Portolan's process runtime, every
// interface on port 8080 in a container.
package main

import (
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := net.JoinHostPort(os.Getenv("HOST"), envOr("PORT", "8080"))
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"message": "Hello through a private REST API, a VPC link and an NLB",
			"method":  r.Method,
			"path":    r.URL.Path,
			"task":    addr,
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
