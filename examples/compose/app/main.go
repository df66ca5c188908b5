// Command app answers who it is, and with ?hops=N asks its peer (PEER_URL,
// a compose service name) with hops=N-1 first, embedding the answer: one
// request through front and back shows that each finds the other by name.
//
// On the docker runtime a name resolves as in any container, through the
// resolv.conf the engine writes (Portolan's DNS, the project's namespace
// as search domain). On the process runtime tasks are host processes with
// the host's resolv.conf, so `portolan up --compose` tells them where
// Portolan's DNS is (PORTOLAN_DNS) and the namespace (PORTOLAN_DNS_SEARCH),
// and the app asks there.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

type answer struct {
	Service string  `json:"service"`
	Host    string  `json:"host"` // the address it was reached at
	Peer    *answer `json:"peer,omitempty"`
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialer().DialContext}}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a := answer{Service: os.Getenv("SERVICE"), Host: r.Host}
		if hops, _ := strconv.Atoi(r.URL.Query().Get("hops")); hops > 0 {
			peer, err := ask(client, hops-1)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			a.Peer = peer
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a)
	})
	// HOST is the task's own address on Portolan's process runtime (empty,
	// so every address, in a container).
	addr := net.JoinHostPort(os.Getenv("HOST"), port)
	log.Printf("%s listening on %s, peer %s", os.Getenv("SERVICE"), addr, os.Getenv("PEER_URL"))
	log.Fatal(http.ListenAndServe(addr, nil))
}

func ask(client *http.Client, hops int) (*answer, error) {
	u, err := url.Parse(os.Getenv("PEER_URL"))
	if err != nil {
		return nil, err
	}
	u.RawQuery = "hops=" + strconv.Itoa(hops)
	resp, err := client.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	var a answer
	return &a, json.NewDecoder(resp.Body).Decode(&a)
}

// dialer resolves names as the system does, or, where PORTOLAN_DNS is set,
// at Portolan's DNS, trying a name without a dot in PORTOLAN_DNS_SEARCH
// first, as a resolv.conf search line would.
func dialer() interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
} {
	dns := os.Getenv("PORTOLAN_DNS")
	if dns == "" {
		return &net.Dialer{}
	}
	return searchDialer{
		resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, dns)
		}},
		search: os.Getenv("PORTOLAN_DNS_SEARCH"),
	}
}

type searchDialer struct {
	resolver *net.Resolver
	search   string
}

func (d searchDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	names := []string{host}
	if !strings.Contains(host, ".") && d.search != "" {
		names = []string{host + "." + d.search + ".", host}
	}
	var ips []string
	for _, n := range names {
		if ips, err = d.resolver.LookupHost(ctx, n); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(ips[0], port))
}
