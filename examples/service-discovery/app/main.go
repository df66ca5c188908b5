// Command app is the service-discovery example's workload: the same image
// runs as two ECS services, myservice-a and myservice-b, which find each
// other by DNS name as tasks do on ECS with Cloud Map.
//
//	GET /message  this service's name ($SERVICE_NAME)
//	GET /request  GET http://NAME:PORT/message for every NAME in $PEERS
//	              (comma-separated) and answer what each said, and from
//	              which address
//
// PORT is what the name's SRV record says (a task's port may not be 8080:
// the process runtime in ports mode gives each task a host port of its
// own), else 8080.
//
// Names resolve through Go's ordinary resolver, that is through the
// nameserver in the container's /etc/resolv.conf: on ECS the VPC's
// resolver, under Portolan its DNS server, which answers for the Cloud Map
// namespace. Nothing here knows about Portolan.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"time"
)

// Answer is what one peer said to /request.
type Answer struct {
	Peer    string `json:"peer"`
	Address string `json:"address,omitempty"` // the task that answered
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	log.SetFlags(0) // the log stream has the time
	name := os.Getenv("SERVICE_NAME")
	var peers []string
	for p := range strings.SplitSeq(os.Getenv("PEERS"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			peers = append(peers, p)
		}
	}
	// Every call dials anew, so that it resolves the name again and
	// MULTIVALUE answers spread the calls over the peer's tasks.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	http.HandleFunc("GET /message", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, name)
	})
	http.HandleFunc("GET /request", func(w http.ResponseWriter, r *http.Request) {
		out := struct {
			From    string   `json:"from"`
			Answers []Answer `json:"answers"`
		}{From: name, Answers: []Answer{}}
		status := http.StatusOK
		for _, peer := range peers {
			a := ask(r, client, peer)
			if a.Error != "" {
				status = http.StatusBadGateway
			}
			out.Answers = append(out.Answers, a)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		log.Printf("%s %s from %s: %d", r.Method, r.URL.Path, r.RemoteAddr, status)
	})

	addr := net.JoinHostPort(os.Getenv("HOST"), envOr("PORT", "8080"))
	log.Printf("%s listening on %s, peers %v", name, addr, peers)
	log.Fatal(http.ListenAndServe(addr, nil))
}

// ask GETs the peer's /message and notes which address answered.
func ask(r *http.Request, client *http.Client, peer string) Answer {
	a := Answer{Peer: peer}
	ctx := httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{GotConn: func(c httptrace.GotConnInfo) {
		a.Address = c.Conn.RemoteAddr().String()
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+peerAddr(r, peer)+"/message", nil)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	resp, err := client.Do(req)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		a.Error = err.Error()
	case resp.StatusCode != http.StatusOK:
		a.Error = resp.Status
	default:
		a.Message = strings.TrimSpace(string(b))
	}
	return a
}

// peerAddr is host:port for peer: a target of its SRV record (the first;
// MULTIVALUE answers come shuffled), or the name itself at 8080.
func peerAddr(r *http.Request, peer string) string {
	_, srvs, err := net.DefaultResolver.LookupSRV(r.Context(), "", "", peer)
	if err == nil && len(srvs) > 0 {
		return net.JoinHostPort(strings.TrimSuffix(srvs[0].Target, "."), strconv.Itoa(int(srvs[0].Port)))
	}
	return net.JoinHostPort(peer, "8080")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
